using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Omni.Infra.Tests.Bicep;

/// <summary>One diagnostic of the Bicep compiler or linter: <c>file(line,column) : Level code: message</c>.</summary>
internal sealed record BicepDiagnostic(string File, int Line, int Column, string Level, string Code, string Message)
{
    public override string ToString() => $"{File}({Line},{Column}) : {Level} {Code}: {Message}";
}

internal sealed record BicepRun(int ExitCode, string Output, IReadOnlyList<BicepDiagnostic> Diagnostics);

/// <summary>
/// The real Bicep CLI, restored from NuGet by this project (Azure.Bicep.CommandLine.linux-x64; its path is baked into the
/// assembly at build time). <c>BICEP_PATH</c> points at another bicep executable, e.g. on a machine that is not linux-x64.
/// </summary>
internal static partial class BicepCli
{
    public static string Executable { get; } = Locate();

    public static BicepRun Run(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // No update checks or telemetry: the build machines reach no Azure endpoint.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish in 2 minutes");
        }
        var output = stdout.Result + stderr.Result;
        return new BicepRun(process.ExitCode, output, ParseDiagnostics(stderr.Result));
    }

    public static IReadOnlyList<BicepDiagnostic> ParseDiagnostics(string output) =>
        Diagnostic().Matches(output).Select(m => new BicepDiagnostic(
            m.Groups["file"].Value, int.Parse(m.Groups["line"].Value), int.Parse(m.Groups["column"].Value),
            m.Groups["level"].Value, m.Groups["code"].Value, m.Groups["message"].Value.Trim())).ToList();

    private static string Locate()
    {
        var path = Environment.GetEnvironmentVariable("BICEP_PATH") is { Length: > 0 } configured
            ? configured
            : typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepCli").Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException(
                $"The Bicep CLI is not at '{path}'. On linux-x64 it is restored from NuGet (Azure.Bicep.CommandLine.linux-x64) with " +
                "the test project; elsewhere install Bicep and set BICEP_PATH to its executable.");
        }
        return path;
    }

    [GeneratedRegex(@"^(?<file>.+?)\((?<line>\d+),(?<column>\d+)\) : (?<level>Error|Warning|Info) (?<code>[\w-]+): (?<message>.*)$", RegexOptions.Multiline)]
    private static partial Regex Diagnostic();
}
