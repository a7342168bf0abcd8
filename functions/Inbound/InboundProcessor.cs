using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Omni.Azure.ServiceBus;
using Omni.Channels.Inbound;
using Omni.Core.Consent;
using Omni.Core.Contacts;
using Omni.Core.Inbound;
using Omni.Core.Messages;
using Omni.Core.Stats;
using Omni.Functions.Messages;
using Omni.Core;

namespace Omni.Functions.Inbound;

/// <summary>What ProcessInbound learned about an event: the contact and our message it concerns, when known.</summary>
public sealed record InboundOutcome(string? ContactId, string? MessageId);

/// <summary>
/// ProcessInbound for inbound messages (kind <c>message</c>): finds (or creates, anonymously) the contact by the sender's
/// address, appends the message to the contact's timeline, threads it to our last message on that channel (RepliedAt,
/// response time), acts on STOP/START/HELP (consent event + compliance answer) and publishes app events.
/// Every step is idempotent on the event id, so a redelivered event changes nothing a second time. See docs/inbound.md.
/// Addresses and text are never logged.
/// </summary>
public sealed class InboundProcessor(
    IContactStore contacts,
    IMessageStore messages,
    ITimelineStore timeline,
    IInboundEventLog events,
    OutboundPipeline pipeline,
    InboundSettings settings,
    ServiceBusClient serviceBus,
    IStatsRecorder stats,
    TimeProvider clock,
    ILogger<InboundProcessor> logger)
{
    /// <summary>The queue SendAppEvent consumes (infra/queues.json).</summary>
    public const string AppEventsQueue = "app-events";

    /// <summary>Tag of the contacts this path creates for unknown senders.</summary>
    public const string AnonymousTag = "anonymous";

    private const int ContactAttempts = 4;

    /// <summary>The id of the anonymous contact for an unknown sender: "anon-" + 32 hex of SHA-256("{channel}|{address}").</summary>
    public static string AnonymousContactId(Channel channel, string normalizedAddress) =>
        "anon-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(channel.Name() + "|" + normalizedAddress)))[..32];

    /// <summary>Keywords apply to the channels where carriers and Meta expect them.</summary>
    public static bool KeywordsApply(Channel channel) => channel is Channel.Sms or Channel.WhatsApp;

    public async Task<InboundOutcome> ProcessMessageAsync(InboundEvent inbound, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        if (inbound.Kind != InboundEventKind.Message)
        {
            logger.LogInformation("Inbound {Kind} event {EventId} from {Provider} ignored.", inbound.Kind, inbound.Id, inbound.Provider);
            return new InboundOutcome(null, null);
        }
        if (!AddressNormalizer.TryNormalize(inbound.Channel, inbound.From, null, out var address, out _))
        {
            logger.LogWarning("Inbound message {EventId} from {Provider} has no usable sender address on {Channel}; ignored.", inbound.Id, inbound.Provider, inbound.Channel.Name());
            return new InboundOutcome(null, null);
        }

        var now = clock.GetUtcNow();
        var at = inbound.OccurredAt != default ? inbound.OccurredAt : inbound.ReceivedAt != default ? inbound.ReceivedAt : now;
        var contact = await ResolveContactAsync(inbound, address, cancellationToken);
        if (contact.Addresses.TryGetValue(inbound.Channel, out var own) && own.IsSuppressed &&
            await contacts.SetSuppressionAsync(contact.Id, inbound.Channel, address, null, cancellationToken))
        {
            // A message from the address shows it reaches the contact: whatever suppressed it no longer holds.
            logger.LogInformation("Inbound message {EventId}: the contact's {Channel} address is no longer suppressed.", inbound.Id, inbound.Channel.Name());
        }
        var profile = settings.Keywords.For(inbound.To);
        var keyword = KeywordsApply(inbound.Channel) ? InboundKeywords.Classify(inbound.Text, profile) : KeywordMatch.None;

        // The stored row wins on a redelivery: threading is decided once (a later outbound, e.g. our own answer, must not re-thread it).
        var entry = await timeline.FindInboundAsync(contact.Id, inbound.Id, at, cancellationToken);
        if (entry is null)
        {
            var (responseTo, responseTime) = await ThreadAsync(contact.Id, inbound.Channel, at, cancellationToken);
            (entry, _) = await timeline.AppendInboundAsync(new InboundTimelineEntry
            {
                ContactId = contact.Id,
                EventId = inbound.Id,
                Channel = inbound.Channel,
                Provider = inbound.Provider,
                ProviderMessageId = inbound.ProviderMessageId,
                Text = inbound.Text,
                At = at,
                Keyword = keyword.Keyword,
                ResponseToMessageId = responseTo,
                ResponseTime = responseTime,
            }, cancellationToken);
        }

        if (entry.ResponseToMessageId is { } repliedTo)
        {
            await MarkRepliedAsync(repliedTo, inbound.Channel, at, now, cancellationToken);
        }
        await RecordReplyAsync(inbound, entry, at, cancellationToken);

        if (keyword.Kind != KeywordKind.None)
        {
            await HandleKeywordAsync(inbound, contact, keyword, profile, at, now, cancellationToken);
        }
        logger.LogInformation("Inbound message {EventId} from {Provider} on {Channel}: keyword {Keyword}, reply to {MessageId}.",
            inbound.Id, inbound.Provider, inbound.Channel.Name(), keyword.Kind, entry.ResponseToMessageId);
        return new InboundOutcome(contact.Id, entry.ResponseToMessageId);
    }

    /// <summary>The contact with <paramref name="address"/> on the event's channel, or its anonymous contact (created once, race-safe).</summary>
    private async Task<Contact> ResolveContactAsync(InboundEvent inbound, string address, CancellationToken cancellationToken)
    {
        var id = AnonymousContactId(inbound.Channel, address);
        for (var attempt = 0; attempt < ContactAttempts; attempt++)
        {
            if (await contacts.FindByAddressAsync(inbound.Channel, address, cancellationToken) is { } found)
            {
                return found.Contact;
            }
            var anonymous = new Contact
            {
                Id = id,
                Tags = [AnonymousTag],
                Addresses = new Dictionary<Channel, ContactAddress> { [inbound.Channel] = new(address) },
            };
            var result = await contacts.PutAsync(anonymous, ifMatch: null, ifNoneMatch: "*", cancellationToken);
            switch (result.Outcome)
            {
                case StoreOutcome.Created:
                    logger.LogInformation("Inbound message {EventId}: unknown sender on {Channel}; anonymous contact created.", inbound.Id, inbound.Channel.Name());
                    return result.Stored!.Contact;
                case StoreOutcome.PreconditionFailed when await contacts.GetAsync(id, cancellationToken) is { } existing:
                    // Created by a concurrent event or an earlier delivery of this one: the id is derived from the address.
                    return existing.Contact;
                default:
                    // AddressTaken: a contact claimed the address meanwhile (an app, or the concurrent creation mid-write): look again.
                    break;
            }
        }
        throw new InboundContactException(inbound.Id);
    }

    /// <summary>Our last message to the contact on <paramref name="channel"/> that reached a provider before the reply, and the response time.</summary>
    private async Task<(string? MessageId, TimeSpan? ResponseTime)> ThreadAsync(string contactId, Channel channel, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var last = await messages.FindLastOutboundAsync(contactId, channel, cancellationToken);
        if (last is null || ReplyAttempt(last.Record, channel) is not { } attempt)
        {
            return (null, null);
        }
        var sentAt = FirstSentAt(attempt);
        return sentAt <= at ? (last.Record.Id, at - sentAt) : (null, null);
    }

    /// <summary>KPIs: the reply (with its response time) and, when it answers a message tagged csat with a digit 1–5, the score. Idempotent on the event id.</summary>
    private async Task RecordReplyAsync(InboundEvent inbound, InboundTimelineEntry entry, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await stats.RecordAsync(StatEvents.Reply(inbound.Id, inbound.Channel, inbound.Provider, at, entry.ResponseTime), cancellationToken);
        if (entry.ResponseToMessageId is { } messageId
            && await messages.GetAsync(messageId, cancellationToken) is { } prompt
            && ReplyAttempt(prompt.Record, inbound.Channel) is { } attempt
            && CsatClassifier.Classify(inbound.Text, prompt.Record.Request.Tags, attempt.StartedAt, at) is { } score)
        {
            await stats.RecordAsync(StatEvents.Csat(inbound.Id, inbound.Channel, inbound.Provider, at, score), cancellationToken);
        }
    }

    private async Task MarkRepliedAsync(string messageId, Channel channel, DateTimeOffset at, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var updated = await pipeline.UpdateAsync(messageId, current =>
        {
            if (current.RepliedAt is not null)
            {
                return null; // the first reply counts (and a redelivery finds it set)
            }
            var attempt = ReplyAttempt(current, channel);
            var line = attempt is null
                ? $"The contact replied on {channel.Name()}."
                : $"Step {attempt.Step} ({channel.Name()}): the contact replied after {Duration(at - FirstSentAt(attempt))}.";
            return current with { RepliedAt = at, Trace = [.. current.Trace, line], UpdatedAt = now };
        }, cancellationToken);
        if (updated is not null)
        {
            logger.LogInformation("Message {MessageId} answered by the contact; escalation stops.", messageId);
        }
    }

    private async Task HandleKeywordAsync(InboundEvent inbound, Contact contact, KeywordMatch keyword, KeywordProfile profile, DateTimeOffset at, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (keyword.Kind is KeywordKind.OptOut or KeywordKind.OptIn)
        {
            var history = await contacts.GetConsentHistoryAsync(contact.Id, cancellationToken);
            if (history is null)
            {
                logger.LogWarning("Inbound message {EventId}: the contact vanished (erased) before its keyword was recorded.", inbound.Id);
                return;
            }
            var marker = EvidenceMarker(inbound.Id);
            if (!history.Any(e => e.Evidence.Contains(marker, StringComparison.Ordinal)))
            {
                var appended = await contacts.AppendConsentAsync(contact.Id, new ConsentEvent
                {
                    Channel = inbound.Channel,
                    Category = null,
                    State = keyword.Kind == KeywordKind.OptOut ? ConsentState.OptedOut : ConsentState.OptedIn,
                    Source = ConsentSource.Keyword,
                    ByContact = true,
                    Evidence = Evidence(keyword.Keyword!, inbound, at),
                    Actor = "contact",
                    At = at,
                }, cancellationToken);
                if (!appended.ContactFound)
                {
                    logger.LogWarning("Inbound message {EventId}: the contact was erased before its keyword was recorded.", inbound.Id);
                    return;
                }
                logger.LogInformation("Inbound message {EventId}: the contact {State} on {Channel} by keyword.", inbound.Id,
                    keyword.Kind == KeywordKind.OptOut ? "opted out" : "opted in", inbound.Channel.Name());
            }
        }

        var text = profile.ReplyFor(keyword.Kind)!;
        var id = InboundIds.ReplyFor(inbound.Id);
        var request = new MessageRequest
        {
            Id = id,
            ContactId = contact.Id,
            Category = ConsentCategories.Compliance,
            Urgency = "high",
            Strategy = "first",
            Channel = inbound.Channel.Name(),
            Content = new MessageContentRequest { Text = text },
            CorrelationId = inbound.Id.Length <= MessageRequestValidator.MaxCorrelationIdLength ? inbound.Id : null,
            Tags = ["keyword-" + keyword.Kind.ToString().ToLowerInvariant()],
        };
        // The id is derived from the event id: AcceptAsync finds the first one on a redelivery and never sends twice.
        await pipeline.AcceptAsync(new MessageRecord
        {
            Id = id,
            ContactId = contact.Id,
            Request = request,
            AcceptedAt = now,
            UpdatedAt = now,
            Trace = [$"Omni's answer to the keyword {keyword.Keyword} (inbound event {inbound.Id}), on the channel the contact used."],
        }, cancellationToken);
    }

    // ---------------------------------------------------------------- replays

    /// <summary>
    /// True when the event was finished before (a provider's or an attacker's replay past the queue's duplicate window):
    /// it then changes nothing, sends nothing and publishes nothing. Logged with the event id only.
    /// </summary>
    public async Task<bool> IsReplayAsync(InboundEvent inbound, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        if (await events.ProcessedAtAsync(inbound.Id, cancellationToken) is not { } processedAt)
        {
            return false;
        }
        logger.LogWarning("Inbound {Kind} event {EventId} from {Provider} was processed at {ProcessedAt:o}; this repeat is ignored.",
            inbound.Kind, inbound.Id, inbound.Provider, processedAt);
        return true;
    }

    /// <summary>Records the event as finished: written last, so a crash before it leaves a redelivery to finish the (idempotent) steps.</summary>
    public Task MarkProcessedAsync(InboundEvent inbound, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        return events.MarkProcessedAsync(inbound.Id, clock.GetUtcNow(), cancellationToken);
    }

    // ---------------------------------------------------------------- app events

    /// <summary>
    /// When <c>AppEvents__Url</c> is set: puts the event (InboundEvent JSON plus <c>contactId</c> and <c>messageId</c> when
    /// known) on the <c>app-events</c> queue with MessageId = event id, so a repeat is dropped by duplicate detection.
    /// </summary>
    public async Task PublishAppEventAsync(InboundEvent inbound, InboundOutcome? outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        if (settings.AppEventsUrl is null)
        {
            return;
        }
        var contactId = outcome?.ContactId;
        var messageId = outcome?.MessageId;
        if (inbound.Kind != InboundEventKind.Message && messageId is null && inbound.ProviderMessageId is { Length: > 0 } providerMessageId)
        {
            if (await messages.FindByProviderMessageAsync(inbound.Provider, providerMessageId, cancellationToken) is { } target)
            {
                messageId = target.MessageId;
                contactId ??= (await messages.GetAsync(target.MessageId, cancellationToken))?.Record.ContactId;
            }
        }
        var body = JsonSerializer.SerializeToNode(inbound, InboundEventJson.Options.TypeInfo<InboundEvent>())!.AsObject();
        if (contactId is not null)
        {
            body["contactId"] = contactId;
        }
        if (messageId is not null)
        {
            body["messageId"] = messageId;
        }
        var message = new ServiceBusMessage(BinaryData.FromBytes(Encoding.UTF8.GetBytes(body.ToJsonString(InboundEventJson.Options))))
        {
            MessageId = inbound.Id,
            ContentType = "application/json",
            Subject = JsonNamingPolicy.CamelCase.ConvertName(inbound.Kind.ToString()),
        };
        await serviceBus.CreateSender(AppEventsQueue).SendMessageAsync(message, cancellationToken);
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>What a consent event's evidence carries to find it again: "event={id};".</summary>
    public static string EvidenceMarker(string eventId) => $"event={eventId};";

    private static string Evidence(string keyword, InboundEvent inbound, DateTimeOffset at) =>
        $"keyword={keyword}; channel={inbound.Channel.Name()}; provider={inbound.Provider}; {EvidenceMarker(inbound.Id)} at={at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}";

    /// <summary>The newest attempt on <paramref name="channel"/> that reached a provider (the one a reply on that channel answers).</summary>
    private static MessageAttempt? ReplyAttempt(MessageRecord record, Channel channel) =>
        record.Attempts
            .Where(a => a.Channel == channel && (!string.IsNullOrEmpty(a.ProviderMessageId)
                || a.Status is AttemptStatus.Queued or AttemptStatus.Sent or AttemptStatus.Delivered or AttemptStatus.Read))
            .OrderBy(a => a.StartedAt).ThenBy(a => a.Step).LastOrDefault();

    /// <summary>When the attempt was first queued or sent by the provider (its start when the history says nothing).</summary>
    private static DateTimeOffset FirstSentAt(MessageAttempt attempt)
    {
        var sent = attempt.History.Where(h => h.Status is AttemptStatus.Queued or AttemptStatus.Sent).Select(h => h.At).DefaultIfEmpty(attempt.StartedAt).Min();
        return sent == default ? attempt.StartedAt : sent;
    }

    /// <summary>"00:03:12", "1.02:03:04": whole seconds.</summary>
    public static string Duration(TimeSpan span) =>
        TimeSpan.FromSeconds(Math.Floor(Math.Max(0, span.TotalSeconds))).ToString("c", CultureInfo.InvariantCulture);
}

/// <summary>The sender's contact could not be found or created (address claims kept racing); Service Bus redelivers.</summary>
public sealed class InboundContactException(string eventId)
    : Exception($"Inbound event {eventId}: the sender's contact could not be resolved (concurrent address claims); retrying.");
