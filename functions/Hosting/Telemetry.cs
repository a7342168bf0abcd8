using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Omni.Hosting;
using Omni.Core.Contacts;

namespace Omni.Functions.Hosting;

/// <summary>
/// Omni's traces, metrics and log correlation (docs/observability.md). Every Service Bus invocation runs in an
/// <see cref="Activity"/> of the <c>Omni</c> source and a logging scope with the message's ids; a message that carries a
/// W3C <c>traceparent</c> in its <c>Diagnostic-Id</c> application property continues that trace. OpenTelemetry (traces of
/// ASP.NET Core, HttpClient and <c>Omni</c>; metrics of ASP.NET Core and the <c>Omni</c> meter) is registered only when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and then exports over OTLP; otherwise nothing is collected or sent.
/// </summary>
public static class OmniTelemetry
{
    /// <summary>Name of the <see cref="ActivitySource"/> and the <see cref="Meter"/> Omni's own telemetry uses.</summary>
    public const string SourceName = "Omni";

    /// <summary>The standard OpenTelemetry variable: the OTLP collector's base URL. Unset means no export at all.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The standard OpenTelemetry variable for <c>service.name</c>; <see cref="DefaultServiceName"/> without it.</summary>
    public const string ServiceNameVariable = "OTEL_SERVICE_NAME";

    /// <summary>The <c>service.name</c> resource attribute when <see cref="ServiceNameVariable"/> is not set.</summary>
    public const string DefaultServiceName = "omni-functions";

    /// <summary>
    /// The application property Service Bus clients use for trace context: a W3C <c>traceparent</c>
    /// (<c>00-{trace id}-{span id}-{flags}</c>). Omni's sender sets it; the trigger exposes it in <c>ApplicationProperties</c>.
    /// </summary>
    public const string DiagnosticIdProperty = "Diagnostic-Id";

    /// <summary>Where Omni's activities come from; add it to a tracer by <see cref="SourceName"/>.</summary>
    public static ActivitySource ActivitySource { get; } = new(SourceName, typeof(OmniTelemetry).Assembly.GetName().Version?.ToString());

    // Identifiers longer than this are cut in scopes and tags: Service Bus ids are at most 128 characters.
    private const int MaxIdLength = 128;

    /// <summary>True when <see cref="OtlpEndpointVariable"/> is set, i.e. OpenTelemetry is registered and exports.</summary>
    /// <exception cref="InvalidOperationException">The variable is set but is not an absolute http(s) URL.</exception>
    public static bool IsOtlpExportEnabled(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[OtlpEndpointVariable] is not { Length: > 0 } endpoint)
        {
            return false;
        }
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException($"{OtlpEndpointVariable} must be an absolute http(s) URL, not '{endpoint}'.");
        }
        return true;
    }

    /// <summary>
    /// Console log lines include their scopes (trace id, span id, and for Service Bus invocations the function and the
    /// message's ids); the invocation meter is registered; and, when <see cref="OtlpEndpointVariable"/> is set, OpenTelemetry
    /// tracing and metrics with the OTLP exporter (which reads the other <c>OTEL_EXPORTER_OTLP_*</c> variables itself).
    /// </summary>
    public static WebApplicationBuilder AddOmniTelemetry(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<FunctionMetrics>();
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        builder.Services.Configure<SimpleConsoleFormatterOptions>(o => o.IncludeScopes = true);

        if (!IsOtlpExportEnabled(builder.Configuration))
        {
            return builder;
        }

        var serviceName = builder.Configuration[ServiceNameVariable] is { Length: > 0 } configured ? configured : DefaultServiceName;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing => tracing
                .AddSource(SourceName)
                .AddAspNetCoreInstrumentation(o =>
                {
                    // The host polls GET / every 25 ms at start-up until the handler answers: not worth a span each.
                    o.Filter = context => context.Request.Path != "/";
                    o.EnrichWithHttpRequest = (activity, request) => RedactPath(activity, request.Path);
                })
                .AddHttpClientInstrumentation()
                .AddOtlpExporter())
            .WithMetrics(metrics => metrics
                .AddMeter(SourceName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddOtlpExporter());
        return builder;
    }

    /// <summary>
    /// Starts the <c>"{function} process"</c> consumer activity for one delivery. Its parent is the message's
    /// <c>Diagnostic-Id</c> trace context when it carries a valid one (the HTTP request from the host is then a link),
    /// the current activity otherwise. Without a listener on <see cref="ActivitySource"/> (no OpenTelemetry) a plain
    /// activity is still started, so log lines and the messages this invocation sends keep the trace id.
    /// </summary>
    public static Activity StartInvocationActivity(FunctionDefinition function, ServiceBusTriggerMessage message)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(message);
        var name = function.Name + " process";
        var hasParent = TryGetTraceContext(message, out var parent);
        ActivityLink[]? links = hasParent && Activity.Current is { } request ? [new ActivityLink(request.Context)] : null;

        var activity = hasParent
            ? ActivitySource.StartActivity(name, ActivityKind.Consumer, parent, links: links)
            : ActivitySource.StartActivity(name, ActivityKind.Consumer);
        if (activity is null)
        {
            activity = new Activity(name);
            if (hasParent)
            {
                activity.SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags);
                activity.TraceStateString = parent.TraceState;
            }
            activity.Start();
        }

        activity.SetTag("faas.name", function.Name);
        activity.SetTag("faas.trigger", "pubsub");
        activity.SetTag("messaging.system", "servicebus");
        activity.SetTag("messaging.operation.type", "process");
        activity.SetTag("messaging.destination.name", function.Trigger.QueueName);
        activity.SetTag("messaging.message.id", Id(message.MessageId));
        activity.SetTag("messaging.message.conversation_id", Id(message.CorrelationId));
        activity.SetTag("messaging.servicebus.message.delivery_count", message.DeliveryCount);
        return activity;
    }

    /// <summary>
    /// Opens the logging scope of one delivery: function, message id, correlation id and delivery count — identifiers
    /// only, never the body or other message content. The console prints it on every line the invocation logs.
    /// </summary>
    public static IDisposable? BeginInvocationScope(ILogger logger, FunctionDefinition function, ServiceBusTriggerMessage message)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(message);
        return logger.BeginScope("{Function} MessageId:{MessageId} CorrelationId:{CorrelationId} DeliveryCount:{DeliveryCount}",
            function.Name, Id(message.MessageId), Id(message.CorrelationId), message.DeliveryCount);
    }

    /// <summary>Reads the W3C trace context from the message's <c>Diagnostic-Id</c> (or <c>traceparent</c>) property.</summary>
    public static bool TryGetTraceContext(ServiceBusTriggerMessage message, out ActivityContext context)
    {
        ArgumentNullException.ThrowIfNull(message);
        foreach (var property in new[] { DiagnosticIdProperty, "traceparent" })
        {
            if (message.ApplicationProperties.TryGetValue(property, out var value) && value is string traceparent &&
                ActivityContext.TryParse(traceparent, message.ApplicationProperties.TryGetValue("tracestate", out var state) ? state as string : null, isRemote: true, out context))
            {
                return true;
            }
        }
        context = default;
        return false;
    }

    // An app's ids can be e-mail addresses or phone numbers: those are redacted (stable, opaque).
    private static string? Id(string? value) => ContactIds.Redact(value is { Length: > MaxIdLength } ? value[..MaxIdLength] : value);

    // Unsubscribe links carry a signed token in the path, and a contact id in a path can be an e-mail or a phone number:
    // keep both out of span attributes.
    private static void RedactPath(Activity activity, PathString path)
    {
        if (path.StartsWithSegments("/api/unsubscribe", StringComparison.OrdinalIgnoreCase, out var rest) && rest.HasValue)
        {
            activity.SetTag("url.path", "/api/unsubscribe/{token}");
        }
        else if (path.Value is { } value && ContactIds.RedactPath(value) is var redacted && redacted != value)
        {
            activity.SetTag("url.path", redacted);
            activity.DisplayName = activity.DisplayName.Replace(value, redacted, StringComparison.Ordinal);
        }
    }
}

/// <summary>
/// The <c>Omni</c> meter's invocation counter <c>omni.function.invocations</c>, tagged <c>function</c> and
/// <c>outcome</c> (<c>succeeded</c>, <c>failed</c>: the host abandons the message, <c>rejected</c>: not a host invocation).
/// </summary>
public sealed class FunctionMetrics
{
    /// <summary>Name of the counter.</summary>
    public const string InvocationsInstrument = "omni.function.invocations";

    private readonly Counter<long> _invocations;

    public FunctionMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(OmniTelemetry.SourceName);
        _invocations = meter.CreateCounter<long>(InvocationsInstrument, "{invocation}", "Service Bus function invocations by function and outcome.");
    }

    /// <summary>Counts one invocation of <paramref name="function"/> that ended with <paramref name="outcome"/>.</summary>
    public void Invoked(string function, string outcome) =>
        _invocations.Add(1, new KeyValuePair<string, object?>("function", function), new KeyValuePair<string, object?>("outcome", outcome));
}
