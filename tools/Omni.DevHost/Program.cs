namespace Omni.DevHost;

/// <summary>The local stand-in for the Azure Functions host and Service Bus. Never a production path.</summary>
internal static class DevHostProgram
{
    public static async Task<int> Main(string[] args)
    {
        var repo = DevHostOptions.FindRepositoryRoot(Directory.GetCurrentDirectory());
        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        string? RepoPath(params string[] parts) => repo is null ? null : Path.Combine([repo, .. parts]);

        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine("""
                Omni.DevHost — runs the function app locally like the Azure Functions host, with Service Bus emulated and Azurite for tables.
                  --app-root <dir>        function app folder (host.json + function folders + handler); default functions/bin/Debug/net10.0
                  --port <n>              port on 127.0.0.1 (default 7071)
                  --amqp-port <n>         Service Bus AMQP port on 127.0.0.1 for the Service Bus SDKs (default 5672; 0 = a free port)
                  --azurite-port <n>      Azurite Table port: used if listening, started otherwise (default 10002; 0 = private in-memory)
                  --azurite-location <d>  where a started Azurite keeps data (default .azurite)
                  --storage <conn>        a Table Storage connection string to use instead of Azurite
                  --queues <file>         queue definitions (default infra/queues.json)
                  --settings <file>       local.settings.json (default functions/local.settings.json)
                  --acs-events <mode>     how the sandbox delivers ACS events: queue (default; on acs-events, as Event Grid does in
                                          Azure) or webhook (POST /api/webhooks/acs?secret=…)
                  --clock <HH:mm[@zone]>  shift the clock (handler, queues, sandbox) so that it is now that time of day, e.g.
                                          23:00@Europe/London to show quiet hours; without @zone, this machine's zone
                  --clock-offset <span>   shift the clock by a time span instead, e.g. -02:00:00
                  --no-keys               do not check function keys (by default authLevel function needs x-functions-key or
                                          ?code= local-function-key, admin local-master-key; DevHost__FunctionKey and
                                          DevHost__MasterKey in the environment or local.settings.json replace them)
                """);
            return 0;
        }
        if (!Enum.TryParse<Omni.DevHost.Sandbox.AcsEventsDelivery>(Arg("--acs-events") ?? "queue", ignoreCase: true, out var acsEvents) ||
            !Enum.IsDefined(acsEvents) || int.TryParse(Arg("--acs-events"), out _))
        {
            Console.Error.WriteLine("--acs-events must be queue or webhook.");
            return 1;
        }

        if (!DevHostClock.TryParse(Arg("--clock"), Arg("--clock-offset"), DateTimeOffset.UtcNow, out var clockOffset, out var clockError))
        {
            Console.Error.WriteLine(clockError);
            return 1;
        }

        var options = new DevHostOptions
        {
            AppRoot = Arg("--app-root") ?? RepoPath("functions", "bin", "Debug", "net10.0") ?? ".",
            Port = int.Parse(Arg("--port") ?? "7071"),
            AmqpPort = int.Parse(Arg("--amqp-port") ?? Omni.DevHost.Amqp.AmqpFront.DefaultPort.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            AzuriteTablePort = int.Parse(Arg("--azurite-port") ?? "10002"),
            AzuriteLocation = Arg("--azurite-location") ?? RepoPath(".azurite") ?? ".azurite",
            StorageConnectionString = Arg("--storage"),
            QueuesFile = Arg("--queues") ?? RepoPath("infra", "queues.json"),
            LocalSettingsFile = Arg("--settings") ?? RepoPath("functions", "local.settings.json"),
            AcsEvents = acsEvents,
            ClockOffset = clockOffset,
            RequireKeys = !args.Contains("--no-keys"),
        };

        try
        {
            await using var server = await DevHostServer.StartAsync(options);
            Console.WriteLine(string.Join(Environment.NewLine, server.Banner));
            Console.WriteLine($"Omni is running: {server.BaseAddress}api/health · queues at {server.BaseAddress}_devhost/queues · Ctrl-C stops everything.");
            await server.WaitForShutdownAsync();
            return 0;
        }
        catch (Exception e) when (e is Omni.Hosting.FunctionAppManifestException or Omni.DevHost.Storage.AzuriteStartException or InvalidOperationException or IOException)
        {
            Console.Error.WriteLine($"omni devhost: {e.Message}");
            return 1;
        }
    }
}
