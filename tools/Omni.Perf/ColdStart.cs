using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Omni.Perf;

/// <summary>
/// <c>coldstart</c>: wall time from process start to the first 200 on <c>GET /</c>, and the resident memory (RSS) right
/// after it, for the published handler (<c>dotnet publish functions/Omni.Functions.csproj -c Release</c>: Native AOT
/// linux-x64, as <c>./omni publish</c>) and for tools/Omni.Perf.MinimalApi published the same way (a
/// <c>WebApplication.CreateSlimBuilder</c> app with one endpoint, Native AOT), started alternately <c>--runs</c> times
/// each after one unreported start of each. The handler gets the environment the Functions host gives it, with storage
/// and Service Bus pointing at a closed local port: a handler that did I/O before answering would stall or fail here.
/// Exit code 0 when every start answered 200, 1 otherwise.
/// <code>dotnet run -c Release --project tools/Omni.Perf -- coldstart [--runs 10] [--work-dir /tmp/omni-perf-coldstart] [--no-publish true]</code>
/// </summary>
internal static class ColdStart
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(string[] args)
    {
        Dictionary<string, string> options;
        try
        {
            options = PerfStats.Options(args, "runs", "work-dir", "no-publish");
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        var runs = PerfStats.Int(options, "runs", 10);
        var workDir = options.GetValueOrDefault("work-dir") ?? Path.Combine(Path.GetTempPath(), "omni-perf-coldstart");
        var publish = !string.Equals(options.GetValueOrDefault("no-publish"), "true", StringComparison.OrdinalIgnoreCase);
        var omniDir = Path.Combine(workDir, "omni");
        var plainDir = Path.Combine(workDir, "plain");

        Console.WriteLine($"Machine: {PerfStats.MachineInfo()}");
        if (publish)
        {
            var root = PerfStats.RepositoryRoot();
            Console.WriteLine($"Publishing the handler to {omniDir} …");
            if (!await DotnetAsync(root, "publish", Path.Combine(root, "functions", "Omni.Functions.csproj"), "-c", "Release", "-o", omniDir, "-nologo"))
            {
                return 1;
            }
            Console.WriteLine($"Publishing the minimal API (tools/Omni.Perf.MinimalApi) to {plainDir} …");
            if (!await DotnetAsync(root, "publish", Path.Combine(root, "tools", "Omni.Perf.MinimalApi", "Omni.Perf.MinimalApi.csproj"), "-c", "Release", "-o", plainDir, "-nologo"))
            {
                return 1;
            }
        }
        var omniExe = Path.Combine(omniDir, "Omni.Functions");
        var plainExe = Path.Combine(plainDir, "MinimalApi");
        foreach (var exe in new[] { omniExe, plainExe })
        {
            if (!File.Exists(exe))
            {
                Console.Error.WriteLine($"{exe} is missing: run without --no-publish.");
                return 1;
            }
        }

        var omni = new List<double>();
        var plain = new List<double>();
        var omniRss = new List<double>();
        var plainRss = new List<double>();
        var omniCpu = new List<double>();
        var plainCpu = new List<double>();
        var failures = new List<string>();
        Console.WriteLine($"Starting each {runs} times, alternately (after one unreported start of each) …");
        for (var i = -1; i < runs; i++)
        {
            foreach (var (name, exe, results, rss, cpu) in new[] { ("omni", omniExe, omni, omniRss, omniCpu), ("plain", plainExe, plain, plainRss, plainCpu) })
            {
                var (ms, rssMb, cpuMs, failure) = await MeasureAsync(exe, name == "omni");
                if (failure is not null)
                {
                    failures.Add($"{name} run {i + 1}: {failure}");
                }
                else if (i >= 0)
                {
                    results.Add(ms);
                    rss.Add(rssMb);
                    cpu.Add(cpuMs);
                }
            }
        }

        Console.WriteLine();
        // CPU time to the first 200 (user + system, 10 ms ticks) does not grow when other processes share the cores; wall time does.
        PerfStats.PrintTable(["app", "runs", "median ms", "min ms", "max ms", "median RSS MB", "median CPU ms"],
        [
            ["Omni handler (Native AOT)", omni.Count.ToString(CultureInfo.InvariantCulture), PerfStats.F(PerfStats.Median(omni)), PerfStats.F(omni.DefaultIfEmpty(double.NaN).Min()), PerfStats.F(omni.DefaultIfEmpty(double.NaN).Max()), PerfStats.F(PerfStats.Median(omniRss)), PerfStats.F(PerfStats.Median(omniCpu))],
            ["minimal API (Native AOT)", plain.Count.ToString(CultureInfo.InvariantCulture), PerfStats.F(PerfStats.Median(plain)), PerfStats.F(plain.DefaultIfEmpty(double.NaN).Min()), PerfStats.F(plain.DefaultIfEmpty(double.NaN).Max()), PerfStats.F(PerfStats.Median(plainRss)), PerfStats.F(PerfStats.Median(plainCpu))],
        ]);
        var ratio = PerfStats.Median(omni) / PerfStats.Median(plain);
        var rssRatio = PerfStats.Median(omniRss) / PerfStats.Median(plainRss);
        Console.WriteLine();
        Console.WriteLine($"Cold start ratio (median): {ratio:0.00}× the minimal API (target ≤ 1.3×: {(ratio <= 1.3 ? "met" : "MISSED")})");
        Console.WriteLine($"CPU to first 200 (median): {PerfStats.Median(omniCpu) / PerfStats.Median(plainCpu):0.00}× the minimal API");
        Console.WriteLine($"RSS ratio (median): {rssRatio:0.00}× the minimal API (target ≤ 1.5×: {(rssRatio <= 1.5 ? "met" : "MISSED")})");
        Console.WriteLine($"Sizes: handler {DirectorySizeMb(omniDir):0.0} MB, minimal API {DirectorySizeMb(plainDir):0.0} MB");
        if (failures.Count > 0 || omni.Count == 0 || plain.Count == 0)
        {
            Console.Error.WriteLine("Errors during the run:");
            foreach (var f in failures)
            {
                Console.Error.WriteLine("  " + f);
            }
            return 1;
        }
        return 0;
    }

    /// <summary>
    /// Starts the executable, polls GET / until it answers 200, reads its RSS, and stops the process. Milliseconds and
    /// MB, or why it failed.
    /// </summary>
    private static async Task<(double Ms, double RssMb, double CpuMs, string? Failure)> MeasureAsync(string exe, bool isHandler)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(exe)
        {
            WorkingDirectory = Path.GetDirectoryName(exe)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Nothing listens on port 1: a connection attempt fails at once, and a handler that waited on one would show.
        const string Nowhere = "127.0.0.1:1";
        if (isHandler)
        {
            start.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(CultureInfo.InvariantCulture);
            start.Environment["FUNCTIONS_HTTPWORKER_PORT"] = port.ToString(CultureInfo.InvariantCulture);
            start.Environment["FUNCTIONS_CUSTOMHANDLER_WORKER_ID"] = Guid.NewGuid().ToString();
            start.Environment["FUNCTIONS_APP_ROOT_PATH"] = Path.GetDirectoryName(exe)!;
            start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "custom";
            start.Environment["AzureWebJobsStorage"] = $"DefaultEndpointsProtocol=http;AccountName={Omni.DevHost.Storage.Azurite.AccountName};AccountKey={Omni.DevHost.Storage.Azurite.AccountKey};TableEndpoint=http://{Nowhere}/{Omni.DevHost.Storage.Azurite.AccountName};";
            start.Environment["ServiceBusConnection"] = $"Endpoint=sb://{Nowhere}/;SharedAccessKeyName=k;SharedAccessKey=a2V5;UseDevelopmentEmulator=true";
        }
        else
        {
            start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        }
        using var probe = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(1), PooledConnectionLifetime = TimeSpan.Zero })
        { Timeout = TimeSpan.FromSeconds(5) };
        var uri = new Uri($"http://127.0.0.1:{port}/");

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {exe}.");
        process.OutputDataReceived += (_, _) => { };
        var stderr = new List<string>();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            while (clock.Elapsed < StartTimeout)
            {
                if (process.HasExited)
                {
                    return (0, 0, 0, $"exited with {process.ExitCode} before answering: {string.Join(" / ", stderr.Take(3))}");
                }
                try
                {
                    using var response = await probe.GetAsync(uri);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        var ms = clock.Elapsed.TotalMilliseconds;
                        return (ms, ResidentMb(process.Id), CpuMs(process.Id), null);
                    }
                    return (0, 0, 0, $"GET / answered {(int)response.StatusCode}");
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(2); // not listening yet
                }
            }
            return (0, 0, 0, $"no answer within {StartTimeout.TotalSeconds} s");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync();
        }
    }

    /// <summary>VmRSS of the process (Linux /proc), in MB; NaN elsewhere.</summary>
    private static double ResidentMb(int pid)
    {
        var status = $"/proc/{pid}/status";
        if (!File.Exists(status))
        {
            return double.NaN;
        }
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kb = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return kb is null ? double.NaN : long.Parse(kb, CultureInfo.InvariantCulture) / 1024.0;
    }

    /// <summary>User + system CPU time the process has used (Linux /proc), in ms; NaN elsewhere.</summary>
    private static double CpuMs(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return double.NaN;
        }
        // After the ")" that closes the command name come state (field 3 of the line) … utime (14) and stime (15), in
        // clock ticks of 10 ms (USER_HZ 100 on Linux).
        var text = File.ReadAllText(stat);
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static double DirectorySizeMb(string path) =>
        Directory.Exists(path) ? new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) / 1048576.0 : double.NaN;

    private static async Task<bool> DotnetAsync(string workingDirectory, params string[] arguments)
    {
        Directory.CreateDirectory(workingDirectory);
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            Console.Error.WriteLine($"dotnet {string.Join(' ', arguments)} failed ({process.ExitCode}):");
            Console.Error.WriteLine(await output);
            Console.Error.WriteLine(await error);
            return false;
        }
        return true;
    }
}
