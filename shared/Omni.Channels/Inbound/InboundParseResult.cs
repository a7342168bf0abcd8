using Omni.Core.Messages;

namespace Omni.Channels.Inbound;

/// <summary>What became of one webhook request.</summary>
public enum InboundOutcome
{
    /// <summary>Verified and normalised: <see cref="InboundParseResult.Events"/> holds at least one event to enqueue.</summary>
    Accepted,

    /// <summary>Verified and well-formed, but nothing in it is an event Omni acts on (<see cref="InboundParseResult.Ignored"/> says why).</summary>
    Ignored,

    /// <summary>Missing or wrong signature, secret or token; or the signing key is not configured. Answer 401, enqueue nothing.</summary>
    Unauthorized,

    /// <summary>Authentic (or not checkable yet) but not the provider's format. Answer 400, enqueue nothing.</summary>
    Malformed,

    /// <summary>An Event Grid subscription validation: answer <c>{"validationResponse": code}</c> (<see cref="InboundParseResult.ValidationCode"/>).</summary>
    SubscriptionValidation,
}

/// <summary>
/// The result of verifying and parsing a provider webhook: events to enqueue or a reason they are not. Parsers return
/// this for every input and never throw for bad input. Reasons never quote addresses, message text or secrets.
/// </summary>
public sealed record InboundParseResult
{
    public required InboundOutcome Outcome { get; init; }

    /// <summary>The normalised events (de-duplicated on <see cref="InboundEvent.Id"/>, first wins); empty unless <see cref="InboundOutcome.Accepted"/>.</summary>
    public IReadOnlyList<InboundEvent> Events { get; init; } = [];

    /// <summary>One reason per item of the request that was skipped (unsupported event type or status); safe to log.</summary>
    public IReadOnlyList<string> Ignored { get; init; } = [];

    /// <summary>Why the request was refused (Unauthorized, Malformed); safe to log and to put in a problem answer.</summary>
    public string? Reason { get; init; }

    /// <summary>The Event Grid validation code to echo back.</summary>
    public string? ValidationCode { get; init; }

    public static InboundParseResult Unauthorized(string reason) => new() { Outcome = InboundOutcome.Unauthorized, Reason = reason };

    public static InboundParseResult Malformed(string reason) => new() { Outcome = InboundOutcome.Malformed, Reason = reason };

    public static InboundParseResult Validation(string code) => new() { Outcome = InboundOutcome.SubscriptionValidation, ValidationCode = code };

    /// <summary>Accepted when any event survived, else Ignored (with a reason even for an empty request).</summary>
    public static InboundParseResult From(IEnumerable<InboundEvent> events, IReadOnlyList<string> ignored)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unique = events.Where(e => seen.Add(e.Id)).ToList();
        if (unique.Count > 0)
        {
            return new() { Outcome = InboundOutcome.Accepted, Events = unique, Ignored = ignored };
        }
        return new() { Outcome = InboundOutcome.Ignored, Ignored = ignored.Count > 0 ? ignored : ["the request holds no events"] };
    }
}
