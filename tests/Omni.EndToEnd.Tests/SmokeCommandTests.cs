using System.Diagnostics;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// `./omni smoke` (tools/smoke.sh), the post-deploy check, against the local DevHost. The DevHost checks function keys
/// as Azure does, so the run gets its function key the way an operator gives it (OMNI_FUNCTION_KEY) and the
/// "401 without a key" step runs too.
/// </summary>
[Collection(DevHostCollection.Name)]
public sealed class SmokeCommandTests(DevHostFixture fixture)
{
    [Fact]
    public async Task Smoke_HealthyDevHostWithMessage_PassesAndSendsIt()
    {
        var email = $"smoke-{Guid.NewGuid():N}@example.org";

        var (exitCode, output, error) = await SmokeAsync(["--send-to", email, "--timeout", "60"], fixture.Server.Keys.FunctionKey);

        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{error}");
        Assert.Contains("smoke: ok: GET /api/health 200 healthy", output);
        Assert.Contains("smoke: ok: GET /api/stats/channels without a key 401", output);
        Assert.Contains("smoke: ok: GET /api/stats/channels with the key 200", output);
        Assert.Matches(@"smoke: ok: message \S+ (sent|delivered|read)", output);
        Assert.EndsWith("smoke: passed", output.TrimEnd());
    }

    [Fact]
    public async Task Smoke_WithoutKeyAndWithoutNoKeyCheck_FailsWithOneClearLine()
    {
        var (exitCode, output, error) = await SmokeAsync([]);

        Assert.NotEqual(0, exitCode);
        Assert.Equal("", output);
        Assert.StartsWith("smoke: FAILED: no function key", error.Trim());
        Assert.Single(error.Trim().Split('\n'));
    }

    // OMNI_FUNCTION_KEY is always set (empty by default), so a developer's own key does not change what is tested.
    private async Task<(int ExitCode, string Output, string Error)> SmokeAsync(string[] options, string functionKey = "")
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestPaths.RepositoryRoot,
        };
        start.ArgumentList.Add(Path.Combine(TestPaths.RepositoryRoot, "omni"));
        start.ArgumentList.Add("smoke");
        start.ArgumentList.Add(fixture.Server.BaseAddress.ToString());
        foreach (var option in options)
        {
            start.ArgumentList.Add(option);
        }
        start.Environment["OMNI_FUNCTION_KEY"] = functionKey;
        using var smoke = Process.Start(start)!;
        var output = smoke.StandardOutput.ReadToEndAsync();
        var error = smoke.StandardError.ReadToEndAsync();
        await smoke.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (smoke.ExitCode, await output, await error);
    }
}
