using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Omni.DevHost.Sandbox;

/// <summary>
/// Twilio's Programmable Messaging create call, <c>POST /2010-04-01/Accounts/{AccountSid}/Messages.json</c>
/// (form-encoded <c>To</c>, <c>From</c> or <c>MessagingServiceSid</c>, <c>Body</c>, <c>StatusCallback</c>), with HTTP
/// Basic authentication (AccountSid:AuthToken). Answers 201 with Twilio's message resource, or Twilio's error JSON
/// <c>{"code","message","more_info","status"}</c>. Twilio does not deduplicate creates, and neither does the sandbox.
/// </summary>
internal sealed partial class TwilioSandbox(ProviderSandboxOptions options, SandboxRules rules, SandboxCallLog calls, DeliveryReporter reporter, ILogger logger)
{
    private const string ApiVersion = "2010-04-01";

    public async Task HandleAsync(HttpContext context, string path)
    {
        var match = MessagesPath().Match(path);
        if (context.Request.Method != "POST" || !match.Success)
        {
            await ErrorAsync(context, 404, 20404, $"The requested resource /{path} was not found");
            return;
        }
        var pathSid = match.Groups["sid"].Value;
        IFormCollection form;
        try
        {
            form = context.Request.HasFormContentType
                ? await context.Request.ReadFormAsync(context.RequestAborted)
                : new FormCollection(null);
        }
        catch (InvalidDataException e)
        {
            await ErrorAsync(context, 400, 20001, $"The form body is invalid: {e.Message}");
            return;
        }
        string? Param(string name) => form.TryGetValue(name, out var v) && v.ToString().Length > 0 ? v.ToString() : null;
        var to = Param("To");
        var from = Param("From");
        var serviceSid = Param("MessagingServiceSid");
        var text = Param("Body");
        var channel = to?.StartsWith("whatsapp:", StringComparison.OrdinalIgnoreCase) == true ? "whatsapp" : "sms";
        var now = options.Time.GetUtcNow();
        var idempotency = context.Request.Headers["I-Twilio-Idempotency-Token"].ToString() is { Length: > 0 } token ? token : null;
        SandboxCall Call(int status, bool authOk = true, string? authError = null) => new()
        {
            Provider = "twilio", Channel = channel, Recipient = to, From = from ?? serviceSid, Text = text, IdempotencyId = idempotency,
            AuthOk = authOk, AuthError = authError, Time = now, ResponseStatus = status,
        };

        if (Authenticate(context.Request.Headers.Authorization.ToString(), pathSid) is { } denied)
        {
            calls.Add(Call(401, authOk: false, authError: denied));
            logger.LogWarning("Sandbox Twilio: 401 ({Reason})", denied);
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"Twilio API\"";
            await ErrorAsync(context, 401, 20003, "Authenticate");
            return;
        }

        (int Code, string Message)? invalid =
            to is null ? (21604, "A 'To' phone number is required.")
            : !E164().IsMatch(channel == "whatsapp" ? to["whatsapp:".Length..] : to) ? (21211, $"Invalid 'To' Phone Number: {to}")
            : from is null && serviceSid is null ? (21603, "A 'From' phone number is required.")
            : text is null && Param("MediaUrl") is null ? (21602, "Message body is required.")
            : text is { Length: > 1600 } ? (21617, "The concatenated message body exceeds the 1600 character limit.")
            : null;
        Uri? callback = null;
        if (invalid is null && Param("StatusCallback") is { } callbackText &&
            (!Uri.TryCreate(callbackText, UriKind.Absolute, out callback) || (callback.Scheme != Uri.UriSchemeHttp && callback.Scheme != Uri.UriSchemeHttps)))
        {
            invalid = (21609, "The StatusCallback URL is not a valid URL.");
        }
        if (invalid is { } error)
        {
            calls.Add(Call(400));
            await ErrorAsync(context, 400, error.Code, error.Message);
            return;
        }

        var decision = rules.Evaluate("twilio", channel, to!);
        if (decision.Latency > TimeSpan.Zero)
        {
            await Task.Delay(decision.Latency, context.RequestAborted);
        }
        if (decision.RefusesRequest)
        {
            var refused = calls.Add(Call(0) with { Rule = decision.Rule, Fault = decision.Fault });
            var answered = await SandboxFaults.RefuseAsync(context, decision, TwilioError);
            calls.Update(refused.Id, c => c with { ResponseStatus = answered });
            return;
        }
        if (decision.Response == SandboxResponse.Permanent)
        {
            calls.Add(Call(400) with { Rule = decision.Rule });
            var (code, message) = decision.Permanent switch
            {
                SandboxPermanentReason.Unsubscribed => (21610, "Attempt to send to unsubscribed recipient"),
                SandboxPermanentReason.Invalid => (21211, $"Invalid 'To' Phone Number: {to}"),
                _ => (21614, "'To' number is not a valid mobile number"),
            };
            await ErrorAsync(context, 400, code, message);
            return;
        }

        var messageSid = "SM" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var segments = SmsSegments.Count(text ?? "");
        var report = decision.Report == SandboxReport.None ? (SandboxReport?)null : decision.Report;
        var call = calls.Add(Call(201) with
        {
            Accepted = true,
            Fault = decision.Fault,
            ProviderMessageId = messageSid,
            Rule = decision.Rule,
            ReportStatus = callback is null ? null : report?.ToString().ToLowerInvariant(),
            ReportNote = callback is null ? "The send carried no StatusCallback." : report is null ? "The rule says report: none." : null,
        });
        if (callback is not null && report is { } final)
        {
            // What Twilio reports, in order: sent, then delivered or undelivered.
            var finalStatus = final == SandboxReport.Failed ? "undelivered" : "delivered";
            Task? previous = null;
            foreach (var (status, delay) in ReportPlan.Order(["sent", finalStatus], decision))
            {
                var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["AccountSid"] = pathSid,
                    ["ApiVersion"] = ApiVersion,
                    ["From"] = from ?? SandboxEnvironment.TwilioFrom,
                    ["MessageSid"] = messageSid,
                    ["MessageStatus"] = status,
                    ["SmsSid"] = messageSid,
                    ["SmsStatus"] = status,
                    ["To"] = to!,
                };
                if (serviceSid is not null)
                {
                    parameters["MessagingServiceSid"] = serviceSid;
                }
                if (status == "undelivered")
                {
                    parameters["ErrorCode"] = "30003";
                }
                previous = reporter.ScheduleTwilio(call.Id, messageSid, delay, callback, parameters, options.TwilioAuthToken, previous);
            }
        }
        logger.LogInformation("Sandbox Twilio {Channel} to {To}: 201 {MessageSid}", channel, ProviderSandbox.Mask(to), messageSid);

        var created = now.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
        var uri = $"/{ApiVersion}/Accounts/{pathSid}/Messages/{messageSid}";
        var answer = await SandboxFaults.AnswerAcceptedAsync(context, decision.Response, decision.Hold, 201, new Dictionary<string, string>(), new JsonObject
        {
            ["account_sid"] = pathSid,
            ["api_version"] = ApiVersion,
            ["body"] = text ?? "",
            ["date_created"] = created,
            ["date_sent"] = null,
            ["date_updated"] = created,
            ["direction"] = "outbound-api",
            ["error_code"] = null,
            ["error_message"] = null,
            ["from"] = from,
            ["messaging_service_sid"] = serviceSid,
            ["num_media"] = Param("MediaUrl") is null ? "0" : "1",
            ["num_segments"] = segments.ToString(CultureInfo.InvariantCulture),
            ["price"] = null,
            ["price_unit"] = "USD",
            ["sid"] = messageSid,
            ["status"] = from is null ? "accepted" : "queued",
            ["subresource_uris"] = new JsonObject { ["media"] = $"{uri}/Media.json" },
            ["to"] = to,
            ["uri"] = $"{uri}.json",
        }, TwilioError);
        if (answer != 201)
        {
            calls.Update(call.Id, c => c with { ResponseStatus = answer });
        }
    }

    private static Task TwilioError(HttpContext context, int status) => status switch
    {
        429 => ErrorAsync(context, 429, 20429, "Too Many Requests"),
        500 => ErrorAsync(context, 500, 20500, "Internal Server Error"),
        _ => ErrorAsync(context, 503, 20503, "Service Unavailable"),
    };

    /// <summary>Null when the Basic credentials are the sandbox account's and match the path's account; otherwise why not.</summary>
    private string? Authenticate(string authorization, string pathSid)
    {
        if (authorization.Length == 0)
        {
            return "The Authorization header is missing.";
        }
        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return "The Authorization scheme is not Basic.";
        }
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return "The Basic credentials are not base64.";
        }
        var colon = decoded.IndexOf(':');
        if (colon <= 0)
        {
            return "The Basic credentials are not user:password.";
        }
        var (user, password) = (decoded[..colon], decoded[(colon + 1)..]);
        if (!FixedTimeEquals(user, options.TwilioAccountSid) || !FixedTimeEquals(password, options.TwilioAuthToken))
        {
            return "The AccountSid or AuthToken is wrong.";
        }
        return user == pathSid ? null : "The URL's AccountSid is not the authenticated account.";
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static async Task JsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body.ToJsonString()), context.RequestAborted);
    }

    private static Task ErrorAsync(HttpContext context, int status, int code, string message) =>
        JsonAsync(context, status, new JsonObject
        {
            ["code"] = code,
            ["message"] = message,
            ["more_info"] = $"https://www.twilio.com/docs/errors/{code}",
            ["status"] = status,
        });

    [GeneratedRegex(@"^2010-04-01/Accounts/(?<sid>[^/]+)/Messages\.json$")]
    private static partial Regex MessagesPath();

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();
}
