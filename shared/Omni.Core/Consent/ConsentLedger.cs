using System.Globalization;
using System.Runtime.CompilerServices;
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
        var fold = Fold(channel, category);
        var text = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture);
        fold.AppendReason(ref text, channel, category);
        return new ConsentDecision(fold.State, fold.DecidedBy, text.ToStringAndClear());
    }

    /// <summary>
    /// Opted out: never allowed, whatever the category (a legal opt-out is never bypassed, security included). Opted in: allowed.
    /// Unknown: transactional, security and support are implied by the relationship; marketing and custom categories need an opt-in.
    /// </summary>
    public ConsentVerdict Evaluate(Channel channel, string category)
    {
        var fold = Fold(channel, category);
        var text = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture);
        fold.AppendVerdictReason(ref text, channel, category);
        return new ConsentVerdict(fold.IsAllowed(category), fold.State, text.ToStringAndClear());
    }

    /// <summary>
    /// The fold behind <see cref="Current"/> and <see cref="Evaluate"/> without any text: the routing policy asks this for
    /// every candidate channel and renders a reason only for a refusal (<see cref="ConsentFold.AppendVerdictReason"/>).
    /// </summary>
    internal ConsentFold Fold(Channel channel, string category)
    {
        ArgumentNullException.ThrowIfNull(category);
        var state = ConsentState.Unknown;
        ConsentEvent? decidedBy = null;
        ConsentEvent? ignoredOptIn = null;
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
                    ignoredOptIn = null;
                    break;
                case ConsentState.OptedIn when state == ConsentState.OptedOut && !LiftsOptOut(e):
                    // The latest ignored opt-in is the one the reason names.
                    ignoredOptIn = e;
                    break;
                case ConsentState.OptedIn:
                    state = ConsentState.OptedIn;
                    decidedBy = e;
                    ignoredOptIn = null;
                    break;
                default:
                    // Unknown (or an undefined value) is never recorded; if one is there it changes nothing.
                    break;
            }
        }
        return new ConsentFold(state, decidedBy, ignoredOptIn);
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

    /// <summary>
    /// The state a fold reached, the event that decided it and, while opted out, the latest opt-in that was not allowed to lift
    /// the opt-out. Its reasons are rendered into a caller's string handler so that a caller building a longer line (the
    /// routing trace) allocates only that line.
    /// </summary>
    internal readonly struct ConsentFold(ConsentState state, ConsentEvent? decidedBy, ConsentEvent? ignoredOptIn)
    {
        public ConsentState State { get; } = state;

        public ConsentEvent? DecidedBy { get; } = decidedBy;

        /// <summary>The verdict's rule: opted in → allowed, opted out → refused, unknown → implied categories only.</summary>
        public bool IsAllowed(string category) => State switch
        {
            ConsentState.OptedIn => true,
            ConsentState.OptedOut => false,
            _ => ConsentCategories.IsImpliedByRelationship(category),
        };

        /// <summary>Appends <see cref="ConsentDecision.Reason"/> as <see cref="Current"/> gives it.</summary>
        public void AppendReason(ref DefaultInterpolatedStringHandler text, Channel channel, string category)
        {
            if (DecidedBy is null)
            {
                text.AppendLiteral("No consent recorded for ");
                text.AppendFormatted(category);
                text.AppendLiteral(" on ");
                text.AppendFormatted(channel.Name());
                text.AppendLiteral(".");
            }
            else if (State == ConsentState.OptedOut)
            {
                text.AppendLiteral("Opted out ");
                AppendDescription(ref text, DecidedBy);
                if (ignoredOptIn is not null)
                {
                    text.AppendLiteral("; a later opt-in ");
                    AppendDescription(ref text, ignoredOptIn);
                    text.AppendLiteral(" was ignored: an opt-out is lifted only by the contact's own new opt-in.");
                }
                else
                {
                    text.AppendLiteral(".");
                }
            }
            else
            {
                text.AppendLiteral("Opted in ");
                AppendDescription(ref text, DecidedBy);
                text.AppendLiteral(".");
            }
        }

        /// <summary>Appends <see cref="ConsentVerdict.Reason"/> as <see cref="Evaluate"/> gives it.</summary>
        public void AppendVerdictReason(ref DefaultInterpolatedStringHandler text, Channel channel, string category)
        {
            AppendReason(ref text, channel, category);
            switch (State)
            {
                case ConsentState.OptedIn:
                    break;
                case ConsentState.OptedOut:
                    text.AppendLiteral(" No ");
                    text.AppendFormatted(category);
                    text.AppendLiteral(" message may be sent on ");
                    text.AppendFormatted(channel.Name());
                    text.AppendLiteral(": an opt-out is never bypassed.");
                    break;
                default:
                    text.AppendLiteral(" ");
                    AppendCapitalized(ref text, category);
                    text.AppendLiteral(ConsentCategories.IsImpliedByRelationship(category)
                        ? " messages are implied by the relationship with the contact."
                        : " messages need the contact's opt-in.");
                    break;
            }
        }
    }

    /// <summary>"by keyword on 2025-03-01T09:30:00Z (sms, all categories; event 42)": no evidence, actor or address.</summary>
    private static void AppendDescription(ref DefaultInterpolatedStringHandler text, ConsentEvent e)
    {
        text.AppendLiteral(e.ByContact ? "by the contact" : "on the contact's behalf");
        text.AppendLiteral(" via ");
        text.AppendLiteral(SourceName(e.Source));
        text.AppendLiteral(" on ");
        // "yyyy-MM-dd'T'HH:mm:ss'Z'": the sortable "s" pattern plus "Z", several times faster than the same custom pattern.
        text.AppendFormatted(e.At.UtcDateTime, "s");
        text.AppendLiteral("Z");
        text.AppendLiteral(" (");
        text.AppendFormatted(e.Channel is { } c && Enum.IsDefined(c) ? c.Name() : e.Channel is null ? "all channels" : "unknown channel");
        text.AppendLiteral(", ");
        text.AppendFormatted(e.Category ?? "all categories");
        if (e.Id.Length > 0)
        {
            text.AppendLiteral("; event ");
            text.AppendFormatted(e.Id);
        }
        text.AppendLiteral(")");
    }

    private static string SourceName(ConsentSource source) => source switch
    {
        ConsentSource.Api => "api",
        ConsentSource.Keyword => "keyword",
        ConsentSource.Form => "form",
        ConsentSource.Import => "import",
        _ => "unknown source",
    };

    /// <summary>The category with its first letter in upper case; "Uncategorised" for an empty one.</summary>
    private static void AppendCapitalized(ref DefaultInterpolatedStringHandler text, string category)
    {
        if (category.Length == 0)
        {
            text.AppendLiteral("Uncategorised");
            return;
        }
        var first = char.ToUpperInvariant(category[0]);
        text.AppendFormatted(new ReadOnlySpan<char>(in first));
        text.AppendFormatted(category.AsSpan(1));
    }
}
