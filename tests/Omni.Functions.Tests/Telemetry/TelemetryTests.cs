using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Moq;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Omni.Azure.ServiceBus;
using Omni.Functions.Hosting;

namespace Omni.Functions.Tests.Telemetry;

/// <summary>Service Bus invocations through the app: their activity, trace continuation, log scope and metrics.</summary>
public sealed class TelemetryTests : IDisposable
{
    private readonly FunctionAppFactory _factory = new();
    private readonly ConcurrentQueue<Activity> _activities = new();
    private readonly ActivityListener _listener;
    private readonly string _messageId = Guid.NewGuid().ToString("N");

    public TelemetryTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == OmniTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _activities.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
        _factory.Sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _factory.Dispose();
    }

    private static HttpRequestMessage HostInvocation(string payload)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/Echo") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
        return request;
    }

    // The host's binary-dataType invocation of Echo; the body text stands in for message content that must not leak.
    private string EchoPayload(string body, int deliveryCount = 1, string applicationProperties = "{}") => $$"""
        {
          "Data": { "message": "{{Convert.ToBase64String(Encoding.UTF8.GetBytes(body))}}" },
          "Metadata": {
            "DeliveryCount": "{{deliveryCount}}",
            "MessageId": "\"{{_messageId}}\"",
            "ContentType": "\"application/json\"",
            "SequenceNumber": "17",
            "CorrelationId": "\"req-123\"",
            "ApplicationProperties": {{applicationProperties}},
            "UserProperties": {{applicationProperties}},
            "sys": { "MethodName": "Echo", "UtcNow": "2025-05-01T10:15:31.456Z", "RandGuid": "0b9e0000-0000-0000-0000-000000000000" }
          }
        }
        """;

    private Activity OurActivity() => Assert.Single(_activities, a => (a.GetTagItem("messaging.message.id") as string) == _messageId);

    [Fact]
    public async Task Invocation_StartsAConsumerActivityWithTheMessageIds()
    {
        using var response = await _factory.CreateClient().SendAsync(HostInvocation(EchoPayload("""{"text":"hi"}""", deliveryCount: 2)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var activity = OurActivity();
        Assert.Equal("Echo process", activity.DisplayName);
        Assert.Equal(ActivityKind.Consumer, activity.Kind);
        Assert.Equal("Echo", activity.GetTagItem("faas.name"));
        Assert.Equal("echo", activity.GetTagItem("messaging.destination.name"));
        Assert.Equal("req-123", activity.GetTagItem("messaging.message.conversation_id"));
        Assert.Equal(2, activity.GetTagItem("messaging.servicebus.message.delivery_count"));
        Assert.NotEqual(ActivityStatusCode.Error, activity.Status);
    }

    [Fact]
    public async Task Invocation_MessageWithDiagnosticId_ContinuesThatTrace()
    {
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        const string parentSpanId = "00f067aa0ba902b7";
        ServiceBusMessage? reply = null;
        _factory.Sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
            .Callback<ServiceBusMessage, CancellationToken>((m, _) => reply = m)
            .Returns(Task.CompletedTask);

        using var response = await _factory.CreateClient().SendAsync(HostInvocation(EchoPayload("""{"text":"hi"}""",
            applicationProperties: $$"""{ "Diagnostic-Id": "00-{{traceId}}-{{parentSpanId}}-01" }""")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var activity = OurActivity();
        Assert.Equal(traceId, activity.TraceId.ToHexString());
        Assert.Equal(parentSpanId, activity.ParentSpanId.ToHexString());
        Assert.True(activity.HasRemoteParent);
        // The HTTP request from the host is a different trace: linked, not the parent.
        Assert.Single(activity.Links);
        Assert.NotNull(reply);
    }

    [Fact]
    public async Task Invocation_MalformedDiagnosticId_StartsItsOwnTrace()
    {
        using var response = await _factory.CreateClient().SendAsync(HostInvocation(EchoPayload("""{"text":"hi"}""",
            applicationProperties: """{ "Diagnostic-Id": "not-a-traceparent" }""")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var activity = OurActivity();
        Assert.False(activity.HasRemoteParent);
        Assert.Empty(activity.Links);
    }

    [Fact]
    public async Task Invocation_FailedHandler_MarksTheActivityAndLogsInsideTheScopeWithIdsOnly()
    {
        var logs = new CapturingLoggerProvider();
        using var factory = _factory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(logs)));

        using var response = await factory.CreateClient().SendAsync(HostInvocation(EchoPayload("""{"text":"jane@example.com","failUntilDelivery":3}""", deliveryCount: 1)));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(ActivityStatusCode.Error, OurActivity().Status);
        var entry = Assert.Single(logs.Entries, e => e.Category == "Omni.Functions.Echo" && e.Level == LogLevel.Warning);
        var scope = Assert.Single(entry.Scopes, s => s.Any(p => p.Key == "MessageId"));
        var values = scope.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("Echo", values["Function"]);
        Assert.Equal(_messageId, values["MessageId"]);
        Assert.Equal("req-123", values["CorrelationId"]);
        Assert.Equal(1, values["DeliveryCount"]);
        Assert.DoesNotContain(logs.Entries.SelectMany(e => e.Scopes).SelectMany(s => s), p => p.Value?.ToString()?.Contains("jane@example.com") == true);
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("jane@example.com"));
    }

    [Fact]
    public async Task Invocations_AreCountedPerFunctionAndOutcome()
    {
        var meterFactory = _factory.Services.GetRequiredService<IMeterFactory>();
        var counts = new ConcurrentDictionary<string, long>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == meterFactory && instrument.Name == FunctionMetrics.InvocationsInstrument)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var t = tags.ToArray().ToDictionary(p => p.Key, p => p.Value);
            counts.AddOrUpdate($"{t["function"]}/{t["outcome"]}", value, (_, v) => v + value);
        });
        meters.Start();
        var client = _factory.CreateClient();

        (await client.SendAsync(HostInvocation(EchoPayload("""{"text":"hi"}""")))).Dispose();
        (await client.SendAsync(HostInvocation(EchoPayload("""{"text":"hi"}""")))).Dispose();
        (await client.SendAsync(HostInvocation(EchoPayload("""{"failUntilDelivery":5}""")))).Dispose();
        (await client.SendAsync(HostInvocation("not json"))).Dispose();

        Assert.Equal(2, counts.GetValueOrDefault("Echo/succeeded"));
        Assert.Equal(1, counts.GetValueOrDefault("Echo/failed"));
        Assert.Equal(1, counts.GetValueOrDefault("Echo/rejected"));
    }

    [Fact]
    public void Console_IsSingleLineWithScopes()
    {
        var options = _factory.Services.GetRequiredService<IOptionsMonitor<SimpleConsoleFormatterOptions>>().CurrentValue;

        Assert.True(options.SingleLine);
        Assert.True(options.IncludeScopes);
    }

    [Fact]
    public void NoOtlpEndpoint_NoOpenTelemetryIsRegistered()
    {
        Assert.Null(_factory.Services.GetService<TracerProvider>());
        Assert.Null(_factory.Services.GetService<MeterProvider>());
    }

    [Fact]
    public void OtlpEndpoint_RegistersTracingAndMetrics()
    {
        using var factory = _factory.WithWebHostBuilder(b => b.UseSetting(OmniTelemetry.OtlpEndpointVariable, "http://127.0.0.1:9"));

        Assert.NotNull(factory.Services.GetService<TracerProvider>());
        Assert.NotNull(factory.Services.GetService<MeterProvider>());
    }

    [Fact]
    public void OtlpEndpoint_NotAUrl_RefusesToStart()
    {
        using var factory = _factory.WithWebHostBuilder(b => b.UseSetting(OmniTelemetry.OtlpEndpointVariable, "collector:4317"));

        var error = Assert.Throws<InvalidOperationException>(() => factory.Services);
        Assert.Contains(OmniTelemetry.OtlpEndpointVariable, error.Message);
    }
}

/// <summary>Records every log entry with the key/value pairs of the scopes open when it was written.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<(string Category, LogLevel Level, string Message, List<IReadOnlyList<KeyValuePair<string, object?>>> Scopes)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<IReadOnlyList<KeyValuePair<string, object?>>>();
            provider._scopes.ForEachScope((scope, list) =>
            {
                if (scope is IReadOnlyList<KeyValuePair<string, object?>> pairs)
                {
                    list.Add(pairs);
                }
            }, scopes);
            provider.Entries.Enqueue((category, logLevel, formatter(state, exception), scopes));
        }
    }
}
