using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Omni.Perf;

/// <summary>
/// Shared helpers for the measurements: percentiles over recorded latencies, the machine description every result
/// is reported with, a plain-text table, and the repository/function-app paths.
/// </summary>
internal static class PerfStats
{
    /// <summary>The value at percentile <paramref name="p"/> (0–100) of an ascending array, nearest-rank; NaN when empty.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary>Median of the values (the mean of the middle two for an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Ticks of <see cref="Stopwatch"/> as milliseconds.</summary>
    public static double Milliseconds(long stopwatchTicks) => stopwatchTicks * 1000.0 / Stopwatch.Frequency;

    /// <summary>One line: cores, CPU model, OS, .NET runtime, and whether this process is a Release build.</summary>
    public static string MachineInfo()
    {
        var cpu = "unknown CPU";
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                    ?.Split(':', 2)[1].Trim() ?? cpu;
            }
        }
        catch (IOException)
        {
        }
        return $"{Environment.ProcessorCount} cores ({cpu}), {RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}, " +
               $"{RuntimeInformation.FrameworkDescription}, Server GC {System.Runtime.GCSettings.IsServerGC}";
    }

    /// <summary>Prints a left/right-aligned table (numbers right-aligned) with a header rule.</summary>
    public static void PrintTable(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var widths = Enumerable.Range(0, header.Count).Select(i => all.Max(r => i < r.Count ? r[i].Length : 0)).ToArray();
        for (var r = 0; r < all.Count; r++)
        {
            var cells = all[r].Select((cell, i) => i == 0 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]));
            Console.WriteLine("| " + string.Join(" | ", cells) + " |");
            if (r == 0)
            {
                Console.WriteLine("|" + string.Join("|", widths.Select((w, i) => i == 0 ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
            }
        }
    }

    public static string F(double value, int decimals = 1) =>
        double.IsNaN(value) ? "-" : value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>The repository root (the folder with Omni.Functions.sln) above the current directory or this executable.</summary>
    public static string RepositoryRoot() =>
        Omni.DevHost.DevHostOptions.FindRepositoryRoot(Directory.GetCurrentDirectory())
        ?? Omni.DevHost.DevHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("Run from inside the Omni repository (no Omni.Functions.sln found above the current directory).");

    /// <summary>functions/bin/{Release|Debug}/net10.0 — the build of this configuration first, else the other one.</summary>
    public static string FunctionAppBuildOutput()
    {
        var root = RepositoryRoot();
#if DEBUG
        string[] configurations = ["Debug", "Release"];
#else
        string[] configurations = ["Release", "Debug"];
#endif
        foreach (var configuration in configurations)
        {
            var path = Path.Combine(root, "functions", "bin", configuration, "net10.0");
            if (File.Exists(Path.Combine(path, "host.json")))
            {
                return path;
            }
        }
        throw new InvalidOperationException("The function app is not built: dotnet build tools/Omni.Perf -c Release builds it.");
    }

    /// <summary>Parses <c>--name value</c> options; unknown names are an error (usage printed by the caller).</summary>
    public static Dictionary<string, string> Options(string[] args, params string[] known)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || !known.Contains(name[2..], StringComparer.OrdinalIgnoreCase) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Unknown or incomplete option '{name}'. Options: {string.Join(", ", known.Select(k => "--" + k + " <value>"))}");
            }
            result[name[2..]] = args[++i];
        }
        return result;
    }

    public static int Int(Dictionary<string, string> options, string name, int fallback) =>
        options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public static double Double(Dictionary<string, string> options, string name, double fallback) =>
        options.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
