using Omni.DevHost.Handler;
using Omni.DevHost.Http;
using Omni.DevHost.Sandbox;
using Omni.DevHost.ServiceBus;
using Omni.DevHost.Storage;
using Omni.Hosting;

namespace Omni.DevHost;

/// <summary>
/// The local stand-in for the Azure Functions host and Service Bus: one Kestrel on 127.0.0.1 serving the functions'
/// HTTP routes (proxied to the handler), the Service Bus REST send endpoint, and <c>/_devhost/*</c> for inspection;
/// the handler as a child process; queue deliveries to the trigger functions; Azurite for Table Storage.
/// A development and test tool only: production runs on Azure Functions and Service Bus.
/// </summary>
public sealed class DevHostServer : IAsyncDisposable
{
    /// <summary>Reported in X-Azure-Functions-HostVersion, so a handler can tell the DevHost from the real host.</summary>
    public const string HostVersion = "4.0.0.0-omni-devhost";

    private readonly WebApplication _app;
    private readonly Azurite? _azurite;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _dispatchers = [];
    private readonly HttpClient _handlerClient;
    private int _disposed;

    private DevHostServer(WebApplication app, Azurite? azurite, FunctionAppManifest manifest, ServiceBusEmulator serviceBus,
        HandlerProcess handler, HttpClient handlerClient, Uri baseAddress, string storageConnectionString, ProviderSandbox sandbox, FunctionKeys keys)
    {
        Sandbox = sandbox;
        Keys = keys;
        _app = app;
        _azurite = azurite;
        Manifest = manifest;
        ServiceBus = serviceBus;
        Handler = handler;
        _handlerClient = handlerClient;
        BaseAddress = baseAddress;
        StorageConnectionString = storageConnectionString;
    }

    public Uri BaseAddress { get; }

    public FunctionAppManifest Manifest { get; }

    public ServiceBusEmulator ServiceBus { get; }

    /// <summary>The Service Bus AMQP listener in front of <see cref="ServiceBus"/>'s queues (the SDKs' protocol).</summary>
    public Amqp.AmqpFront Amqp { get; private set; } = null!;

    public HandlerProcess Handler { get; }

    /// <summary>The sandbox ACS and Twilio providers at <c>/_sandbox/*</c>.</summary>
    public ProviderSandbox Sandbox { get; }

    public string StorageConnectionString { get; }

    /// <summary>The function and master keys the HTTP functions are checked against (<see cref="FunctionKeys.Enforced"/>: whether they are).</summary>
    public FunctionKeys Keys { get; }

    /// <summary><c>--entra</c>: caller-facing functions take simulated Entra ID tokens instead of keys (<see cref="EntraIdSimulation"/>).</summary>
    public bool EntraId { get; private init; }

    /// <summary>
    /// The Azurite in use; null when <see cref="DevHostOptions.StorageConnectionString"/> points elsewhere. One the DevHost
    /// started can be stopped and started again (same port, same data folder) to drill a storage outage.
    /// </summary>
    public Azurite? Storage => _azurite;

    public string ServiceBusConnectionString => ServiceBusEmulator.ConnectionString(BaseAddress);

    /// <summary>What the command prints at start: ports, which Azurite and where its data lives, the sandbox mode, keys.</summary>
    public IReadOnlyList<string> Banner => DevHostBanner.Lines(this);

    /// <summary>Completes when the DevHost stops: Ctrl-C, SIGTERM, or a handler that keeps failing.</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public static async Task<DevHostServer> StartAsync(DevHostOptions options, Action<ILoggingBuilder>? configureLogging = null,
        CancellationToken cancellationToken = default)
    {
        var manifest = FunctionAppManifest.Load(options.AppRoot);
        if (options.Port != 0)
        {
            PortInUseException.ThrowIfInUse(options.Port, "--port");
        }
        if (options.AmqpPort != 0)
        {
            PortInUseException.ThrowIfInUse(options.AmqpPort, "--amqp-port");
        }
        var port = options.Port == 0 ? Azurite.FreeTcpPort() : options.Port;
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");

        Azurite? azurite = null;
        string storage;
        if (options.StorageConnectionString is { Length: > 0 } configuredStorage)
        {
            storage = configuredStorage;
        }
        else
        {
            if (options.AzuriteTablePort == 0 && options.PrivateAzuriteOnDisk && options.AzuriteLocation is not { Length: > 0 })
            {
                throw new InvalidOperationException("PrivateAzuriteOnDisk needs an AzuriteLocation for the data.");
            }
            azurite = options.AzuriteTablePort == 0
                ? await Azurite.StartPrivateAsync(options.PrivateAzuriteOnDisk ? options.AzuriteLocation : null, cancellationToken)
                : await Azurite.EnsureRunningAsync(options.AzuriteTablePort, options.AzuriteLocation, cancellationToken);
            storage = azurite.ConnectionString;
        }

        try
        {
            var triggers = manifest.Functions.Where(f => f.IsServiceBusTriggered).ToList();
            // --clock: one shifted "now" for the handler, the queues' schedule and the sandbox; signatures stay on real time.
            var time = options.ClockOffset == TimeSpan.Zero ? TimeProvider.System : new OffsetTimeProvider(TimeProvider.System, options.ClockOffset);
            var serviceBus = new ServiceBusEmulator(QueueSettings.Load(options.QueuesFile, triggers.Select(f => f.Trigger.QueueName!)), time, TimeProvider.System);
            if (options.DeliveryFaults.Validate() is { } faultError)
            {
                throw new InvalidOperationException($"DeliveryFaults: {faultError}");
            }
            foreach (var queue in serviceBus.Queues)
            {
                queue.Faults = options.DeliveryFaults;
            }

            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
            builder.WebHost.UseUrls(baseAddress.ToString().TrimEnd('/'));
            builder.Logging.ClearProviders();
            if (configureLogging is null)
            {
                builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
                builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
                builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
                // As host.json has it: YARP's "Proxying to <URL with query>" lines stay out.
                builder.Logging.AddFilter("Yarp", LogLevel.Warning);
                // A failed start is rethrown and told in one line; the host's own log of it is a long stack trace.
                builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
            }
            else
            {
                configureLogging(builder.Logging);
            }
            builder.Services.AddProblemDetails();
            // Proxied HTTP functions go through YARP's forwarder, as in the host (disposed with the app).
            builder.Services.AddHttpForwarder();
            builder.Services.AddSingleton(services => new HandlerForwarder(services.GetRequiredService<Yarp.ReverseProxy.Forwarder.IHttpForwarder>(),
                options.HandlerActivityTimeout, services.GetRequiredService<ILogger<HandlerForwarder>>()));

            var handlerClient = new HttpClient(new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            }) { Timeout = Timeout.InfiniteTimeSpan };

            var connectionNames = triggers.Select(f => f.Trigger.Connection ?? "ServiceBusConnection").Append("ServiceBusConnection").Distinct();
            var defaults = connectionNames.ToDictionary(name => name, _ => ServiceBusEmulator.ConnectionString(baseAddress));
            defaults["AzureWebJobsStorage"] = storage;
            defaults["FUNCTIONS_WORKER_RUNTIME"] = "custom";
            var configured = ConfiguredSettings(options);
            foreach (var (key, value) in SandboxEnvironment.HandlerDefaults(baseAddress, configured.Contains))
            {
                defaults.TryAdd(key, value);
            }

            var app = builder.Build();
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Omni.DevHost");
            var overrides = new Dictionary<string, string>(options.HandlerEnvironment);
            if (options.ClockOffset != TimeSpan.Zero)
            {
                overrides[DevHostClock.HandlerSetting] = options.ClockOffset.ToString("c");
            }
            if (options.EntraId)
            {
                foreach (var (key, value) in EntraIdSimulation.HandlerSettings)
                {
                    overrides[key] = value;
                }
            }
            var environment = HandlerEnvironment.Build(defaults, options.LocalSettingsFile, overrides, line => logger.LogInformation("{Line}", line));
            var handler = new HandlerProcess(manifest, environment, app.Services.GetRequiredService<ILoggerFactory>(), reason =>
            {
                logger.LogCritical("{Reason}", reason);
                app.Lifetime.StopApplication();
            });
            var keys = FunctionKeys.Resolve(options, environment);
            var sandboxOptions = SandboxEnvironment.OptionsFor(baseAddress, environment) with
            {
                Time = time,
                RequestTime = TimeProvider.System,
                AppFunctionKey = keys.FunctionKey,
                AppBearerToken = options.EntraId ? EntraIdSimulation.Token("devhost-sandbox", "Messages.Read") : null,
            };
            if (options.AcsEvents == AcsEventsDelivery.Queue)
            {
                // As in Azure, the queue exists only when the queues file (or a trigger) declares it; without it Event
                // Grid has nowhere to deliver, so the sandbox sends no ACS events rather than quietly using the webhook.
                var acsEvents = serviceBus.GetQueue(SandboxEnvironment.AcsEventsQueue);
                sandboxOptions = sandboxOptions with { AcsEventsQueue = acsEvents, AcsEventsUrl = null };
                if (acsEvents is null)
                {
                    logger.LogWarning("No queue {Queue} in the queues file: the sandbox sends no ACS events (add the queue, or use --acs-events webhook).",
                        SandboxEnvironment.AcsEventsQueue);
                }
            }
            var sandbox = new ProviderSandbox(sandboxOptions, app.Services.GetRequiredService<ILoggerFactory>());
            var payloadMode = new PayloadModeInvoker(handler, handlerClient, time, app.Services.GetRequiredService<ILogger<PayloadModeInvoker>>());
            var proxy = new FunctionProxy(handler, app.Services.GetRequiredService<HandlerForwarder>(), payloadMode, app.Services.GetRequiredService<ILogger<FunctionProxy>>());

            app.UseExceptionHandler();
            app.Use(options.EntraId ? EntraIdSimulation.Middleware(manifest) : keys.Middleware(manifest));
            proxy.Map(app, manifest, logger);
            serviceBus.MapEndpoints(app);
            sandbox.Map(app);
            app.MapGet("/_devhost", () => TypedResults.Ok(new
            {
                appRoot = manifest.Root,
                functions = manifest.Functions.Select(f => new { f.Name, trigger = f.Trigger.Type, queue = f.Trigger.QueueName, route = f.Trigger.Route }),
                queues = serviceBus.Queues.Select(q => q.Name),
                handlerPid = handler.ProcessId,
                azurite = azurite is null ? null : new { tablePort = azurite.TablePort, startedByDevHost = azurite.Owned, pid = azurite.ProcessId, running = azurite.IsRunning },
                handlerRestarts = handler.Restarts,
                // What the handler takes for now (shifted by --clock), so scripts can tell day from night as it does.
                clock = new { now = time.GetUtcNow(), offset = OffsetTimeProvider.Format(options.ClockOffset) },
            })).ExcludeFromDescription();
            MapFaultDrills(app, handler, azurite);

            var server = new DevHostServer(app, azurite, manifest, serviceBus, handler, handlerClient, baseAddress, storage, sandbox, keys) { EntraId = options.EntraId };
            app.Lifetime.ApplicationStopping.Register(() =>
            {
                // Ctrl-C in a terminal reaches the handler too; it must not be restarted while everything stops.
                handler.MarkStopping();
                server._stopping.Cancel();
            });
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                // Taken between the check above and the bind.
                throw new PortInUseException(port, "--port");
            }
            try
            {
                server.Amqp = Omni.DevHost.Amqp.AmqpFront.Start(serviceBus, options.AmqpPort, app.Services.GetRequiredService<ILoggerFactory>());
                await handler.StartAsync(cancellationToken);
                foreach (var function in triggers)
                {
                    if (HandlerEnvironment.IsFunctionDisabled(environment, function.Name))
                    {
                        logger.LogWarning("Function {Function} is disabled (AzureWebJobs.{Function}.Disabled): queue {Queue} is not delivered to it.",
                            function.Name, function.Name, function.Trigger.QueueName);
                        continue;
                    }
                    var dispatcher = new TriggerDispatcher(function, serviceBus.GetQueue(function.Trigger.QueueName!)!, handler, manifest.Host,
                        handlerClient, time, app.Services.GetRequiredService<ILoggerFactory>());
                    server._dispatchers.Add(Task.Run(() => dispatcher.RunAsync(server._stopping.Token), CancellationToken.None));
                }
                logger.LogInformation("DevHost listening on {Address}: {Count} functions from {AppRoot}", baseAddress, manifest.Functions.Count, manifest.Root);
                if (time is OffsetTimeProvider shifted)
                {
                    logger.LogWarning("The clock is shifted by {Offset} (--clock): the handler, the queues and the sandbox see {Now:u}.",
                        OffsetTimeProvider.Format(shifted.Offset), shifted.GetUtcNow());
                }
                return server;
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
        catch
        {
            if (azurite is not null)
            {
                await azurite.DisposeAsync();
            }
            throw;
        }
    }

    /// <summary>
    /// <c>POST /_devhost/handler/kill</c> (kill the handler now; the DevHost restarts it), <c>POST /_devhost/storage/stop</c>
    /// and <c>POST /_devhost/storage/start</c> (an Azurite the DevHost started; 409 otherwise).
    /// </summary>
    private static void MapFaultDrills(WebApplication app, HandlerProcess handler, Azurite? azurite)
    {
        var drills = app.MapGroup("/_devhost").ExcludeFromDescription();
        drills.MapPost("/handler/kill", () => handler.Kill() is { } pid
            ? Results.Ok(new { killedPid = pid })
            : Results.Problem(statusCode: 409, title: "No handler running", detail: "The handler is not running (starting, restarting or stopping)."));
        drills.MapPost("/storage/{action}", async (string action, CancellationToken cancellationToken) =>
        {
            if (azurite is not { Owned: true })
            {
                return Results.Problem(statusCode: 409, title: "Storage not controlled by the DevHost",
                    detail: "Only an Azurite the DevHost started can be stopped and started (not an adopted one or --storage).");
            }
            switch (action.ToLowerInvariant())
            {
                case "stop":
                    await azurite.StopAsync(cancellationToken);
                    break;
                case "start":
                    await azurite.StartAsync(cancellationToken);
                    break;
                default:
                    return Results.Problem(statusCode: 404, title: "No such action", detail: "Use /_devhost/storage/stop or /_devhost/storage/start.");
            }
            return Results.Ok(new { running = azurite.IsRunning, tablePort = azurite.TablePort, pid = azurite.ProcessId });
        });
    }

    /// <summary>The settings the developer set (non-empty): environment, local.settings.json Values, explicit overrides.</summary>
    private static HashSet<string> ConfiguredSettings(DevHostOptions options)
    {
        var configured = new HashSet<string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Value is string { Length: > 0 })
            {
                configured.Add((string)entry.Key);
            }
        }
        foreach (var (key, value) in HandlerEnvironment.ReadLocalSettings(options.LocalSettingsFile).Concat(options.HandlerEnvironment))
        {
            if (value.Length > 0)
            {
                configured.Add(key);
            }
        }
        return configured;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stopping.CancelAsync();
        if (Amqp is not null)
        {
            await Amqp.DisposeAsync();
        }
        await Task.WhenAll(_dispatchers);
        await Handler.DisposeAsync();
        await Sandbox.DisposeAsync();
        try
        {
            await _app.StopAsync(TimeSpan.FromSeconds(5));
        }
        catch (OperationCanceledException)
        {
        }
        await _app.DisposeAsync();
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
        _handlerClient.Dispose();
        _stopping.Dispose();
    }
}
