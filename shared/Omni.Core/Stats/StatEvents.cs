using Omni.Core.Contacts;
using Omni.Core.Messages;
using Omni.Core.Routing;

namespace Omni.Core.Stats;

/// <summary>
/// Builds the stat events of the outbound and inbound paths from the state they just wrote (pure). Keys are derived from
/// the message id and step (or the inbound event id) so that re-running a step records the same rows again.
/// </summary>
public static class StatEvents
{
    /// <summary>A provider accepted step <paramref name="step"/>: <c>{id}:{step}:sent</c> with provider, cost, currency, segments.</summary>
    public static IReadOnlyList<StatEvent> Sent(MessageRecord record, int step, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.AttemptFor(step) is not { Provider: not null } attempt)
        {
            return [];
        }
        return [ForAttempt(record.Id, attempt, StatKind.Sent, at) with { Cost = attempt.Cost, Currency = attempt.Currency, Segments = attempt.Segments }];
    }

    /// <summary>Step <paramref name="step"/> failed at send (the provider refused it): <c>{id}:{step}:failed</c>.</summary>
    public static IReadOnlyList<StatEvent> Failed(MessageRecord record, int step, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.AttemptFor(step) is { } attempt ? [ForAttempt(record.Id, attempt, StatKind.Failed, at)] : [];
    }

    /// <summary>
    /// A delivery or engagement report moved (or did not move) an attempt; <paramref name="record"/> is the record after
    /// the change, or null when the report changed nothing. Delivered → <c>delivered</c> with the latency from the attempt's
    /// start; read → <c>read</c> (and <c>delivered</c> when no delivery was reported before); failed/expired → <c>failed</c>.
    /// An engagement of type <c>click</c> records <c>clicked</c> even when the attempt was already read.
    /// </summary>
    public static IReadOnlyList<StatEvent> Report(string messageId, int step, InboundEvent report, MessageRecord? record, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(report);
        var at = report.OccurredAt == default ? now : report.OccurredAt;
        var events = new List<StatEvent>();
        if (report.Kind == InboundEventKind.Engagement && string.Equals(report.Engagement, "click", StringComparison.OrdinalIgnoreCase))
        {
            events.Add(new StatEvent
            {
                Key = $"{messageId}:{step}:clicked", At = at, Kind = StatKind.Clicked, Channel = report.Channel,
                Provider = report.Provider, Attempt = AttemptId(messageId, step),
            });
        }
        if (record?.AttemptFor(step) is not { } attempt)
        {
            return events;
        }
        switch (attempt.Status)
        {
            case AttemptStatus.Delivered:
                events.Add(Delivered(record.Id, attempt, at));
                break;
            case AttemptStatus.Read:
                if (!attempt.History.Any(h => h.Status == AttemptStatus.Delivered))
                {
                    events.Add(Delivered(record.Id, attempt, at)); // read implies delivered; no separate receipt came first
                }
                events.Add(ForAttempt(record.Id, attempt, StatKind.Read, at));
                break;
            case AttemptStatus.Failed or AttemptStatus.Expired:
                events.Add(ForAttempt(record.Id, attempt, StatKind.Failed, at));
                break;
        }
        return events;
    }

    /// <summary>The plan moved on from the failed step <paramref name="failedStep"/>: <c>{id}:{step}:fallback</c>.</summary>
    public static IReadOnlyList<StatEvent> Fallback(MessageRecord record, int failedStep, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.AttemptFor(failedStep) is { } attempt ? [ForAttempt(record.Id, attempt, StatKind.Fallback, at)] : [];
    }

    /// <summary>Step <paramref name="step"/> escalated to the next one: <c>{id}:{step}:escalated</c>.</summary>
    public static IReadOnlyList<StatEvent> Escalated(MessageRecord record, int step, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.AttemptFor(step) is { } attempt ? [ForAttempt(record.Id, attempt, StatKind.Escalated, at)] : [];
    }

    /// <summary>
    /// The message ended <c>undeliverable</c> or <c>expired</c> after its attempts (<c>{id}:undeliverable</c> /
    /// <c>{id}:expired</c>, one per message), on the channel of its last attempt; nothing for any other status.
    /// </summary>
    public static IReadOnlyList<StatEvent> Outcome(MessageRecord? record, DateTimeOffset at)
    {
        if (record is null)
        {
            return [];
        }
        var kind = record.Status switch
        {
            MessageStatus.Undeliverable => StatKind.Undeliverable,
            MessageStatus.Expired => StatKind.Expired,
            _ => (StatKind?)null,
        };
        if (kind is not { } k)
        {
            return [];
        }
        var last = record.Attempts.Count > 0 ? record.Attempts[^1] : null;
        return [new StatEvent { Key = $"{record.Id}:{k.Name()}", At = at, Kind = k, Channel = last?.Channel, Provider = last?.Provider }];
    }

    /// <summary>Prefix of the routing trace line that says a channel was removed by consent ("sms: consent refused: …").</summary>
    public const string ConsentRefusedMarker = ": consent refused";

    /// <summary>Prefix of the routing trace line of a quiet-hours deferral ("Inside quiet hours … : deferred until …").</summary>
    public const string QuietHoursMarker = "Inside quiet hours";

    /// <summary>
    /// A routing decision: one <c>suppressed-consent</c> per channel the trace says consent removed
    /// (<c>{id}:suppressed-consent:{channel}</c>), and one event per message for the outcomes undeliverable, capped,
    /// expired, and a deferral for quiet hours (<c>suppressed-quiet-hours</c>; a deferral for send-at is not counted).
    /// Routing outcomes carry no channel. A message decided again (after a deferral) records the same keys again.
    /// </summary>
    public static IReadOnlyList<StatEvent> Routing(string messageId, RoutingDecision decision, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var events = new List<StatEvent>();
        foreach (var line in decision.Trace)
        {
            var marker = line.IndexOf(ConsentRefusedMarker, StringComparison.Ordinal);
            if (marker > 0 && Channels.TryParse(line[..marker], out var channel))
            {
                events.Add(new StatEvent
                {
                    Key = $"{messageId}:{StatKind.SuppressedConsent.Name()}:{channel.Name()}", At = at,
                    Kind = StatKind.SuppressedConsent, Channel = channel,
                });
            }
        }
        StatKind? outcome = decision.Outcome switch
        {
            RoutingOutcome.Undeliverable => StatKind.Undeliverable,
            RoutingOutcome.Capped => StatKind.Capped,
            RoutingOutcome.Expired => StatKind.Expired,
            RoutingOutcome.Deferred when decision.Trace.Any(l => l.StartsWith(QuietHoursMarker, StringComparison.Ordinal) && l.Contains("deferred until", StringComparison.Ordinal))
                => StatKind.SuppressedQuietHours,
            _ => null,
        };
        if (outcome is { } kind)
        {
            events.Add(new StatEvent { Key = $"{messageId}:{kind.Name()}", At = at, Kind = kind });
        }
        return events;
    }

    /// <summary>An inbound reply: <c>{eventId}:reply</c>, with the response time when the reply threads to one of our messages.</summary>
    public static StatEvent Reply(string inboundEventId, Channel channel, string provider, DateTimeOffset at, TimeSpan? responseTime) => new()
    {
        Key = $"{inboundEventId}:reply", At = at, Kind = StatKind.Reply, Channel = channel, Provider = provider,
        ResponseMs = responseTime is { } r && r >= TimeSpan.Zero ? (long)r.TotalMilliseconds : null,
    };

    /// <summary>A rating (see <see cref="CsatClassifier"/>): <c>{eventId}:csat</c> with the score.</summary>
    public static StatEvent Csat(string inboundEventId, Channel channel, string provider, DateTimeOffset at, int score)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(score, CsatClassifier.MinScore);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(score, CsatClassifier.MaxScore);
        return new StatEvent { Key = $"{inboundEventId}:csat", At = at, Kind = StatKind.Csat, Channel = channel, Provider = provider, Score = score };
    }

    /// <summary><c>{messageId}:{step}</c>.</summary>
    public static string AttemptId(string messageId, int step) => $"{messageId}:{step}";

    private static StatEvent Delivered(string messageId, MessageAttempt attempt, DateTimeOffset at) =>
        ForAttempt(messageId, attempt, StatKind.Delivered, at) with
        {
            LatencyMs = attempt.StartedAt == default ? null : Math.Max(0, (long)(at - attempt.StartedAt).TotalMilliseconds),
        };

    private static StatEvent ForAttempt(string messageId, MessageAttempt attempt, StatKind kind, DateTimeOffset at) => new()
    {
        Key = $"{messageId}:{attempt.Step}:{kind.Name()}",
        At = at,
        Kind = kind,
        Channel = attempt.Channel,
        Provider = attempt.Provider,
        Attempt = AttemptId(messageId, attempt.Step),
    };
}
