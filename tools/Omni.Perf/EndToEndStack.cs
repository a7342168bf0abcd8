using Omni.DevHost;
using Omni.DevHost.ServiceBus;
using Omni.DevHost.Storage;

namespace Omni.Perf;

/// <summary>
/// The full local stack for the end-to-end measurements: a private in-memory Azurite, the DevHost in this process (as
/// tests/Omni.EndToEnd.Tests starts it) with the real handler process built in functions/bin, the queues of
/// infra/queues.json and the sandbox providers; optionally counting proxies between the handler and Azurite / the
/// Service Bus emulator.
/// </summary>
internal sealed class EndToEndStack : IAsyncDisposable
{
    private EndToEndStack(Azurite azurite, DevHostServer server, CountingProxy? tables, CountingProxy? serviceBus)
    {
        Azurite = azurite;
        Server = server;
        Tables = tables;
        ServiceBus = serviceBus;
    }

    public Azurite Azurite { get; }

    public DevHostServer Server { get; }

    /// <summary>Counts the handler's Table requests (null without counting).</summary>
    public CountingProxy? Tables { get; }

    /// <summary>Counts the handler's Service Bus requests (null without counting).</summary>
    public CountingProxy? ServiceBus { get; }

    /// <summary>
    /// Starts Azurite and the DevHost quietly (warnings and errors only). With <paramref name="counting"/> the handler's
    /// <c>AzureWebJobsStorage</c> and <c>ServiceBusConnection</c> point at counting proxies in front of the same Azurite
    /// and emulator (the DevHost's own queue deliveries to the handler do not pass through them).
    /// </summary>
    public static async Task<EndToEndStack> StartAsync(bool counting, IReadOnlyDictionary<string, string>? handlerEnvironment = null, CancellationToken cancellationToken = default)
    {
        var root = PerfStats.RepositoryRoot();
        var azurite = await Azurite.StartInMemoryAsync(cancellationToken);
        CountingProxy? tables = null, serviceBus = null;
        try
        {
            var port = Azurite.FreeTcpPort();
            var environment = new Dictionary<string, string>(handlerEnvironment ?? new Dictionary<string, string>());
            if (counting)
            {
                tables = await CountingProxy.StartTablesAsync(new Uri($"http://127.0.0.1:{azurite.TablePort}"));
                serviceBus = await CountingProxy.StartServiceBusAsync(new Uri($"http://127.0.0.1:{port}"));
                environment["AzureWebJobsStorage"] =
                    $"DefaultEndpointsProtocol=http;AccountName={Azurite.AccountName};AccountKey={Azurite.AccountKey};TableEndpoint={tables.Address}{Azurite.AccountName};";
                environment["ServiceBusConnection"] = ServiceBusEmulator.ConnectionString(serviceBus.Address);
            }
            var server = await DevHostServer.StartAsync(new DevHostOptions
            {
                AppRoot = PerfStats.FunctionAppBuildOutput(),
                Port = port,
                StorageConnectionString = azurite.ConnectionString,
                QueuesFile = Path.Combine(root, "infra", "queues.json"),
                HandlerEnvironment = environment,
            }, logging => logging
                // Per-invocation failures (retried by redelivery) are counted, not printed: see FailedInvocations.
                .AddFilter((category, level) => level >= LogLevel.Error || (level >= LogLevel.Warning && category?.StartsWith("Function.", StringComparison.Ordinal) != true))
                .AddSimpleConsole(o => o.SingleLine = true)
                .AddProvider(FailureCounter), cancellationToken);
            return new EndToEndStack(azurite, server, tables, serviceBus);
        }
        catch
        {
            if (tables is not null)
            {
                await tables.DisposeAsync();
            }
            if (serviceBus is not null)
            {
                await serviceBus.DisposeAsync();
            }
            await azurite.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        if (Tables is not null)
        {
            await Tables.DisposeAsync();
        }
        if (ServiceBus is not null)
        {
            await ServiceBus.DisposeAsync();
        }
        await Azurite.DisposeAsync();
    }

    /// <summary>Warnings per function category (<c>Function.{Name}</c>): failed invocations that redelivery retries.</summary>
    public static FunctionWarningCounter FailureCounter { get; } = new();

    public static string Mb(long bytes) => PerfStats.F(bytes / 1048576.0);
}

/// <summary>Counts the DevHost's warnings per <c>Function.{Name}</c> category (each is a failed invocation).</summary>
internal sealed class FunctionWarningCounter : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _counts = new();

    public IReadOnlyDictionary<string, int> Counts => _counts;

    public void Reset() => _counts.Clear();

    public ILogger CreateLogger(string categoryName) => new Counter(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Counter(FunctionWarningCounter owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && category.StartsWith("Function.", StringComparison.Ordinal);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner._counts.AddOrUpdate(category["Function.".Length..], 1, (_, n) => n + 1);
            }
        }
    }
}
