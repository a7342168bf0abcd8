using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;

namespace Omni.DevHost.Sandbox;

/// <summary>
/// ACS as Omni's clients use it: <c>POST sms</c> (2021-03-07), <c>POST emails:send</c> + <c>GET emails/operations/{id}</c>,
/// <c>POST messages/notifications:send</c>, each HMAC-authenticated. Errors are ACS's <c>{"error":{"code","message"}}</c>
/// with <c>x-ms-error-code</c>.
/// </summary>
internal sealed partial class AcsSandbox(ProviderSandboxOptions options, SandboxRules rules, SandboxCallLog calls, DeliveryReporter reporter, ILogger logger)
{
    private const int MaxBodyBytes = 10 * 1024 * 1024;
    private const string InvalidNumber = "Invalid To phone number format.";

    // Clients sign with the real clock even when the DevHost's clock is shifted (--clock).
    private readonly AcsRequestAuthenticator _auth = new(options.AcsAccessKey, options.RequestTime ?? options.Time);
    private readonly ConcurrentDictionary<string, (JsonObject Item, long CallId)> _smsRepeats = new();
    private readonly ConcurrentDictionary<string, CachedResponse> _emailSends = new();
    private readonly ConcurrentDictionary<string, CachedResponse> _messageSends = new();
    private readonly ConcurrentDictionary<string, EmailOperation> _operations = new();

    private sealed record CachedResponse(int Status, IReadOnlyDictionary<string, string> Headers, JsonNode Body, long[] CallIds);

    private sealed record EmailOperation(DateTimeOffset CompletesAt, bool Failed);

    public async Task HandleAsync(HttpContext context, string path)
    {
        var request = context.Request;
        var body = await ReadBodyAsync(request, context.RequestAborted);
        if (body is null)
        {
            await ErrorAsync(context, 413, "RequestEntityTooLarge", "The request is larger than 10 MB.");
            return;
        }
        var channel = (request.Method, path) switch
        {
            ("POST", "sms") => "sms",
            ("POST", "emails:send") => "email",
            ("POST", "messages/notifications:send") => "whatsapp",
            ("GET", _) when path.StartsWith("emails/operations/", StringComparison.Ordinal) => "email-status",
            _ => null,
        };
        if (channel is null)
        {
            await ErrorAsync(context, 404, "NotFound", $"The sandbox has no ACS operation {request.Method} /{path}.");
            return;
        }

        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw
            ? raw
            : request.PathBase + request.Path + request.QueryString;
        if (_auth.Check(request.Method, target, request.Host.Value ?? "", request.Headers, body) is { } denied)
        {
            if (channel != "email-status")
            {
                calls.Add(new SandboxCall
                {
                    Provider = "acs", Channel = channel, Recipient = FirstRecipient(channel, body), AuthOk = false, AuthError = denied,
                    Time = options.Time.GetUtcNow(), ResponseStatus = 401,
                });
            }
            logger.LogWarning("Sandbox ACS {Channel}: 401 ({Reason})", channel, denied);
            await ErrorAsync(context, 401, "Denied", $"Denied by the resource provider. {denied}");
            return;
        }
        var apiVersion = request.Query["api-version"].ToString();
        if (apiVersion.Length == 0)
        {
            await ErrorAsync(context, 400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
            return;
        }

        try
        {
            switch (channel)
            {
                case "sms":
                    await SmsAsync(context, body);
                    break;
                case "email":
                    await EmailAsync(context, body, apiVersion);
                    break;
                case "whatsapp":
                    await MessagesAsync(context, body);
                    break;
                default:
                    await EmailStatusAsync(context, path["emails/operations/".Length..]);
                    break;
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            await ErrorAsync(context, 400, "BadRequest", $"The request body is invalid: {e.Message}");
        }
    }

    private async Task SmsAsync(HttpContext context, byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var from = RequiredString(root, "from");
        var message = RequiredString(root, "message");
        if (message.Length > 2048)
        {
            throw new FormatException("'message' is longer than 2048 characters.");
        }
        if (!root.TryGetProperty("smsRecipients", out var recipients) || recipients.ValueKind != JsonValueKind.Array ||
            recipients.GetArrayLength() is 0 or > 100)
        {
            throw new FormatException("'smsRecipients' must be an array of 1 to 100 recipients.");
        }
        var enableReport = false;
        string? tag = null;
        if (root.TryGetProperty("smsSendOptions", out var sendOptions) && sendOptions.ValueKind == JsonValueKind.Object)
        {
            enableReport = sendOptions.TryGetProperty("enableDeliveryReport", out var e) && e.ValueKind == JsonValueKind.True;
            tag = sendOptions.TryGetProperty("tag", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        }

        var now = options.Time.GetUtcNow();
        var items = new JsonObject?[recipients.GetArrayLength()];
        var pending = new List<(int Index, string To, string? RequestId, SandboxDecision Decision)>();
        var index = 0;
        foreach (var recipient in recipients.EnumerateArray())
        {
            var i = index++;
            var to = RequiredString(recipient, "to");
            var requestId = OptionalString(recipient, "repeatabilityRequestId");
            SandboxCall Call(int status, string? messageId = null) => new()
            {
                Provider = "acs", Channel = "sms", Recipient = to, From = from, Text = message, IdempotencyId = requestId, AuthOk = true,
                Time = now, ResponseStatus = status, ProviderMessageId = messageId,
            };
            if (requestId is not null)
            {
                if (RepeatabilityProblem(OptionalString(recipient, "repeatabilityFirstSent"), now) is { } problem)
                {
                    items[i] = SmsItem(to, null, 400, successful: false, "rejected", problem);
                    calls.Add(Call(400));
                    continue;
                }
                if (_smsRepeats.TryGetValue(requestId, out var earlier))
                {
                    items[i] = (JsonObject)earlier.Item.DeepClone();
                    calls.Update(earlier.CallId, c => c with { Replays = c.Replays + 1 });
                    logger.LogInformation("Sandbox ACS sms to {To}: repeat of an earlier send, answered from its result.", ProviderSandbox.Mask(to));
                    continue;
                }
            }
            if (!E164().IsMatch(to))
            {
                items[i] = SmsItem(to, null, 400, successful: false, requestId is null ? null : "accepted", InvalidNumber);
                Remember(requestId, items[i]!, calls.Add(Call(400)).Id);
                continue;
            }
            pending.Add((i, to, requestId, rules.Evaluate("acs", "sms", to)));
        }

        await DelayAsync(pending.Select(p => p.Decision), context.RequestAborted);
        if (pending.Select(p => p.Decision).FirstOrDefault(d => d.RefusesRequest) is { } refusal)
        {
            var refused = pending.Select(p => calls.Add(new SandboxCall
            {
                Provider = "acs", Channel = "sms", Recipient = p.To, From = from, Text = message, IdempotencyId = p.RequestId, AuthOk = true,
                Time = now, Rule = p.Decision.Rule, Fault = refusal.Fault,
            }).Id).ToList();
            var answered = await SandboxFaults.RefuseAsync(context, refusal, AcsError);
            refused.ForEach(id => calls.Update(id, c => c with { ResponseStatus = answered }));
            logger.LogInformation("Sandbox ACS sms: {Fault} ({Status})", refusal.Fault, answered);
            return;
        }

        // A fault after accepting (timeout, drop, error with accept, malformed) applies to the whole answer.
        var fault = pending.Select(p => p.Decision).FirstOrDefault(d => d.Accepted && d.Fault is not null);
        var segments = SmsSegments.Count(message);
        var callIds = new List<long>();
        foreach (var (i, to, requestId, decision) in pending)
        {
            var accepted = decision.Accepted;
            var messageId = accepted ? AcsEvents.SmsMessageId("Outgoing", now) : null;
            items[i] = accepted
                ? SmsItem(to, messageId, 202, successful: true, requestId is null ? null : "accepted", null)
                : SmsItem(to, null, 400, successful: false, requestId is null ? null : "accepted", SmsRefusal(decision.Permanent));
            var report = accepted && enableReport && decision.Report != SandboxReport.None ? decision.Report : (SandboxReport?)null;
            var call = calls.Add(new SandboxCall
            {
                Provider = "acs", Channel = "sms", Recipient = to, From = from, Text = message, IdempotencyId = requestId, AuthOk = true,
                Time = now, ResponseStatus = accepted ? 202 : 400, ProviderMessageId = messageId, Rule = decision.Rule, Accepted = accepted,
                Fault = fault?.Fault,
                ReportStatus = report?.ToString().ToLowerInvariant(),
                ReportNote = !accepted ? null : !enableReport ? "smsSendOptions.enableDeliveryReport is not true: ACS sends no report." :
                    report is null ? "The rule says report: none." : null,
            });
            callIds.Add(call.Id);
            Remember(requestId, items[i]!, call.Id);
            if (report is { } status)
            {
                var delivered = status != SandboxReport.Failed;
                ScheduleReports(call.Id, messageId!, decision, [at => AcsEvents.SmsReport(messageId!, from, to, delivered, segments, now, at, tag)]);
            }
            logger.LogInformation("Sandbox ACS sms to {To}: {Status} {MessageId}", ProviderSandbox.Mask(to), accepted ? 202 : 400, messageId);
        }
        var status202 = await SandboxFaults.AnswerAcceptedAsync(context, fault?.Response ?? SandboxResponse.Ok, fault?.Hold ?? TimeSpan.Zero, 202,
            new Dictionary<string, string>(), new JsonObject { ["value"] = new JsonArray(items.Select(i => i?.DeepClone()).ToArray()) }, AcsError);
        if (status202 != 202)
        {
            callIds.ForEach(id => calls.Update(id, c => c with { ResponseStatus = status202 }));
        }
    }

    /// <summary>
    /// Schedules the reports of one accepted send: <paramref name="sequence"/> is every status the provider reports, in
    /// order, the final one last; the decision's <see cref="SandboxReportOrder"/> picks the final one only, all in order,
    /// or all last-first, and <see cref="SandboxDecision.DuplicateReports"/> posts the lot a second time after the first.
    /// </summary>
    private void ScheduleReports(long callId, string messageId, SandboxDecision decision, IReadOnlyList<Func<DateTimeOffset, JsonObject>> sequence)
    {
        Task? previous = null;
        foreach (var (build, delay) in ReportPlan.Order(sequence, decision))
        {
            previous = reporter.ScheduleEventGrid(callId, messageId, delay, build, previous);
        }
    }

    private static Task AcsError(HttpContext context, int status) => status switch
    {
        429 => ErrorAsync(context, 429, "TooManyRequests", "Too many requests: retry after the Retry-After interval (sandbox rule)."),
        500 => ErrorAsync(context, 500, "InternalServerError", "An internal server error occurred (sandbox rule)."),
        _ => ErrorAsync(context, 503, "ServiceUnavailable", "The service is temporarily unavailable (sandbox rule)."),
    };

    private void Remember(string? requestId, JsonObject item, long callId)
    {
        if (requestId is not null)
        {
            _smsRepeats.TryAdd(requestId, ((JsonObject)item.DeepClone(), callId));
        }
    }

    /// <summary>ACS SMS's per-recipient error message for a number refused for <paramref name="reason"/>.</summary>
    private static string SmsRefusal(SandboxPermanentReason reason) => reason switch
    {
        SandboxPermanentReason.Unsubscribed => "Sender blocked for given recipient.",
        SandboxPermanentReason.Invalid => InvalidNumber,
        _ => "Unreachable destination handset.",
    };

    private static JsonObject SmsItem(string to, string? messageId, int status, bool successful, string? repeatability, string? error)
    {
        var item = new JsonObject { ["to"] = to };
        if (messageId is not null)
        {
            item["messageId"] = messageId;
        }
        item["httpStatusCode"] = status;
        if (repeatability is not null)
        {
            item["repeatabilityResult"] = repeatability;
        }
        item["successful"] = successful;
        if (error is not null)
        {
            item["errorMessage"] = error;
        }
        return item;
    }

    private async Task EmailAsync(HttpContext context, byte[] body, string apiVersion)
    {
        var operationId = context.Request.Headers["Operation-Id"].ToString() is { Length: > 0 } given ? given : Guid.NewGuid().ToString("D");
        if (_emailSends.TryGetValue(operationId, out var earlier))
        {
            await ReplayAsync(context, earlier, "email");
            return;
        }

        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var sender = RequiredString(root, "senderAddress");
        var content = root.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.Object
            ? c : throw new FormatException("'content' is required.");
        var subject = RequiredString(content, "subject");
        var text = OptionalString(content, "plainText") ?? OptionalString(content, "html");
        var recipients = root.TryGetProperty("recipients", out var r) && r.ValueKind == JsonValueKind.Object
            ? r : throw new FormatException("'recipients' is required.");
        var addresses = new List<string>();
        foreach (var kind in new[] { "to", "cc", "bcc" })
        {
            if (recipients.TryGetProperty(kind, out var list) && list.ValueKind == JsonValueKind.Array)
            {
                addresses.AddRange(list.EnumerateArray().Select(a => RequiredString(a, "address")));
            }
        }
        if (!recipients.TryGetProperty("to", out var toList) || toList.ValueKind != JsonValueKind.Array || toList.GetArrayLength() == 0)
        {
            throw new FormatException("'recipients.to' needs at least one address.");
        }
        if (addresses.Count > 50)
        {
            throw new FormatException("An email can have at most 50 recipients.");
        }

        var now = options.Time.GetUtcNow();
        SandboxCall Call(string to, int status, SandboxDecision? decision) => new()
        {
            Provider = "acs", Channel = "email", Recipient = to, From = sender, Subject = subject, Text = text, IdempotencyId = operationId,
            AuthOk = true, Time = now, ResponseStatus = status, Rule = decision?.Rule,
        };
        if (addresses.FirstOrDefault(a => !Email().IsMatch(a)) is { } invalid)
        {
            foreach (var address in addresses)
            {
                calls.Add(Call(address, 400, null));
            }
            await ErrorAsync(context, 400, "BadRequest", $"Invalid email address: '{invalid}'.");
            return;
        }

        var decisions = addresses.Select(a => (To: a, Decision: rules.Evaluate("acs", "email", a))).ToList();
        await DelayAsync(decisions.Select(d => d.Decision), context.RequestAborted);
        if (await AnsweredByRulesAsync(context, decisions, Call, "A recipient address was rejected (sandbox rule)."))
        {
            return;
        }

        var fault = decisions.Select(d => d.Decision).FirstOrDefault(d => d.Fault is not null);
        var callIds = new List<long>();
        foreach (var (to, decision) in decisions)
        {
            var report = decision.Report == SandboxReport.None ? (SandboxReport?)null : decision.Report;
            var call = calls.Add(Call(to, 202, decision) with
            {
                Accepted = true,
                Fault = fault?.Fault,
                ProviderMessageId = operationId,
                ReportStatus = report?.ToString().ToLowerInvariant(),
                ReportNote = report is null ? "The rule says report: none." : null,
            });
            callIds.Add(call.Id);
            if (report is { } status)
            {
                var delivered = status != SandboxReport.Failed;
                ScheduleReports(call.Id, operationId, decision, [at => AcsEvents.EmailReport(sender, to, operationId, delivered, at)]);
            }
        }
        logger.LogInformation("Sandbox ACS email {OperationId} to {Count} recipient(s): 202", operationId, addresses.Count);
        _operations[operationId] = new EmailOperation(
            now + decisions.Max(d => d.Decision.ReportDelay),
            decisions.All(d => d.Decision.Report == SandboxReport.Failed));

        var location = $"{context.Request.Scheme}://{context.Request.Host}{SandboxEnvironment.AcsPath}emails/operations/{Uri.EscapeDataString(operationId)}?api-version={Uri.EscapeDataString(apiVersion)}";
        var response = new CachedResponse(202,
            new Dictionary<string, string> { ["Operation-Location"] = location, ["retry-after"] = "1" },
            new JsonObject { ["id"] = operationId, ["status"] = "Running" },
            callIds.ToArray());
        _emailSends.TryAdd(operationId, response);
        await AnswerAsync(context, response, fault, callIds);
    }

    /// <summary>Answers an accepted send, after the fault of <paramref name="fault"/> if any, and notes an answer other than the success status on its calls.</summary>
    private async Task AnswerAsync(HttpContext context, CachedResponse response, SandboxDecision? fault, List<long> callIds)
    {
        var answered = await SandboxFaults.AnswerAcceptedAsync(context, fault?.Response ?? SandboxResponse.Ok, fault?.Hold ?? TimeSpan.Zero,
            response.Status, response.Headers, response.Body.DeepClone(), AcsError);
        if (answered != response.Status)
        {
            callIds.ForEach(id => calls.Update(id, c => c with { ResponseStatus = answered }));
        }
    }

    private async Task EmailStatusAsync(HttpContext context, string operationId)
    {
        if (!_operations.TryGetValue(operationId, out var operation))
        {
            await ErrorAsync(context, 404, "NotFound", $"No email operation '{operationId}'.");
            return;
        }
        var body = new JsonObject { ["id"] = operationId };
        if (options.Time.GetUtcNow() < operation.CompletesAt)
        {
            body["status"] = "Running";
            context.Response.Headers["retry-after"] = "1";
        }
        else if (operation.Failed)
        {
            body["status"] = "Failed";
            body["error"] = new JsonObject { ["code"] = "EmailDropped", ["message"] = "Email was dropped after several attempts to deliver." };
        }
        else
        {
            body["status"] = "Succeeded";
        }
        await JsonAsync(context, 200, body);
    }

    private async Task MessagesAsync(HttpContext context, byte[] body)
    {
        var now = options.Time.GetUtcNow();
        var requestId = context.Request.Headers["Repeatability-Request-ID"].ToString() is { Length: > 0 } id ? id : null;
        if (requestId is not null)
        {
            if (RepeatabilityProblem(context.Request.Headers["Repeatability-First-Sent"].ToString(), now) is { } problem)
            {
                context.Response.Headers["Repeatability-Result"] = "rejected";
                await ErrorAsync(context, 400, "InvalidRepeatabilityHeaders", problem);
                return;
            }
            if (_messageSends.TryGetValue(requestId, out var earlier))
            {
                await ReplayAsync(context, earlier, "whatsapp");
                return;
            }
        }

        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var channelId = RequiredString(root, "channelRegistrationId");
        if (!Guid.TryParse(channelId, out _))
        {
            throw new FormatException("'channelRegistrationId' must be a GUID.");
        }
        var kind = RequiredString(root, "kind");
        if (!root.TryGetProperty("to", out var toList) || toList.ValueKind != JsonValueKind.Array || toList.GetArrayLength() == 0)
        {
            throw new FormatException("'to' must be a non-empty array.");
        }
        var recipients = toList.EnumerateArray().Select(t => t.ValueKind == JsonValueKind.String ? t.GetString()! : throw new FormatException("'to' items must be strings.")).ToList();
        var text = kind switch
        {
            "text" => RequiredString(root, "content"),
            "template" => root.TryGetProperty("template", out var template) ? $"template:{RequiredString(template, "name")}" : throw new FormatException("'template' is required."),
            _ => $"{kind}:{OptionalString(root, "mediaUri")}",
        };

        SandboxCall Call(string to, int status, SandboxDecision? decision) => new()
        {
            Provider = "acs", Channel = "whatsapp", Recipient = to, From = channelId, Text = text, IdempotencyId = requestId,
            AuthOk = true, Time = now, ResponseStatus = status, Rule = decision?.Rule,
        };
        if (recipients.FirstOrDefault(t => !WhatsAppId().IsMatch(t)) is { } invalid)
        {
            foreach (var to in recipients)
            {
                calls.Add(Call(to, 400, null));
            }
            await ErrorAsync(context, 400, "BadRequest", $"Invalid recipient '{invalid}': expected a phone number in international format.");
            return;
        }

        var decisions = recipients.Select(t => (To: t, Decision: rules.Evaluate("acs", "whatsapp", t))).ToList();
        await DelayAsync(decisions.Select(d => d.Decision), context.RequestAborted);
        if (await AnsweredByRulesAsync(context, decisions, Call, "A recipient was rejected (sandbox rule)."))
        {
            return;
        }

        var fault = decisions.Select(d => d.Decision).FirstOrDefault(d => d.Fault is not null);
        var receipts = new JsonArray();
        var callIds = new List<long>();
        foreach (var (to, decision) in decisions)
        {
            var messageId = Guid.NewGuid().ToString("D");
            receipts.Add(new JsonObject { ["messageId"] = messageId, ["to"] = to });
            var report = decision.Report == SandboxReport.None ? (SandboxReport?)null : decision.Report;
            var call = calls.Add(Call(to, 202, decision) with
            {
                Accepted = true,
                Fault = fault?.Fault,
                ProviderMessageId = messageId,
                ReportStatus = report?.ToString().ToLowerInvariant(),
                ReportNote = report is null ? "The rule says report: none." : null,
            });
            callIds.Add(call.Id);
            if (report is { } final)
            {
                // What WhatsApp reports, in order: Sent, then Delivered (and Read), or Failed.
                string[] states = final switch
                {
                    SandboxReport.Failed => ["Sent", "Failed"],
                    SandboxReport.Read => ["Sent", "Delivered", "Read"],
                    _ => ["Sent", "Delivered"],
                };
                ScheduleReports(call.Id, messageId, decision,
                    [.. states.Select(state => (Func<DateTimeOffset, JsonObject>)(at => AcsEvents.WhatsAppStatus(messageId, channelId, to, state, at)))]);
            }
            logger.LogInformation("Sandbox ACS whatsapp to {To}: 202 {MessageId}", ProviderSandbox.Mask(to), messageId);
        }

        var headers = new Dictionary<string, string>();
        if (requestId is not null)
        {
            headers["Repeatability-Result"] = "accepted";
        }
        var response = new CachedResponse(202, headers, new JsonObject { ["receipts"] = receipts }, callIds.ToArray());
        if (requestId is not null)
        {
            _messageSends.TryAdd(requestId, response);
        }
        await AnswerAsync(context, response, fault, callIds);
    }

    private async Task ReplayAsync(HttpContext context, CachedResponse earlier, string channel)
    {
        foreach (var callId in earlier.CallIds)
        {
            calls.Update(callId, c => c with { Replays = c.Replays + 1 });
        }
        logger.LogInformation("Sandbox ACS {Channel}: repeat of an earlier send, answered from its result.", channel);
        await WriteAsync(context, earlier);
    }

    private string? RepeatabilityProblem(string? firstSent, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(firstSent) ||
            !DateTimeOffset.TryParseExact(firstSent, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var sent))
        {
            return "Request sent with Invalid DateTime value for repeatability-first-sent. Expected is DateTime ,RFC1123 pattern.";
        }
        if (sent > now + AcsRequestAuthenticator.MaxClockSkew || now - sent > options.RepeatabilityWindow)
        {
            return $"repeatability-first-sent is outside the {options.RepeatabilityWindow.TotalMinutes}-minute repeatability window.";
        }
        return null;
    }

    private static async Task DelayAsync(IEnumerable<SandboxDecision> decisions, CancellationToken cancellationToken)
    {
        var latency = decisions.Select(d => d.Latency).DefaultIfEmpty(TimeSpan.Zero).Max();
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, cancellationToken);
        }
    }

    private static string? FirstRecipient(string channel, byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return channel switch
            {
                "sms" => root.GetProperty("smsRecipients")[0].GetProperty("to").GetString(),
                "email" => root.GetProperty("recipients").GetProperty("to")[0].GetProperty("address").GetString(),
                "whatsapp" => root.GetProperty("to")[0].GetString(),
                _ => null,
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static string RequiredString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String &&
        value.GetString() is { Length: > 0 } text
            ? text
            : throw new FormatException($"'{name}' is required and must be a non-empty string.");

    private static string? OptionalString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes)
            {
                return null;
            }
        }
        return buffer.ToArray();
    }

    private static Task WriteAsync(HttpContext context, CachedResponse response)
    {
        foreach (var (name, value) in response.Headers)
        {
            context.Response.Headers[name] = value;
        }
        return JsonAsync(context, response.Status, response.Body.DeepClone());
    }

    private static async Task JsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body.ToJsonString()), context.RequestAborted);
    }

    /// <summary>
    /// The whole-request answers the rules decide before anything is accepted (Email and Advanced Messaging): a refusal
    /// fault (429/500/503/drop/late, <see cref="SandboxFaults"/>) or a rejected recipient (400 <c>InvalidRecipient</c>).
    /// Every recipient's call is recorded either way. True when the request was answered.
    /// </summary>
    private async Task<bool> AnsweredByRulesAsync(HttpContext context, List<(string To, SandboxDecision Decision)> decisions,
        Func<string, int, SandboxDecision?, SandboxCall> call, string rejected)
    {
        if (decisions.Select(d => d.Decision).FirstOrDefault(d => d.RefusesRequest) is { } refusal)
        {
            var refused = decisions.Select(d => calls.Add(call(d.To, 0, d.Decision) with { Fault = refusal.Fault }).Id).ToList();
            var answered = await SandboxFaults.RefuseAsync(context, refusal, AcsError);
            refused.ForEach(id => calls.Update(id, c => c with { ResponseStatus = answered }));
            return true;
        }
        if (decisions.Any(d => d.Decision.Response == SandboxResponse.Permanent))
        {
            foreach (var (to, decision) in decisions)
            {
                calls.Add(call(to, 400, decision));
            }
            await ErrorAsync(context, 400, "InvalidRecipient", rejected);
            return true;
        }
        return false;
    }

    private static Task ErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.Headers["x-ms-error-code"] = code;
        return JsonAsync(context, status, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } });
    }

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();

    [GeneratedRegex(@"^\+?[1-9][0-9]{6,14}$")]
    private static partial Regex WhatsAppId();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex Email();
}
