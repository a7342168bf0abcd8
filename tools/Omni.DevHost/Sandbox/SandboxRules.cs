using System.Text.Json;
using System.Text.Json.Serialization;

namespace Omni.DevHost.Sandbox;

/// <summary>How a sandbox provider answers a send.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SandboxResponse>))]
public enum SandboxResponse
{
    /// <summary>Accepted (ACS 202, Twilio 201).</summary>
    Ok,

    /// <summary>Whole request 503, as when the provider is unavailable: clients retry.</summary>
    Transient,

    /// <summary>
    /// The recipient refused for good, for the reason in <see cref="SandboxRule.Permanent"/>: ACS SMS a per-recipient 400
    /// inside the 202, ACS Email/Messages 400 <c>InvalidRecipient</c>, Twilio a 400 with the reason's error code.
    /// </summary>
    Permanent,

    /// <summary>Whole request 429 with <c>Retry-After</c> (<see cref="SandboxRule.RetryAfterSeconds"/>): ACS <c>TooManyRequests</c>, Twilio 20429. Not accepted.</summary>
    Throttled,

    /// <summary>Whole request 500 (ACS <c>InternalServerError</c>, Twilio 20500); with <see cref="SandboxRule.Accept"/> the send was accepted first.</summary>
    Error,

    /// <summary>
    /// The answer is held for <see cref="SandboxRule.HoldMs"/> (past the client's timeout) and then given, if the client
    /// is still there. Accepted unless <see cref="SandboxRule.Accept"/> is false: the ambiguous case real providers produce.
    /// </summary>
    Timeout,

    /// <summary>The connection is aborted without an answer; with <see cref="SandboxRule.Accept"/> the send was accepted first.</summary>
    Drop,

    /// <summary>The success status with a malformed body (the success JSON cut in half). Always accepted.</summary>
    Malformed,
}

/// <summary>Why a <see cref="SandboxResponse.Permanent"/> refusal refuses a (well-formed) number, worded as each provider does.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SandboxPermanentReason>))]
public enum SandboxPermanentReason
{
    /// <summary>The default. ACS SMS: "Unreachable destination handset."; Twilio 21614 (not a mobile number).</summary>
    Unreachable,

    /// <summary>The recipient opted out at the carrier. ACS SMS: "Sender blocked for given recipient."; Twilio 21610.</summary>
    Unsubscribed,

    /// <summary>The number is not one. ACS SMS: "Invalid To phone number format."; Twilio 21211.</summary>
    Invalid,
}

/// <summary>Which delivery reports an accepted send gets, and in what order (see <see cref="SandboxRule.ReportOrder"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SandboxReportOrder>))]
public enum SandboxReportOrder
{
    /// <summary>Only the final status (the default).</summary>
    Final,

    /// <summary>Every status the provider reports, in order (ACS WhatsApp <c>Sent</c>, <c>Delivered</c>, <c>Read</c>; Twilio <c>sent</c>, then the final one).</summary>
    InOrder,

    /// <summary>The same statuses, last first: every earlier status arrives stale, after the final one.</summary>
    Reversed,
}

/// <summary>The delivery report an accepted send gets.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SandboxReport>))]
public enum SandboxReport
{
    Delivered,
    Failed,
    None,

    /// <summary>ACS WhatsApp: delivered, then read (reported as <c>Read</c> after <c>Delivered</c>); other channels: delivered.</summary>
    Read,
}

/// <summary>
/// One behaviour rule. Unset matchers match anything; the first matching rule decides, and what it leaves unset
/// takes the default (ok, report delivered after 500 ms).
/// </summary>
public sealed record SandboxRule
{
    /// <summary><c>acs</c> or <c>twilio</c>; null matches both.</summary>
    public string? Provider { get; init; }

    /// <summary><c>sms</c>, <c>email</c> or <c>whatsapp</c>; null matches all.</summary>
    public string? Channel { get; init; }

    /// <summary>
    /// The recipient (<c>+14255550123</c>, <c>jane@example.com</c>, a WhatsApp id); null matches all. Phone numbers
    /// match in E.164 whatever their formatting (digits without '+' are the international number, as ACS WhatsApp
    /// writes it); one in national format (a leading 0) is refused.
    /// </summary>
    public string? To { get; init; }

    public SandboxResponse? Response { get; init; }

    /// <summary>Why a <see cref="SandboxResponse.Permanent"/> response refuses the number (default <see cref="SandboxPermanentReason.Unreachable"/>).</summary>
    public SandboxPermanentReason? Permanent { get; init; }

    /// <summary>
    /// 0..1: the probability that a matching send fails, drawn from a random generator seeded with <see cref="Seed"/>
    /// (so a sequence of sends is reproducible). A failure is <see cref="Response"/> when that is a failure, otherwise
    /// <see cref="SandboxResponse.Transient"/>; the other sends are ok.
    /// </summary>
    public double? FailureRate { get; init; }

    /// <summary>The seed of <see cref="FailureRate"/>'s generator (default 0); it restarts whenever the rules are replaced.</summary>
    public int? Seed { get; init; }

    /// <summary>How long the provider takes to answer.</summary>
    public int? LatencyMs { get; init; }

    public SandboxReport? Report { get; init; }

    /// <summary>How long after an accepted send its delivery report is posted (default 500).</summary>
    public int? ReportDelayMs { get; init; }

    /// <summary>The <c>Retry-After</c> seconds of a <see cref="SandboxResponse.Throttled"/> answer (default 1).</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>How long a <see cref="SandboxResponse.Timeout"/> answer is held (default 35000: past the 30 s of Omni's ACS SMS and Twilio clients).</summary>
    public int? HoldMs { get; init; }

    /// <summary>
    /// Whether the send is accepted (will be delivered and reported) before the fault: allowed for <c>timeout</c>
    /// (default true), <c>drop</c> and <c>error</c> (default false); <c>malformed</c> is always accepted, the refusals never.
    /// </summary>
    public bool? Accept { get; init; }

    /// <summary>Post every delivery report twice (the copy a separate post with its own event id, after the original).</summary>
    public bool? DuplicateReports { get; init; }

    /// <summary>Which statuses are reported and in what order (default <see cref="SandboxReportOrder.Final"/>).</summary>
    public SandboxReportOrder? ReportOrder { get; init; }
}

/// <summary>What the sandbox does with one recipient of one send.</summary>
/// <param name="Rule">The index of the rule that decided, null for the defaults.</param>
/// <param name="Accepted">Whether the provider takes the send for delivery (<see cref="SandboxResponse.Ok"/>, or a fault after accepting).</param>
public sealed record SandboxDecision(SandboxResponse Response, TimeSpan Latency, SandboxReport Report, TimeSpan ReportDelay, int? Rule,
    bool Accepted = true, TimeSpan RetryAfter = default, TimeSpan Hold = default, bool DuplicateReports = false,
    SandboxReportOrder ReportOrder = SandboxReportOrder.Final, SandboxPermanentReason Permanent = SandboxPermanentReason.Unreachable)
{
    /// <summary>The fault's wire name (<c>throttled</c>, <c>timeout</c>, …), null for <c>ok</c> and <c>permanent</c>.</summary>
    public string? Fault => Response is SandboxResponse.Ok or SandboxResponse.Permanent ? null : Response.ToString().ToLowerInvariant();

    /// <summary>True for faults that refuse the whole request before anything is accepted.</summary>
    public bool RefusesRequest => !Accepted && Response is not (SandboxResponse.Ok or SandboxResponse.Permanent);
}

/// <summary>The ordered rules, replaced as a whole; evaluation is thread-safe.</summary>
public sealed class SandboxRules
{
    public static readonly TimeSpan DefaultReportDelay = TimeSpan.FromMilliseconds(500);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    private readonly Lock _lock = new();
    private (SandboxRule Rule, Random Random)[] _rules = [];

    public IReadOnlyList<SandboxRule> Current
    {
        get
        {
            lock (_lock)
            {
                return _rules.Select(r => r.Rule).ToList();
            }
        }
    }

    /// <summary>The rule fields as written in JSON, for the error that names an unknown one.</summary>
    public static IReadOnlyList<string> FieldNames { get; } = Json.GetTypeInfo(typeof(SandboxRule)).Properties.Select(p => p.Name).ToArray();

    /// <summary>
    /// Null when every object in the <paramref name="rules"/> array has only rule fields; otherwise the error naming the
    /// first unknown one and the allowed ones. A typo such as <c>respons</c> would otherwise be dropped and the rule match
    /// every send with the defaults.
    /// </summary>
    public static string? UnknownField(JsonElement rules)
    {
        if (rules.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        var index = 0;
        foreach (var rule in rules.EnumerateArray())
        {
            if (rule.ValueKind == JsonValueKind.Object &&
                rule.EnumerateObject().Select(p => p.Name).FirstOrDefault(name => !FieldNames.Contains(name, StringComparer.OrdinalIgnoreCase)) is { } unknown)
            {
                return $"Rule {index}: unknown field '{unknown}'; the fields are {string.Join(", ", FieldNames)}.";
            }
            index++;
        }
        return null;
    }

    /// <summary>Replaces the rules after checking them; a rule's <c>to</c> is kept in the form sends are matched in.</summary>
    /// <exception cref="ArgumentException">A rule is invalid; the message says which and why.</exception>
    public void Replace(IReadOnlyList<SandboxRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var normalized = new SandboxRule[rules.Count];
        for (var i = 0; i < rules.Count; i++)
        {
            var toProblem = NormalizeRuleTo(rules[i].To, out var to);
            if ((Validate(rules[i]) ?? toProblem) is { } problem)
            {
                throw new ArgumentException($"Rule {i}: {problem}");
            }
            normalized[i] = rules[i] with { To = to };
        }
        lock (_lock)
        {
            _rules = normalized.Select(r => (r, new Random(r.Seed ?? 0))).ToArray();
        }
    }

    /// <summary>
    /// A rule's <c>to</c> in the form sends are matched in (<see cref="MatchKey"/>), or why it could never match: a phone
    /// number in national format (a leading 0), which Omni never sends. Digits without '+' are taken as the international
    /// number, as ACS WhatsApp writes it.
    /// </summary>
    internal static string? NormalizeRuleTo(string? to, out string? key)
    {
        key = to is null ? null : MatchKey(to);
        if (to is not null && PhoneDigits(to, out var international) is { } digits && !international && digits.StartsWith('0'))
        {
            return $"to '{to}' is a phone number in national format: Omni sends E.164 ('+', country code, number, e.g. " +
                "'+447400123456'), so this rule would never match.";
        }
        return null;
    }

    /// <summary>
    /// A recipient as Omni writes addresses: a phone number in E.164 (formatting and a <c>whatsapp:</c> prefix dropped,
    /// the <c>+</c> that ACS WhatsApp sends without put back), an email with its domain lower-cased; anything else as is.
    /// </summary>
    internal static string MatchKey(string address)
    {
        var trimmed = address.Trim();
        if (trimmed.IndexOf('@') is var at and > 0)
        {
            return trimmed[..at] + trimmed[at..].ToLowerInvariant();
        }
        return PhoneDigits(trimmed, out _) is { } digits ? "+" + digits : trimmed;
    }

    /// <summary>The digits of a phone number (7 to 15, after '+' or '00' when <paramref name="international"/>), or null when it is not one.</summary>
    private static string? PhoneDigits(string text, out bool international)
    {
        var compact = new string(text.Trim().Where(c => c is not (' ' or '-' or '.' or '(' or ')')).ToArray());
        if (compact.StartsWith("whatsapp:", StringComparison.OrdinalIgnoreCase))
        {
            compact = compact["whatsapp:".Length..];
        }
        international = compact.StartsWith('+') || compact.StartsWith("00", StringComparison.Ordinal);
        var digits = compact.StartsWith('+') ? compact[1..] : compact.StartsWith("00", StringComparison.Ordinal) ? compact[2..] : compact;
        return digits.Length is >= 7 and <= 15 && digits.All(char.IsAsciiDigit) ? digits : null;
    }

    /// <summary>Decides one recipient's outcome; a draw is consumed only from the deciding rule's generator.</summary>
    public SandboxDecision Evaluate(string provider, string channel, string to)
    {
        var key = MatchKey(to);
        lock (_lock)
        {
            for (var i = 0; i < _rules.Length; i++)
            {
                var (rule, random) = _rules[i];
                if (!Matches(rule.Provider, provider) || !Matches(rule.Channel, channel) || (rule.To is not null && rule.To != key))
                {
                    continue;
                }
                var response = rule.Response ?? SandboxResponse.Ok;
                if (rule.FailureRate is { } rate)
                {
                    var failed = random.NextDouble() < rate;
                    response = !failed ? SandboxResponse.Ok : response == SandboxResponse.Ok ? SandboxResponse.Transient : response;
                }
                var accepted = response switch
                {
                    SandboxResponse.Ok or SandboxResponse.Malformed => true,
                    SandboxResponse.Timeout => rule.Accept ?? true,
                    SandboxResponse.Drop or SandboxResponse.Error => rule.Accept ?? false,
                    _ => false,
                };
                return new SandboxDecision(
                    response,
                    TimeSpan.FromMilliseconds(rule.LatencyMs ?? 0),
                    accepted ? rule.Report ?? SandboxReport.Delivered : SandboxReport.None,
                    rule.ReportDelayMs is { } delay ? TimeSpan.FromMilliseconds(delay) : DefaultReportDelay,
                    i,
                    accepted,
                    TimeSpan.FromSeconds(rule.RetryAfterSeconds ?? 1),
                    TimeSpan.FromMilliseconds(rule.HoldMs ?? 35_000),
                    rule.DuplicateReports ?? false,
                    rule.ReportOrder ?? SandboxReportOrder.Final,
                    rule.Permanent ?? SandboxPermanentReason.Unreachable);
            }
        }
        return new SandboxDecision(SandboxResponse.Ok, TimeSpan.Zero, SandboxReport.Delivered, DefaultReportDelay, null);
    }

    private static bool Matches(string? wanted, string actual) => wanted is null || string.Equals(wanted, actual, StringComparison.OrdinalIgnoreCase);

    private static string? Validate(SandboxRule rule) => rule switch
    {
        { Provider: { } p } when p.ToLowerInvariant() is not ("acs" or "twilio") => $"provider must be 'acs' or 'twilio', not '{p}'.",
        { Channel: { } c } when c.ToLowerInvariant() is not ("sms" or "email" or "whatsapp") => $"channel must be 'sms', 'email' or 'whatsapp', not '{c}'.",
        { To: "" } => "to must not be empty (leave it out to match every recipient).",
        { FailureRate: { } f } when double.IsNaN(f) || f < 0 || f > 1 => "failureRate must be between 0 and 1.",
        { LatencyMs: < 0 or > 120_000 } => "latencyMs must be between 0 and 120000.",
        { ReportDelayMs: < 0 or > 3_600_000 } => "reportDelayMs must be between 0 and 3600000.",
        { RetryAfterSeconds: < 0 or > 3600 } => "retryAfterSeconds must be between 0 and 3600.",
        { HoldMs: < 0 or > 120_000 } => "holdMs must be between 0 and 120000.",
        { Permanent: not null, Response: not SandboxResponse.Permanent } => "permanent (the reason) applies only to response 'permanent'.",
        { Accept: false, Response: SandboxResponse.Malformed } => "accept cannot be false for response 'malformed': a 2xx means accepted.",
        { Accept: true, Response: null or SandboxResponse.Ok or SandboxResponse.Transient or SandboxResponse.Permanent or SandboxResponse.Throttled } =>
            "accept applies only to responses 'timeout', 'drop' and 'error'.",
        _ => null,
    };
}
