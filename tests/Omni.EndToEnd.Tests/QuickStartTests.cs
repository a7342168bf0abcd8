using System.Diagnostics;
using Omni.DevHost;

namespace Omni.EndToEnd.Tests;

/// <summary>A DevHost whose clock says 23:00 in London, as <c>./omni run -- --clock 23:00@Europe/London</c> starts it.</summary>
public sealed class NightInLondonFixture : DevHostFixture
{
    protected override TimeSpan ClockOffset =>
        DevHostClock.TryParse("23:00@Europe/London", null, DateTimeOffset.UtcNow, out var offset, out var error)
            ? offset
            : throw new InvalidOperationException(error);
}

/// <summary>
/// The README's first tour, replayed by tools/quickstart/replay.sh with curl against a DevHost at 23:00 London time: every
/// step must answer as the README says (the security code goes at once, the shipping notice is deferred, STOP/START,
/// fallback, the timeline, the dashboard).
/// </summary>
public sealed class QuickStartTests(NightInLondonFixture fixture) : IClassFixture<NightInLondonFixture>
{
    [Fact]
    public async Task ReplayScript_At2300InLondon_EveryStepBehavesAsTheReadmeSays()
    {
        foreach (var tool in new[] { "bash", "curl" })
        {
            Assert.True(QuickStart.OnPath(tool), $"The quick start replay needs {tool} on PATH (CI has it); install it to run this test.");
        }
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestPaths.RepositoryRoot,
        };
        start.ArgumentList.Add(QuickStart.Script);
        start.ArgumentList.Add(fixture.Server.BaseAddress.ToString());
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));

        var log = await output + await errors;
        Assert.True(process.ExitCode == 0, $"replay.sh exited {process.ExitCode}:\n{log}");
        Assert.Contains("London time as the app sees it: 23:0", log, StringComparison.Ordinal);
        Assert.Contains("deferred until 08:00 London", log, StringComparison.Ordinal);
        Assert.Contains("every step behaved as the README says", log, StringComparison.Ordinal);
    }
}

/// <summary>The README's tour and the replay script cannot drift: every command line of the tour is in the script.</summary>
public sealed class QuickStartDriftTests
{
    [Fact]
    public void ReadmeTour_EveryCommandLine_IsInTheReplayScript()
    {
        var script = File.ReadAllLines(QuickStart.Script).Select(l => l.Trim()).ToList();

        var lines = QuickStart.TourLines(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "README.md")));

        Assert.True(lines.Count >= 20, $"README's 'Run it locally' tour has only {lines.Count} command lines: was it moved?");
        Assert.All(lines, line => Assert.True(script.Any(s => s.Contains(line, StringComparison.Ordinal)),
            $"README runs `{line}`, which tools/quickstart/replay.sh does not: change both together."));
    }

    [Fact]
    public void TourLines_ReadmeSection_TakesBashLinesButNotCommentsTheSettingsLineOrOtherSections()
    {
        var readme = "# X\n## Run it locally\n```bash\n./omni run\n```\ntext\n```bash\nOMNI=http://x RUN=1\n# a comment\ncurl -s $OMNI/a \\\n  -d '{}'\n```\n## Test it\n```bash\ncurl -s other\n```\n";

        Assert.Equal(["curl -s $OMNI/a \\", "-d '{}'"], QuickStart.TourLines(readme));
    }
}

internal static class QuickStart
{
    public static string Script => Path.Combine(TestPaths.RepositoryRoot, "tools", "quickstart", "replay.sh");

    /// <summary>
    /// The command lines of the bash blocks in README's "Run it locally" section, trimmed: not comments, not
    /// <c>./omni run</c>, not the <c>OMNI=… RUN=…</c> settings line (the script takes the URL as its argument).
    /// </summary>
    public static List<string> TourLines(string readme)
    {
        var start = readme.IndexOf("## Run it locally", StringComparison.Ordinal);
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        var lines = new List<string>();
        var inBash = false;
        foreach (var raw in section.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inBash = !inBash && line == "```bash";
                continue;
            }
            if (inBash && line.Length > 0 && !line.StartsWith('#') && !line.StartsWith("./omni", StringComparison.Ordinal) &&
                !line.StartsWith("OMNI=", StringComparison.Ordinal))
            {
                lines.Add(line);
            }
        }
        return lines;
    }

    public static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, tool)));
}
