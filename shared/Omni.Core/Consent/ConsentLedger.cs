using System.Globalization;
using Omni.Core.Contacts;

namespace Omni.Core.Consent;

/// <summary>
/// A contact's consent history and what it means now. Consent is law (TCPA/CTIA for SMS, GDPR/ePrivacy for email), so the
/// rules lean one way: an opt-out is sticky and only the contact's own later opt-in lifts it; nothing bypasses an opt-out.
/// </summary>
public sealed class ConsentLedger
{
    public const int MaxEvidenceLength = 2000;
    public const int MaxActorLength = 128;

    private readonly ConsentEvent[] _history;

    /// <param name="history">In any order; ordered internally by (<see cref="ConsentEvent.At"/>, <see cref="ConsentEvent.Id"/> ordinal).</param>
    public ConsentLedger(IEnumerable<ConsentEvent> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var events = history.ToArray();
        if (Array.IndexOf(events, null) >= 0)
        {
            throw new ArgumentException("A consent history must not contain null events.", nameof(history));
        }
        // OrderBy is stable: events equal in (At, Id) keep the order they were given in.
        _history = [.. events.OrderBy(e => e.At.UtcTicks).ThenBy(e => e.Id, StringComparer.Ordinal)];
        History = Array.AsReadOnly(_history);
    }

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<ConsentEvent> History { get; }

    /// <summary>
    /// Folds, oldest first, over the events covering (<paramref name="channel"/>, <paramref name="category"/>): an event's null
    /// channel or category covers every one. Opt-outs always apply; an opt-in over an opt-out applies only when it is the
    /// contact's own (<see cref="ConsentEvent.ByContact"/> and not an import).
    /// </summary>
    public ConsentDecision Current(Channel channel, string category)
    {
        ArgumentNullException.ThrowIfNull(category);
        var state = ConsentState.Unknown;
        ConsentEvent? decidedBy = null;
        string reason = $"No consent recorded for {category} on {channel.Name()}.";
        foreach (var e in _history)
        {
            if (!Covers(e, channel, category))
            {
                continue;
            }
            switch (e.State)
            {
                case ConsentState.OptedOut:
                    state = ConsentState.OptedOut;
                    decidedBy = e;
                    reason = $"Opted out {Describe(e)}.";
                    break;
                case ConsentState.OptedIn when state == ConsentState.OptedOut && !LiftsOptOut(e):
                    reason = $"Opted out {Describe(decidedBy!)}; a later opt-in {Describe(e)} was ignored: "
                        + "an opt-out is lifted only by the contact's own new opt-in.";
                    break;
                case ConsentState.OptedIn:
                    state = ConsentState.OptedIn;
                    decidedBy = e;
                    reason = $"Opted in {Describe(e)}.";
                    break;
                default:
                    // Unknown (or an undefined value) is never recorded; if one is there it changes nothing.
                    break;
            }
        }
        return new ConsentDecision(state, decidedBy, reason);
    }

    /// <summary>
    /// Opted out: never allowed, whatever the category (a legal opt-out is never bypassed, security included). Opted in: allowed.
    /// Unknown: transactional, security and support are implied by the relationship; marketing and custom categories need an opt-in.
    /// </summary>
    public ConsentVerdict Evaluate(Channel channel, string category)
    {
        var decision = Current(channel, category);
        return decision.State switch
        {
            ConsentState.OptedIn => new ConsentVerdict(true, decision.State, decision.Reason),
            ConsentState.OptedOut => new ConsentVerdict(false, decision.State,
                $"{decision.Reason} No {category} message may be sent on {channel.Name()}: an opt-out is never bypassed."),
            _ when ConsentCategories.IsImpliedByRelationship(category) => new ConsentVerdict(true, decision.State,
                $"{decision.Reason} {Capitalize(category)} messages are implied by the relationship with the contact."),
            _ => new ConsentVerdict(false, decision.State,
                $"{decision.Reason} {Capitalize(category)} messages need the contact's opt-in."),
        };
    }

    /// <summary>One status per (channel, category), channels outer and categories inner, in the order given, duplicates dropped.</summary>
    public IReadOnlyList<ConsentStatus> Snapshot(IEnumerable<Channel> channels, IEnumerable<string> categories)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(categories);
        var categoryList = categories.Distinct(StringComparer.Ordinal).ToList();
        var result = new List<ConsentStatus>();
        foreach (var channel in channels.Distinct())
        {
            foreach (var category in categoryList)
            {
                var decision = Current(channel, category);
                result.Add(new ConsentStatus(channel, category, decision.State, decision.DecidedBy, decision.Reason));
            }
        }
        return result.AsReadOnly();
    }

    /// <summary>
    /// Validates a new event before it is recorded. Errors are keyed by JSON field names: "channel", "category", "state",
    /// "source", "evidence", "actor", "byContact". <see cref="ConsentEvent.Id"/> and <see cref="ConsentEvent.At"/> are not checked.
    /// </summary>
    public static void Validate(ConsentEvent candidate, ValidationErrors errors)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(errors);

        if (candidate.Channel is { } channel && !Enum.IsDefined(channel))
        {
            errors.Add("channel", "Unknown channel: use sms, email, whatsapp, inapp, webhook or push, or leave it out for every channel.");
        }
        if (candidate.Category is not null && !ContactRules.IsValidCategory(candidate.Category, out var categoryError))
        {
            errors.Add("category", categoryError);
        }
        if (candidate.State is not (ConsentState.OptedIn or ConsentState.OptedOut))
        {
            errors.Add("state", "State must be opted-in or opted-out.");
        }
        var sourceKnown = Enum.IsDefined(candidate.Source);
        if (!sourceKnown)
        {
            errors.Add("source", "Source must be api, keyword, form or import.");
        }
        if (string.IsNullOrWhiteSpace(candidate.Evidence))
        {
            errors.Add("evidence", "Evidence is required: what proves the consent (the keyword message, the form and its wording, the import batch).");
        }
        else if (candidate.Evidence.Length > MaxEvidenceLength)
        {
            errors.Add("evidence", $"Evidence is at most {MaxEvidenceLength} characters.");
        }
        if (string.IsNullOrWhiteSpace(candidate.Actor))
        {
            errors.Add("actor", "Actor is required: who recorded the consent (an app id, \"contact\", \"import:batch-7\").");
        }
        else if (candidate.Actor.Length > MaxActorLength)
        {
            errors.Add("actor", $"Actor is at most {MaxActorLength} characters.");
        }
        else if (candidate.Actor.Any(char.IsControl))
        {
            errors.Add("actor", "Actor must not contain control characters.");
        }
        if (sourceKnown)
        {
            if (candidate.Source is ConsentSource.Keyword or ConsentSource.Form && !candidate.ByContact)
            {
                errors.Add("byContact", $"A {SourceName(candidate.Source)} consent is the contact's own action: byContact must be true.");
            }
            else if (candidate.Source == ConsentSource.Import && candidate.ByContact)
            {
                errors.Add("byContact", "An import is never the contact's own action: byContact must be false.");
            }
        }
    }

    private static bool Covers(ConsentEvent e, Channel channel, string category) =>
        (e.Channel is null || e.Channel == channel)
        // Categories are lower case by rule; matching ignores case so that a stray "Marketing" opt-out is never missed.
        && (e.Category is null || string.Equals(e.Category, category, StringComparison.OrdinalIgnoreCase));

    /// <summary>Only the contact's own opt-in lifts an opt-out; an import never is the contact's own, whatever it claims.</summary>
    private static bool LiftsOptOut(ConsentEvent e) => e.ByContact && e.Source != ConsentSource.Import;

    /// <summary>"by keyword on 2025-03-01T09:30:00Z (sms, all categories; event 42)": no evidence, actor or address.</summary>
    private static string Describe(ConsentEvent e)
    {
        var who = e.ByContact ? "by the contact" : "on the contact's behalf";
        var channel = e.Channel is { } c && Enum.IsDefined(c) ? c.Name() : e.Channel is null ? "all channels" : "unknown channel";
        var category = e.Category ?? "all categories";
        var id = e.Id.Length > 0 ? $"; event {e.Id}" : "";
        var at = e.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return $"{who} via {SourceName(e.Source)} on {at} ({channel}, {category}{id})";
    }

    private static string SourceName(ConsentSource source) => source switch
    {
        ConsentSource.Api => "api",
        ConsentSource.Keyword => "keyword",
        ConsentSource.Form => "form",
        ConsentSource.Import => "import",
        _ => "unknown source",
    };

    private static string Capitalize(string category) =>
        category.Length == 0 ? "Uncategorised" : char.ToUpperInvariant(category[0]) + category[1..];
}
