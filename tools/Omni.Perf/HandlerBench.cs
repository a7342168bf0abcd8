using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Omni.DevHost;
using Omni.DevHost.Handler;
using Omni.DevHost.Sandbox;
using Omni.DevHost.ServiceBus;
using Omni.DevHost.Storage;
using Omni.Hosting;

namespace Omni.Perf;

/// <summary>
/// The stage for the handler benchmark: a private in-memory Azurite; an "edge" Kestrel in this process that serves the
/// DevHost's Service Bus emulator (REST send/receive, SAS checked) and the sandbox ACS (HMAC checked) but runs <b>no
/// trigger dispatchers</b>, so nothing consumes the queues behind the benchmark's back; and the real built handler
/// process (functions/bin/…, started like the Functions host starts it) with <c>Omni__Benchmark__BaselineEndpoint=true</c>.
/// The sandbox sends no delivery reports (no Event Grid subscriber is configured), so SendSms is not followed by
/// webhook traffic the benchmark did not ask for.
/// </summary>
internal sealed class HandlerBench : IAsyncDisposable
{
    private readonly Azurite _azurite;
    private readonly WebApplication _edge;
    private readonly HandlerProcess _handler;
    private readonly ConcurrentDictionary<string, int> _accepted;

    private HandlerBench(Azurite azurite, WebApplication edge, HandlerProcess handler, ServiceBusEmulator serviceBus, ProviderSandbox sandbox,
        FunctionAppManifest manifest, Uri handlerAddress, ConcurrentDictionary<string, int> accepted, Uri edgeAddress, CountingProxy? tableCounter)
    {
        _azurite = azurite;
        _edge = edge;
        _handler = handler;
        _accepted = accepted;
        TableCounter = tableCounter;
        ServiceBusConnectionString = ServiceBusEmulator.ConnectionString(edgeAddress);
        ServiceBus = serviceBus;
        Sandbox = sandbox;
        Manifest = manifest;
        HandlerAddress = handlerAddress;
        Http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = int.MaxValue,
        }) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public ServiceBusEmulator ServiceBus { get; }

    public ProviderSandbox Sandbox { get; }

    public FunctionAppManifest Manifest { get; }

    /// <summary>http://127.0.0.1:{FUNCTIONS_CUSTOMHANDLER_PORT}/ — requests go straight to the handler, as the host sends them.</summary>
    public Uri HandlerAddress { get; }

    /// <summary>The load client: keep-alive connections to the handler, as the host's HttpClient keeps them.</summary>
    public HttpClient Http { get; }

    /// <summary>The Service Bus emulator's connection string (the same one the handler is given).</summary>
    public string ServiceBusConnectionString { get; }

    /// <summary>Azurite's connection string, direct (the handler's own one goes through <see cref="TableCounter"/> when counting).</summary>
    public string StorageConnectionString => _azurite.ConnectionString;

    /// <summary>The counting proxy in front of Azurite that the handler's Table requests pass through; null unless started with <c>countTables</c>.</summary>
    public CountingProxy? TableCounter { get; }

    /// <summary>How many sends to <paramref name="queue"/> the emulator answered 201 (the handler's enqueues and the floor's sends).</summary>
    public int AcceptedSends(string queue) => _accepted.GetValueOrDefault(queue);

    /// <param name="countTables">Put a <see cref="CountingProxy"/> between the handler and Azurite (adds a hop: only for counting, never for timing).</param>
    public static async Task<HandlerBench> StartAsync(ILoggerFactory loggers, IReadOnlyDictionary<string, string>? handlerOverrides = null,
        bool countTables = false, CancellationToken cancellationToken = default)
    {
        var root = PerfStats.RepositoryRoot();
        var manifest = FunctionAppManifest.Load(PerfStats.FunctionAppBuildOutput());
        var triggers = manifest.Functions.Where(f => f.IsServiceBusTriggered).Select(f => f.Trigger.QueueName!);
        var serviceBus = new ServiceBusEmulator(QueueSettings.Load(Path.Combine(root, "infra", "queues.json"), triggers), TimeProvider.System);

        var azurite = await Azurite.StartInMemoryAsync(cancellationToken);
        CountingProxy? tableCounter = null;
        try
        {
            tableCounter = countTables ? await CountingProxy.StartTablesAsync(new Uri($"http://127.0.0.1:{azurite.TablePort}")) : null;
            var edgeAddress = new Uri($"http://127.0.0.1:{Azurite.FreeTcpPort()}/");
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls(edgeAddress.ToString().TrimEnd('/'));
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(loggers);
            var edge = builder.Build();

            var accepted = new ConcurrentDictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            edge.Use(async (context, next) =>
            {
                await next(context);
                var path = context.Request.Path.Value ?? "";
                if (HttpMethods.IsPost(context.Request.Method) && context.Response.StatusCode == 201 && path.EndsWith("/messages", StringComparison.Ordinal))
                {
                    accepted.AddOrUpdate(path.Trim('/').Split('/')[0], 1, (_, n) => n + 1);
                }
            });
            serviceBus.MapEndpoints(edge);

            var defaults = new Dictionary<string, string>(SandboxEnvironment.HandlerDefaults(edgeAddress, _ => false))
            {
                ["AzureWebJobsStorage"] = tableCounter is null
                    ? azurite.ConnectionString
                    : $"DefaultEndpointsProtocol=http;AccountName={Azurite.AccountName};AccountKey={Azurite.AccountKey};TableEndpoint={tableCounter.Address}{Azurite.AccountName};",
                ["ServiceBusConnection"] = ServiceBusEmulator.ConnectionString(edgeAddress),
                ["FUNCTIONS_WORKER_RUNTIME"] = "custom",
            };
            var overrides = new Dictionary<string, string> { ["Omni__Benchmark__BaselineEndpoint"] = "true" };
            foreach (var (key, value) in handlerOverrides ?? new Dictionary<string, string>())
            {
                overrides[key] = value;
            }
            var environment = HandlerEnvironment.Build(defaults, localSettingsPath: null, overrides);
            // No AcsEventsUrl: the sandbox accepts and logs sends but posts no delivery reports during the benchmark.
            var sandbox = new ProviderSandbox(SandboxEnvironment.OptionsFor(edgeAddress, environment) with { AcsEventsUrl = null }, loggers);
            sandbox.Map(edge);
            await edge.StartAsync(cancellationToken);

            var handler = new HandlerProcess(manifest, environment, loggers, reason => Console.Error.WriteLine("handler: " + reason));
            await handler.StartAsync(cancellationToken);
            var address = await handler.WaitUntilReadyAsync(cancellationToken);
            return new HandlerBench(azurite, edge, handler, serviceBus, sandbox, manifest, address, accepted, edgeAddress, tableCounter);
        }
        catch
        {
            if (tableCounter is not null)
            {
                await tableCounter.DisposeAsync();
            }
            await azurite.DisposeAsync();
            throw;
        }
    }

    /// <summary>A Functions host invocation request (<c>POST /{function}</c>, the host's headers) for a queued message.</summary>
    public HttpRequestMessage Invocation(string function, byte[] payload)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(HandlerAddress, function)) { Content = new ByteArrayContent(payload) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation("X-Azure-Functions-HostVersion", DevHostServer.HostVersion);
        request.Headers.TryAddWithoutValidation("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
        request.Headers.TryAddWithoutValidation("User-Agent", $"Azure-Functions-Host/{DevHostServer.HostVersion}");
        return request;
    }

    /// <summary>Sends an invocation and applies the host's acceptance rule; null on success, otherwise why it failed.</summary>
    public async Task<string?> InvokeAsync(string function, byte[] payload, CancellationToken cancellationToken)
    {
        using var request = Invocation(function, payload);
        using var response = await Http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var failure = InvocationResult.CheckHostAcceptance((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body, out _);
        return failure is null ? null : $"{function}: {failure}";
    }

    /// <summary>Takes every visible message off <paramref name="queue"/> as the trigger would receive it (locked, then completed).</summary>
    public List<byte[]> TakeInvocationPayloads(string queue, FunctionDefinition function)
    {
        var emulated = ServiceBus.GetQueue(queue) ?? throw new InvalidOperationException($"No queue '{queue}'.");
        var payloads = new List<byte[]>();
        while (emulated.TryLock(out var queued))
        {
            payloads.Add(queued.ToTriggerMessage().ToInvocationPayload(function, DateTimeOffset.UtcNow));
            emulated.Complete(queued);
        }
        return payloads;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        _handler.MarkStopping();
        await _handler.DisposeAsync();
        await Sandbox.DisposeAsync();
        await _edge.StopAsync();
        await _edge.DisposeAsync();
        if (TableCounter is not null)
        {
            await TableCounter.DisposeAsync();
        }
        await _azurite.DisposeAsync();
    }
}
