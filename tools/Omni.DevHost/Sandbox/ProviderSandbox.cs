using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Omni.DevHost.Sandbox;

/// <summary>What the sandbox providers accept and where their reports go.</summary>
public sealed record ProviderSandboxOptions
{
    /// <summary>The ACS access key (base64) that signatures must be made with.</summary>
    public string AcsAccessKey { get; init; } = SandboxEnvironment.AcsAccessKey;

    public string TwilioAccountSid { get; init; } = SandboxEnvironment.TwilioAccountSid;

    public string TwilioAuthToken { get; init; } = SandboxEnvironment.TwilioAuthToken;

    /// <summary>Where ACS Event Grid events are posted (the function app's <c>/api/webhooks/acs</c>) when <see cref="AcsEventsQueue"/> is null; null too: none are.</summary>
    public Uri? AcsEventsUrl { get; init; }

    /// <summary>Sent with each post to <see cref="AcsEventsUrl"/> in <see cref="SandboxEnvironment.AcsEventsSecretHeader"/>, as the subscription's secret delivery property; null: no header.</summary>
    public string? AcsEventsSecret { get; init; }

    /// <summary>The emulated <c>acs-events</c> queue: when set, ACS events are put there as Event Grid's Service Bus handler does, not posted.</summary>
    public ServiceBus.EmulatedQueue? AcsEventsQueue { get; init; }

    /// <summary>The waits before each retry of a failed report post (Event Grid backs off too, only slower).</summary>
    public IReadOnlyList<TimeSpan> ReportRetryDelays { get; init; } =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)];

    /// <summary>How long one report post may take (Event Grid's limit is 30 s).</summary>
    public TimeSpan ReportTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a repeatability first-sent time is honoured; older ones are rejected, as ACS does.</summary>
    public TimeSpan RepeatabilityWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The sandbox's "now": report times, repeatability windows. The DevHost's shifted clock under <c>--clock</c>.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// The clock ACS request signatures (<c>x-ms-date</c>) are checked against; null: <see cref="Time"/>. The DevHost sets
    /// the system clock when its own is shifted, because Omni's ACS clients sign with the real time.
    /// </summary>
    public TimeProvider? RequestTime { get; init; }

    /// <summary>
    /// The function app's address (the DevHost's root): the customer simulator posts chat messages to its
    /// <c>/api/webhooks/chat</c>, and events on demand look a message's attempts up at <c>/api/messages/{id}</c>. Null: neither works.
    /// </summary>
    public Uri? AppBaseUrl { get; init; }

    /// <summary>The function key that events on demand send with their <c>GET /api/messages/{id}</c>, as any caller must; null: none.</summary>
    public string? AppFunctionKey { get; init; }

    /// <summary>With <c>--entra</c>: the simulated token the sandbox sends instead of the key (<see cref="Http.EntraIdSimulation"/>).</summary>
    public string? AppBearerToken { get; init; }

    /// <summary>The handler's <c>Chat__Secret</c>, which the customer simulator signs chat messages with.</summary>
    public string ChatSecret { get; init; } = SandboxEnvironment.ChatSecret;

    /// <summary>The number customers text by default (the handler's <c>AcsSms__From</c>).</summary>
    public string SmsNumber { get; init; } = SandboxEnvironment.AcsSmsFrom;

    /// <summary>The WhatsApp channel customers write to by default (the handler's <c>AcsWhatsApp__ChannelRegistrationId</c>).</summary>
    public string WhatsAppChannelId { get; init; } = SandboxEnvironment.AcsWhatsAppChannelRegistrationId;
}

/// <summary>
/// Local stand-ins for ACS (SMS, Email, Advanced Messaging) and Twilio (Messages) that speak the real wire formats,
/// check authentication, record every send, and post signed delivery reports. Mounted at <c>/_sandbox/acs/</c> and
/// <c>/_sandbox/twilio/</c>; driven and inspected through <c>/_devhost/sandbox/rules</c> and
/// <c>/_devhost/sandbox/calls</c>; the customer is played through <c>/_devhost/sandbox/inbound</c> and reports are asked for
/// through <c>/_devhost/sandbox/messages/{id}/events</c>. A development and test tool only.
/// </summary>
public sealed class ProviderSandbox : IAsyncDisposable
{
    private readonly AcsSandbox _acs;
    private readonly TwilioSandbox _twilio;
    private readonly CustomerSimulator _customer;
    private readonly OnDemandEvents _events;
    private readonly HttpClient _lookups = new() { Timeout = TimeSpan.FromSeconds(30) };

    public ProviderSandbox(ProviderSandboxOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        Options = options;
        var logger = loggerFactory.CreateLogger("Omni.DevHost.Sandbox");
        Reporter = new DeliveryReporter(Calls, options, logger);
        _acs = new AcsSandbox(options, Rules, Calls, Reporter, logger);
        _twilio = new TwilioSandbox(options, Rules, Calls, Reporter, logger);
        _customer = new CustomerSimulator(options, Reporter, logger);
        _events = new OnDemandEvents(options, Calls, Reporter, _lookups, logger);
    }

    public ProviderSandboxOptions Options { get; }

    public SandboxRules Rules { get; } = new();

    public SandboxCallLog Calls { get; } = new();

    public DeliveryReporter Reporter { get; }

    /// <summary>Maps the provider endpoints and the <c>/_devhost/sandbox</c> inspection endpoints.</summary>
    public void Map(IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Leading slashes are dropped: a client that joins an endpoint ending in '/' with an operation path starting
        // with '/' (Azure.Core's RequestUriBuilder does, for any endpoint path but the root) sends '/_sandbox/acs//sms'.
        // The signature is still checked over the target exactly as sent.
        app.Map(SandboxEnvironment.AcsPath + "{**path}", (HttpContext context, string? path) => _acs.HandleAsync(context, (path ?? "").TrimStart('/')))
            .ExcludeFromDescription();
        app.Map(SandboxEnvironment.TwilioPath + "/{**path}", (HttpContext context, string? path) => _twilio.HandleAsync(context, (path ?? "").TrimStart('/')))
            .ExcludeFromDescription();

        var admin = app.MapGroup("/_devhost/sandbox").ExcludeFromDescription();
        admin.MapGet("/", () => TypedResults.Ok(new
        {
            acs = new
            {
                path = SandboxEnvironment.AcsPath,
                eventsQueue = Options.AcsEventsQueue?.Name,
                eventsPath = Options.AcsEventsQueue is null ? Options.AcsEventsUrl?.AbsolutePath : null,
            },
            twilio = new { path = SandboxEnvironment.TwilioPath, accountSid = Options.TwilioAccountSid },
            rules = Rules.Current.Count,
            calls = Calls.List().Count,
            pendingReports = Reporter.Pending,
        }));
        admin.MapGet("/rules", () => TypedResults.Json(Rules.Current, SandboxRules.Json));
        admin.MapPut("/rules", ReplaceRulesAsync);
        admin.MapGet("/calls", (string? to) => TypedResults.Json(Calls.List(to), SandboxRules.Json));
        admin.MapPost("/inbound", _customer.HandleAsync);
        admin.MapPost("/messages/{messageId}/events", _events.HandleAsync);
        admin.MapDelete("/calls", () =>
        {
            Calls.Clear();
            return TypedResults.NoContent();
        });
    }

    private async Task<Results<JsonHttpResult<IReadOnlyList<SandboxRule>>, ProblemHttpResult>> ReplaceRulesAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        List<SandboxRule>? rules;
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            if (SandboxRules.UnknownField(document.RootElement) is { } unknown)
            {
                return TypedResults.Problem(statusCode: 400, title: "Invalid rules", detail: unknown);
            }
            rules = document.RootElement.Deserialize<List<SandboxRule>>(SandboxRules.Json);
        }
        catch (JsonException e)
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid rules", detail: $"The body must be a JSON array of rules: {e.Message}");
        }
        if (rules is null || rules.Any(r => r is null))
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid rules", detail: "The body must be a JSON array of rule objects.");
        }
        try
        {
            Rules.Replace(rules);
        }
        catch (ArgumentException e)
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid rules", detail: e.Message);
        }
        return TypedResults.Json(Rules.Current, SandboxRules.Json);
    }

    /// <summary>Waits until no report is pending (posted or given up), for tests and orderly shutdown.</summary>
    public async Task WhenReportsIdleAsync(TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (Reporter.Pending > 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Reporter.DisposeAsync();
        _lookups.Dispose();
    }

    /// <summary>A phone number or address shortened for logs: personal data stays out of them.</summary>
    internal static string Mask(string? value) =>
        string.IsNullOrEmpty(value) ? "(none)" : value.Length <= 4 ? "***" : "***" + value[^2..];
}
