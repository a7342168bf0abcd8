using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Omni.DevHost.Sandbox;

/// <summary>
/// Delivery and engagement events on demand: <c>POST /_devhost/sandbox/messages/{messageId}/events</c> with
/// <c>{"type": "delivered"|"failed"|"opened"|"clicked", "step"?: n}</c> sends the ACS report for the sandbox call that
/// carried that Omni message (its newest step the sandbox sent, or <c>step</c>): an SMS delivery report, an e-mail
/// delivery or engagement report, or a WhatsApp status — the same events the sandbox schedules on its own, delivered the
/// same way. The message's attempts (and so their provider message ids) come from the app's own
/// <c>GET /api/messages/{id}</c>: Omni's ids never reach the provider, only ids derived from them.
/// </summary>
internal sealed class OnDemandEvents(ProviderSandboxOptions options, SandboxCallLog calls, DeliveryReporter reporter, HttpClient http, ILogger logger)
{
    public static readonly string[] Types = ["delivered", "failed", "opened", "clicked"];

    private static readonly string[] Fields = ["type", "step"];

    /// <summary>The types each channel's provider reports: WhatsApp has no clicks, SMS neither opens nor clicks.</summary>
    private static readonly Dictionary<string, string[]> TypesByChannel = new(StringComparer.Ordinal)
    {
        ["sms"] = ["delivered", "failed"],
        ["email"] = ["delivered", "failed", "opened", "clicked"],
        ["whatsapp"] = ["delivered", "failed", "opened"],
    };

    private sealed record Attempt(int Step, string ProviderMessageId);

    public async Task<IResult> HandleAsync(string messageId, HttpRequest request, CancellationToken cancellationToken)
    {
        var (fields, problem) = await SandboxRequest.ReadAsync(request, Fields, cancellationToken);
        if (problem is not null)
        {
            return SandboxRequest.BadRequest(problem);
        }
        var type = fields.GetValueOrDefault("type")?.Trim().ToLowerInvariant();
        if (type is null || !Types.Contains(type))
        {
            return SandboxRequest.BadRequest($"'type' must be one of: {string.Join(", ", Types)}.");
        }
        int? step = null;
        if (fields.GetValueOrDefault("step") is { } stepText)
        {
            if (!int.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return SandboxRequest.BadRequest("'step' must be a whole number (0 is the first step).");
            }
            step = number;
        }
        if (options.AppBaseUrl is not { } app)
        {
            return TypedResults.Problem(statusCode: 409, title: "No function app", detail: "The sandbox does not know the app's address, so it cannot look the message up.");
        }

        List<Attempt>? attempts;
        try
        {
            attempts = await AttemptsAsync(new Uri(app, $"api/messages/{Uri.EscapeDataString(messageId)}"), cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return TypedResults.Problem(statusCode: 502, title: "Message lookup failed", detail: $"GET /api/messages/{messageId} failed: {e.Message}");
        }
        if (attempts is null)
        {
            return NotFound($"Omni has no message '{messageId}'.");
        }
        var carried = attempts
            .Where(a => step is null || a.Step == step)
            .OrderByDescending(a => a.Step)
            .Select(a => (a.Step, Call: calls.List().LastOrDefault(c => c.Accepted && c.ProviderMessageId == a.ProviderMessageId)))
            .FirstOrDefault(a => a.Call is not null);
        if (carried.Call is not { } call)
        {
            return NotFound($"The sandbox never sent message '{messageId}'{(step is null ? "" : $" step {step}")}: none of its attempts is a send the sandbox accepted (GET /_devhost/sandbox/calls lists them).");
        }
        if (call.Provider != "acs")
        {
            return SandboxRequest.BadRequest($"Step {carried.Step} went through {call.Provider}: events on demand are ACS reports (Twilio's arrive at the send's StatusCallback).");
        }
        if (!TypesByChannel.TryGetValue(call.Channel, out var fitting) || !fitting.Contains(type))
        {
            return SandboxRequest.BadRequest($"'{type}' does not fit step {carried.Step}'s channel {call.Channel}: use {string.Join(", ", fitting ?? [])}.");
        }

        var @event = Build(call, type, options.Time.GetUtcNow());
        var eventId = @event["id"]!.GetValue<string>();
        var error = await reporter.DeliverEventGridAsync(call.Id, call.ProviderMessageId!, @event);
        logger.LogInformation("Sandbox event on demand: {Type} for {MessageId} step {Step} ({ProviderMessageId}): {Outcome}",
            type, messageId, carried.Step, call.ProviderMessageId, error is null ? "delivered" : error);
        if (reporter.EventGridPath is not { } target)
        {
            return TypedResults.Problem(statusCode: 409, title: "No Event Grid subscriber", detail: error);
        }
        if (error is not null)
        {
            return TypedResults.Problem(statusCode: 502, title: "Not delivered", detail: $"The {type} event ({eventId}) did not reach {target}: {error}");
        }
        return TypedResults.Json(new
        {
            messageId,
            step = carried.Step,
            channel = call.Channel,
            provider = call.Provider,
            providerMessageId = call.ProviderMessageId,
            type,
            eventType = @event["eventType"]!.GetValue<string>(),
            eventId,
            path = options.AcsEventsQueue is null ? "webhook" : "queue",
            target,
        }, statusCode: 202);
    }

    private static JsonObject Build(SandboxCall call, string type, DateTimeOffset now)
    {
        var id = call.ProviderMessageId!;
        var (from, to) = (call.From ?? "", call.Recipient ?? "");
        return (call.Channel, type) switch
        {
            ("sms", _) => AcsEvents.SmsReport(id, from, to, type == "delivered", SmsSegments.Count(call.Text ?? ""), call.Time, now, tag: null),
            ("email", "delivered" or "failed") => AcsEvents.EmailReport(from, to, id, type == "delivered", now),
            ("email", _) => AcsEvents.EmailEngagementReport(from, to, id, click: type == "clicked", now),
            _ => AcsEvents.WhatsAppStatus(id, from, to, type switch { "delivered" => "Delivered", "failed" => "Failed", _ => "Read" }, now),
        };
    }

    /// <summary>The message's attempts that have a provider message id, from the app's API; null when it has no such message.</summary>
    private async Task<List<Attempt>?> AttemptsAsync(Uri url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (options.AppBearerToken is { } token)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        else if (options.AppFunctionKey is { } key)
        {
            request.Headers.Add(Http.FunctionKeys.HeaderName, key);
        }
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
        return document.RootElement.TryGetProperty("attempts", out var attempts) && attempts.ValueKind == JsonValueKind.Array
            ? [.. attempts.EnumerateArray()
                .Where(a => a.TryGetProperty("providerMessageId", out var id) && id.ValueKind == JsonValueKind.String)
                .Select(a => new Attempt(a.GetProperty("step").GetInt32(), a.GetProperty("providerMessageId").GetString()!))]
            : [];
    }

    private static IResult NotFound(string detail) => TypedResults.Problem(statusCode: 404, title: "No such sandbox message", detail: detail);
}
