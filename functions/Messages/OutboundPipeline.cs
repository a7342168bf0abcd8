using System.Globalization;
using System.Text.Json;
using Omni.Azure.ServiceBus;
using Omni.Channels;
using Omni.Core.Consent;
using Omni.Core.Contacts;
using Omni.Core.Content;
using Omni.Core.Messages;
using Omni.Core.Routing;
using Omni.Core.Stats;
using Omni.Core;

namespace Omni.Functions.Messages;

/// <summary>
/// The outbound path's steps, each idempotent on its queue message: route a message (plan + trace), send one step of
/// the plan, fall back when a step fails, escalate when a step is not delivered in time, and apply delivery reports.
/// Every step writes the message log (ETag-checked, re-read and re-applied on conflict) before it acknowledges.
/// </summary>
public sealed class OutboundPipeline(
    IMessageStore messages,
    IContactStore contacts,
    ServiceBusClient serviceBus,
    IEnumerable<IChannelSender> senders,
    IMessageContentComposer composer,
    MessagingSettings settings,
    TimeProvider clock,
    ILogger<OutboundPipeline> logger,
    IStatsRecorder stats,
    IChannelHealthSource channelHealth,
    Omni.Channels.Twilio.TwilioOptions? twilio = null)
{
    private const int MaxConflictRetries = 8;

    /// <summary>The <see cref="AttemptStatusChange.Source"/> of the history entries of an unconfirmed send (recorded, given up).</summary>
    public const string UnconfirmedSource = "unconfirmed";

    /// <summary>
    /// The source of the history entry written before a call to a provider without de-duplication (Twilio; see
    /// <see cref="ISendJournal"/>): until an answer is recorded the send counts as unconfirmed, so a crash during the call
    /// never becomes a second send.
    /// </summary>
    public const string CallingSource = "calling";

    /// <summary>The source of the entry that lifts a <see cref="CallingSource"/> entry: the provider certainly did not take it.</summary>
    public const string NotAcceptedSource = "not-accepted";

    /// <summary>How long an unconfirmed send waits for the provider's status callback (<c>Twilio__ConfirmWindowSeconds</c>).</summary>
    private readonly TimeSpan _confirmWindow = twilio?.ConfirmWindow ?? Omni.Channels.Twilio.TwilioOptions.DefaultConfirmWindow;

    private readonly IReadOnlyList<IChannelSender> _senders = [.. senders];

    /// <summary>Records <paramref name="record"/> (or finds it) and puts it on the outbound queue. Safe to repeat.</summary>
    public async Task<StoredMessage> AcceptAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        var (stored, _) = await messages.CreateAsync(record, cancellationToken);
        if (stored.Record.Status == MessageStatus.Accepted)
        {
            await EnqueueRouteAsync(stored.Record, null, cancellationToken);
        }
        return stored;
    }

    public Task EnqueueRouteAsync(MessageRecord record, DateTimeOffset? at, CancellationToken cancellationToken)
    {
        var message = new ServiceBusMessage(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(record.Request, MessageJson.Options.TypeInfo<MessageRequest>())))
        {
            MessageId = OmniQueues.RouteMessageId(record.Id, at),
            ContentType = "application/json",
            CorrelationId = record.Request.CorrelationId,
        };
        var sender = serviceBus.CreateSender(OmniQueues.Outbound);
        return at is { } when ? sender.ScheduleMessageAsync(message, when, cancellationToken) : sender.SendMessageAsync(message, cancellationToken);
    }

    // ---------------------------------------------------------------- routing

    /// <summary>The Service Bus client the pipeline sends with (also the functions' copies to the contract-violations queue).</summary>
    internal ServiceBusClient ServiceBus => serviceBus;

    /// <summary>
    /// RouteMessage: a request from the outbound queue (the API's, or an app's put there directly). The message id is the
    /// body's <c>id</c>, else <paramref name="queueMessageId"/> (as is when it is a valid id, else <c>q-</c> + its hash).
    /// A request that breaks the queue's contract — not JSON, unknown members, invalid fields (MessageRequestValidator),
    /// or no usable id — is a contract violation: <paramref name="onContractViolation"/> gets the description (field and
    /// rule, no values; it sends the copy to the contract-violations queue and throws if it cannot) <b>before</b> the
    /// message is recorded as <c>rejected</c> with that reason (only when the id is usable), so a failed record is
    /// retried and the repeated copy dropped by duplicate detection. A message already recorded as rejected is
    /// validated again: still invalid → the violation again (a redelivery; its copy is a duplicate); valid now (a
    /// replay after a fix) → accepted and routed.
    /// </summary>
    public async Task RouteAsync(ReadOnlyMemory<byte> body, string? queueMessageId, CancellationToken cancellationToken,
        Func<string, CancellationToken, Task>? onContractViolation = null)
    {
        var now = clock.GetUtcNow();
        MessageRequest? request = null;
        string? parseError = null;
        try
        {
            request = JsonSerializer.Deserialize(body.Span, MessageJson.Strict.TypeInfo<MessageRequest>());
            parseError = request is null ? "The body is not a valid message: a JSON object is required, not null." : null;
        }
        catch (JsonException e)
        {
            parseError = $"The body is not a valid message: {Http.JsonBody.Describe(e)}";
        }

        var id = request?.Id ?? IdFromQueueMessageId(queueMessageId);
        if (id is null || !MessageRequestValidator.IsValidId(id))
        {
            // No id a record could be kept under: only the copy tells.
            var violation = parseError ?? (id is null
                ? "The message has no id: give id in the body or a Service Bus MessageId."
                : $"Invalid message: id: 1–{MessageRequestValidator.MaxIdLength} characters of A-Z, a-z, 0-9, '_', '.', '-'.");
            logger.LogError("Outbound message without a usable id is a contract violation (queue MessageId {QueueMessageId}).", queueMessageId);
            if (onContractViolation is not null)
            {
                await onContractViolation(violation, cancellationToken);
            }
            return;
        }

        string? Violation()
        {
            if (parseError is not null)
            {
                return parseError;
            }
            var errors = new ValidationErrors();
            request = request! with { Id = id };
            MessageRequestValidator.Validate(request, errors, requireId: true);
            return errors.IsValid ? null : "Invalid message: " + string.Join("; ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
        }

        var stored = await messages.GetAsync(id, cancellationToken);
        if (stored is null)
        {
            // The queue path: validate and record it now; an invalid message is a contract violation, recorded as rejected, never retried.
            var reason = Violation();
            if (reason is not null && onContractViolation is not null)
            {
                await onContractViolation(Operations.ContractViolations.WithoutValues(reason), cancellationToken);
            }
            var record = new MessageRecord
            {
                Id = id,
                ContactId = reason is null ? request!.ContactId : null,
                Request = reason is null ? request! : new MessageRequest { Id = id },
                Status = reason is null ? MessageStatus.Accepted : MessageStatus.Rejected,
                Reason = reason,
                AcceptedAt = now,
                UpdatedAt = now,
                Trace = reason is null ? ["Accepted from the outbound queue."] : [reason],
            };
            (stored, _) = await messages.CreateAsync(record, cancellationToken);
            if (reason is not null)
            {
                logger.LogWarning("Outbound message {MessageId} rejected: it violates the queue's contract.", id);
                return;
            }
        }
        else if (stored.Record.Status == MessageStatus.Rejected)
        {
            if (Violation() is { } reason)
            {
                if (onContractViolation is not null)
                {
                    await onContractViolation(Operations.ContractViolations.WithoutValues(reason), cancellationToken);
                }
                return;
            }
            var accepted = request!;
            var updated = await UpdateAsync(id, current => current.Status == MessageStatus.Rejected
                ? current with
                {
                    ContactId = accepted.ContactId,
                    Request = accepted,
                    Status = MessageStatus.Accepted,
                    Reason = null,
                    UpdatedAt = now,
                    Trace = [.. current.Trace, "Accepted from the outbound queue (valid now; a replay of the rejected message)."],
                }
                : null, cancellationToken);
            if (updated is null)
            {
                return;
            }
            logger.LogInformation("Outbound message {MessageId}, rejected before, accepted on a valid redelivery.", id);
            stored = updated;
        }

        switch (stored.Record.Status)
        {
            case MessageStatus.Accepted:
                break;
            case MessageStatus.Deferred when stored.Record.DeferUntil is { } until && until > now.AddSeconds(1):
                return; // an early duplicate; the scheduled one will come
            case MessageStatus.Deferred:
                break;
            case MessageStatus.Routed when stored.Record.Attempts.Count == 0:
                // Routed, but the process stopped before the first step was queued: queue it (duplicate detection drops a repeat).
                await EnqueueInitialStepsAsync(stored.Record, cancellationToken);
                return;
            default:
                return; // routed already: a redelivery
        }

        await DecideAsync(stored, now, cancellationToken);
    }

    private async Task DecideAsync(StoredMessage stored, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var record = stored.Record;
        var request = record.Request;
        Contact? contact;
        ConsentLedger ledger;
        var extraTrace = new List<string>();
        if (record.ContactId is { } contactId)
        {
            // One partition query: the profile and its consent rows together.
            var found = await contacts.GetWithConsentAsync(contactId, cancellationToken);
            if (found is null)
            {
                await FinishAsync(stored, MessageStatus.Undeliverable, $"Contact {contactId} does not exist.", cancellationToken);
                return;
            }
            contact = found.Stored.Contact;
            ledger = new ConsentLedger(found.Consent);
        }
        else
        {
            (contact, var notes) = await OneOffContactAsync(record, cancellationToken);
            extraTrace.AddRange(notes);
            ledger = new ConsentLedger([]);
        }

        var channelsWithAddress = contact.Addresses.Keys.ToList();
        var composed = await composer.ComposeAsync(request, contact, channelsWithAddress, cancellationToken);
        if (composed.Failure is { } failure)
        {
            await FinishAsync(stored, MessageStatus.Undeliverable, failure, cancellationToken);
            return;
        }
        extraTrace.AddRange(composed.Notes);

        var allowed = ParseChannels(request.Channels);
        var withContent = channelsWithAddress.Where(c => composed.Content.ContainsKey(c)).ToList();
        foreach (var channel in channelsWithAddress.Except(withContent))
        {
            // One line per channel, with the composer's reason: "no usable content" and "no text" used to contradict each other.
            var why = composed.Unusable.TryGetValue(channel, out var reason) ? reason : "the content has nothing for this channel.";
            extraTrace.Add($"{channel.Name()}: cannot carry this message: {why}");
        }
        var message = new OutboundMessage
        {
            Id = record.Id,
            Category = request.Category!,
            Urgency = MessageRequestValidator.UrgencyOf(request),
            Strategy = MessageRequestValidator.StrategyOf(request),
            Content = ToRoutingContent(composed.Content),
            AllowedChannels = allowed is null ? withContent : [.. allowed.Where(withContent.Contains)],
            ForcedChannel = Omni.Core.Contacts.Channels.TryParse(request.Channel, out var forced) ? forced : null,
            SendAt = request.SendAt,
            ExpiresAt = request.ExpiresAt,
        };

        var recent = RecentSends.None;
        if (record.ContactId is { } id && settings.Caps.For(message.Category) is { } cap)
        {
            recent = new RecentSends(await messages.CountRecentByCategoryAsync(id, now - cap.Window, cancellationToken));
        }

        var decision = RoutingPolicy.Decide(new RoutingRequest(message, contact, ledger, settings.Channels, await channelHealth.GetAsync(now, cancellationToken), settings.Caps, recent, now, settings.Routing));
        var trace = extraTrace.Concat(decision.Trace).ToList();

        switch (decision.Outcome)
        {
            case RoutingOutcome.Send:
                var updated = await UpdateAsync(record.Id, current => current.Status is MessageStatus.Accepted or MessageStatus.Deferred
                    ? current with
                    {
                        Status = MessageStatus.Routed,
                        DeferUntil = null,
                        Plan = decision.Steps,
                        Content = decision.Steps.Select(s => s.Channel).Distinct().ToDictionary(c => c, c => composed.Content[c]),
                        Template = composed.Template,
                        Trace = [.. current.Trace, .. trace],
                        UpdatedAt = now,
                    }
                    : null, cancellationToken, known: stored);
                if (updated is not null)
                {
                    await stats.RecordAsync(StatEvents.Routing(record.Id, decision, now), cancellationToken);
                    await EnqueueInitialStepsAsync(updated.Record, cancellationToken);
                    logger.LogInformation("Message {MessageId} routed: {Plan}.", record.Id, string.Join(" > ", decision.Steps.Select(s => s.Channel.Name())));
                }
                return;

            case RoutingOutcome.Deferred:
                var until = decision.DeferUntil!.Value;
                var deferred = await UpdateAsync(record.Id, current => current.Status is MessageStatus.Accepted or MessageStatus.Deferred
                    ? current with { Status = MessageStatus.Deferred, DeferUntil = until, Trace = [.. current.Trace, .. trace], UpdatedAt = now }
                    : null, cancellationToken, known: stored);
                if (deferred is not null)
                {
                    await stats.RecordAsync(StatEvents.Routing(record.Id, decision, now), cancellationToken);
                    await EnqueueRouteAsync(deferred.Record, until, cancellationToken);
                    logger.LogInformation("Message {MessageId} deferred until {Until:O}.", record.Id, until);
                }
                return;

            default:
                var status = decision.Outcome switch
                {
                    RoutingOutcome.Expired => MessageStatus.Expired,
                    RoutingOutcome.Capped => MessageStatus.Capped,
                    _ => MessageStatus.Undeliverable,
                };
                await UpdateAsync(record.Id, current => current.Status is MessageStatus.Accepted or MessageStatus.Deferred
                    ? current with { Status = status, Reason = trace[^1], Trace = [.. current.Trace, .. trace], UpdatedAt = now }
                    : null, cancellationToken, known: stored);
                await stats.RecordAsync(StatEvents.Routing(record.Id, decision, now), cancellationToken);
                logger.LogInformation("Message {MessageId} not sent: {Status}.", record.Id, status.Name());
                return;
        }
    }

    /// <summary>A one-off send: the inline addresses, each suppressed when its owner (a known contact) refuses the category there.</summary>
    private async Task<(Contact Contact, List<string> Notes)> OneOffContactAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var inline = MessageRequestValidator.Validate(record.Request, errors) ?? new Dictionary<Channel, string>();
        var notes = new List<string>();
        var addresses = new Dictionary<Channel, ContactAddress>();
        foreach (var (channel, address) in inline)
        {
            var owner = await contacts.FindByAddressAsync(channel, address, cancellationToken);
            AddressSuppression? suppression = null;
            if (owner is not null)
            {
                var ownerLedger = new ConsentLedger(await contacts.GetConsentHistoryAsync(owner.Contact.Id, cancellationToken) ?? []);
                var verdict = ownerLedger.Evaluate(channel, record.Request.Category!);
                if (!verdict.Allowed)
                {
                    suppression = new AddressSuppression($"the address belongs to contact {owner.Contact.Id}, who refused {record.Request.Category} on {channel.Name()}", clock.GetUtcNow());
                    notes.Add($"{channel.Name()}: {suppression.Reason}.");
                }
                else if (owner.Contact.Addresses.TryGetValue(channel, out var ownAddress) && ownAddress.Suppression is { } own)
                {
                    suppression = own;
                }
            }
            addresses[channel] = new ContactAddress(address, suppression);
        }
        return (new Contact { Id = "one-off", Addresses = addresses }, notes);
    }

    private Task EnqueueInitialStepsAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        var strategy = MessageRequestValidator.StrategyOf(record.Request);
        var steps = strategy == RoutingStrategy.All ? Enumerable.Range(0, record.Plan.Count) : Enumerable.Range(0, Math.Min(1, record.Plan.Count));
        return Task.WhenAll(steps.Select(step => EnqueueStepAsync(record, step, cancellationToken)));
    }

    private Task EnqueueStepAsync(MessageRecord record, int step, CancellationToken cancellationToken)
    {
        var queue = OmniQueues.SendQueueFor(record.Plan[step].Channel)
            ?? throw new InvalidOperationException($"No send function for channel {record.Plan[step].Channel.Name()}.");
        var message = new ServiceBusMessage(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(new SendStepCommand(record.Id, step), MessageJson.Options.TypeInfo<SendStepCommand>())))
        {
            MessageId = OmniQueues.StepMessageId(record.Id, step),
            ContentType = "application/json",
            CorrelationId = record.Request.CorrelationId,
        };
        return serviceBus.CreateSender(queue).SendMessageAsync(message, cancellationToken);
    }

    // ---------------------------------------------------------------- sending

    /// <summary>
    /// Send*: one step of the plan. A step that already has an outcome is not sent again; a step left pending by a crash
    /// is sent again with the same idempotency key (providers that de-duplicate drop it). A send whose outcome is
    /// <b>unconfirmed</b> (a try <see cref="Omni.Channels.Outbound.ProviderTryOutcomes.Unconfirmed"/>: ambiguous at a
    /// provider without de-duplication, Twilio) is never sent again, on any provider: the attempt stays pending (history
    /// source <see cref="UnconfirmedSource"/>), a copy of the step command (MessageId <c>{id}:{step}:confirm</c>) is
    /// scheduled for the end of the confirmation window, and the provider's status callback — found by its provider id
    /// or by the Omni message/step hints of the callback URL — confirms it meanwhile (<see cref="ApplyReportAsync"/>).
    /// When that copy (or any redelivery after the window) finds the attempt still pending, the step fails with "did not
    /// confirm the send within …" and the plan falls back.
    /// </summary>
    public async Task SendStepAsync(SendStepCommand command, int deliveryCount, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var stored = await messages.GetAsync(command.MessageId, cancellationToken);
        if (stored is null || command.Step < 0 || command.Step >= stored.Record.Plan.Count)
        {
            logger.LogWarning("Send step {Step} of message {MessageId} has nothing to send (message erased or step unknown).", command.Step, command.MessageId);
            return;
        }
        var record = stored.Record;
        var existing = record.AttemptFor(command.Step);
        if (existing is { Status: not AttemptStatus.Pending } || record.Status.IsFinal())
        {
            return; // a redelivery of a step that has its outcome
        }
        var planned = record.Plan[command.Step];

        if (existing is not null && UnconfirmedSince(existing) is { } since)
        {
            // The provider may have this step already and cannot recognise a repeat: ask it to confirm, never resend.
            await ConfirmOrGiveUpAsync(record, command.Step, planned, since, now, cancellationToken);
            return;
        }

        if (record.Request.ExpiresAt is { } expiresAt && expiresAt <= now)
        {
            if (await UpdateAsync(record.Id, current => WithAttempt(current, command.Step, planned.Channel, now, a => a with
            {
                Status = AttemptStatus.Expired,
                History = [.. a.History, new AttemptStatusChange(AttemptStatus.Expired, now, "expiry", "expired before it was sent")],
            }, $"Step {command.Step} ({planned.Channel.Name()}): expired at {Stamp(expiresAt)} before sending.") is { } next
                ? Summarise(next, now) is { Status: MessageStatus.Delivered or MessageStatus.Read or MessageStatus.Sent } reached
                    ? reached
                    : next with { Status = MessageStatus.Expired, Reason = $"Expired at {Stamp(expiresAt)} before it could be sent." }
                : null, cancellationToken) is { } expiredRecord)
            {
                await stats.RecordAsync(StatEvents.Outcome(expiredRecord.Record, now), cancellationToken);
            }
            return;
        }

        if (existing is null)
        {
            var claimed = await UpdateAsync(record.Id, current => current.AttemptFor(command.Step) is null
                ? WithAttempt(current, command.Step, planned.Channel, now, a => a, $"Step {command.Step} ({planned.Channel.Name()}): sending.")
                : null, cancellationToken, known: stored);
            if (claimed is null)
            {
                return; // another delivery claimed it
            }
            record = claimed.Record;
            stored = claimed;
        }
        else
        {
            logger.LogInformation("Step {Step} of message {MessageId} was left pending; sending again with the same idempotency key.", command.Step, record.Id);
        }

        var sender = _senders.FirstOrDefault(s => s.Channels.Contains(planned.Channel));
        SendResult result;
        if (sender is null)
        {
            result = new SendResult(SendOutcome.Permanent, "none", null, AttemptStatus.Failed, null, null, null,
                $"No provider is configured for {planned.Channel.Name()}.", null, []);
        }
        else
        {
            record.Content.TryGetValue(planned.Channel, out var content);
            var journal = new AttemptJournal(this, clock, command.Step, planned, stored);
            try
            {
                result = await sender.SendAsync(new ChannelSendRequest(
                    record.Id, command.Step, planned.Channel, planned.Address, content ?? new RenderedContent(null),
                    record.Request.Category!, MessageRequestValidator.UrgencyOf(record.Request), record.ContactId,
                    record.Request.CorrelationId, record.Request.Tags ?? []) { Journal = journal }, cancellationToken);
            }
            catch (StepInFlightException inFlight)
            {
                // Another delivery of this step is calling a provider that cannot recognise a repeat (or crashed in the
                // call): this one sends nothing more and makes sure the step is confirmed or given up.
                await ConfirmOrGiveUpAsync(record, command.Step, planned, inFlight.Since, now, cancellationToken);
                return;
            }
            stored = journal.Known;
            record = stored.Record;
        }

        if (result.Outcome != SendOutcome.Accepted && result.Tries.Any(t => t.Outcome == Omni.Channels.Outbound.ProviderTryOutcomes.Unconfirmed))
        {
            await RecordUnconfirmedAsync(record, command.Step, planned, result, now, cancellationToken);
            return;
        }

        var lastChance = deliveryCount >= settings.MaxDeliveryCount;
        if (result.Outcome == SendOutcome.Transient && !lastChance)
        {
            await UpdateAsync(record.Id, current => current.AttemptFor(command.Step) is { Status: AttemptStatus.Pending }
                ? WithAttempt(current, command.Step, planned.Channel, now, a => a with { Tries = [.. a.Tries, .. result.Tries], Error = result.Error, Provider = result.Provider }, null)
                : null, cancellationToken, known: stored);
            throw new TransientSendException(record.Id, command.Step, result.Provider, deliveryCount);
        }

        if (result.Outcome == SendOutcome.Accepted)
        {
            await OnAcceptedAsync(record, command.Step, planned, result, now, cancellationToken, known: stored);
            return;
        }

        var error = result.Outcome == SendOutcome.Transient
            ? $"{result.Error} (still failing after {deliveryCount} deliveries; giving up on this channel)"
            : result.Error;
        // Before the failure is recorded: a crash in between redelivers the step, which is refused and applied again.
        var refused = result is { Outcome: SendOutcome.Permanent, Refusal: { } refusal }
            ? await ApplyRefusalAsync(record, command.Step, planned, refusal, now, cancellationToken)
            : null;
        var failed = await UpdateAsync(record.Id, current => current.AttemptFor(command.Step) is { Status: AttemptStatus.Pending }
            ? WithAttempt(current, command.Step, planned.Channel, now, a => a with
            {
                Status = AttemptStatus.Failed,
                Provider = result.Provider,
                Error = error,
                Tries = [.. a.Tries, .. result.Tries],
                History = [.. a.History, new AttemptStatusChange(AttemptStatus.Failed, now, "send", error)],
            }, $"Step {command.Step} ({planned.Channel.Name()}): failed at {result.Provider}: {error}" + (refused is null ? "" : " " + refused))
            : null, cancellationToken, known: stored);
        if (failed is not null)
        {
            logger.LogInformation("Step {Step} of message {MessageId} failed permanently at {Provider}.", command.Step, record.Id, result.Provider);
            await stats.RecordAsync(StatEvents.Failed(failed.Record, command.Step, now), cancellationToken);
            await FallBackAsync(failed.Record.Id, command.Step, cancellationToken);
        }
    }

    /// <summary>
    /// What a provider's permanent refusal does to the address (<see cref="AddressRefusals"/>), for the contact that owns
    /// it: an opt-out at the carrier becomes the contact's opt-out on the channel (as their STOP would; only their own
    /// opt-in lifts it), any other refusal suppresses the address until an inbound message from it or the API lifts it.
    /// Returns the sentence for the trace, or null when nothing changed. Costs table writes only on such a failure.
    /// </summary>
    private async Task<string?> ApplyRefusalAsync(MessageRecord record, int step, PlannedStep planned, AddressRefusal refusal, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var contactId = record.ContactId ?? (await contacts.FindByAddressAsync(planned.Channel, planned.Address, cancellationToken))?.Contact.Id;
        if (contactId is null)
        {
            return null;
        }
        var name = planned.Channel.Name();
        var why = $"provider {refusal.Provider} {refusal.Code}: {refusal.Description}";
        if (refusal.Kind == AddressRefusalKind.Undeliverable)
        {
            if (!await contacts.SetSuppressionAsync(contactId, planned.Channel, planned.Address, AddressSuppression.From(refusal, now), cancellationToken))
            {
                return null;
            }
            logger.LogInformation("Contact {ContactId}: {Channel} address suppressed after {Provider} {Code}.", ContactIds.Redact(contactId), name, refusal.Provider, refusal.Code);
            return $"The contact's {name} address is now suppressed ({why}).";
        }

        // The evidence names the message and step, so a redelivery of this step does not record the opt-out twice.
        var evidence = $"provider:{refusal.Provider} {refusal.Code} (message {record.Id}, step {step})";
        var history = await contacts.GetConsentHistoryAsync(contactId, cancellationToken);
        if (history is null || history.Any(e => e.Evidence == evidence))
        {
            return null;
        }
        var appended = await contacts.AppendConsentAsync(contactId, new ConsentEvent
        {
            Channel = planned.Channel,
            State = ConsentState.OptedOut,
            Source = ConsentSource.Keyword,
            ByContact = true,
            Evidence = evidence,
            Actor = $"provider:{refusal.Provider}",
            At = now,
        }, cancellationToken);
        if (!appended.ContactFound)
        {
            return null;
        }
        logger.LogInformation("Contact {ContactId}: {Channel} opt-out recorded after {Provider} {Code}.", ContactIds.Redact(contactId), name, refusal.Provider, refusal.Code);
        return $"Recorded as the contact's {name} opt-out ({why}).";
    }

    private async Task OnAcceptedAsync(MessageRecord record, int step, PlannedStep planned, SendResult result, DateTimeOffset now, CancellationToken cancellationToken, StoredMessage? known = null)
    {
        if (result.ProviderMessageId is { Length: > 0 } providerId)
        {
            // Index first: a fast delivery report must find its attempt.
            await messages.IndexProviderMessageAsync(result.Provider, providerId, record.Id, step, cancellationToken);
        }
        var escalates = planned.EscalateAfter is { } after && step + 1 < record.Plan.Count
            && MessageRequestValidator.StrategyOf(record.Request) == RoutingStrategy.Escalate;
        var escalateAt = escalates ? now + planned.EscalateAfter!.Value : (DateTimeOffset?)null;
        var cost = result.Cost ?? settings.UnitCost(planned.Channel) * (result.Segments ?? 1);
        var currency = result.Cost is not null ? result.Currency ?? settings.Currency : settings.Currency;
        var line = $"Step {step} ({planned.Channel.Name()}): accepted by {result.Provider}" +
            (result.Segments is { } segments ? Inv($", {segments} segment(s)") : "") + Inv($", cost {cost} {currency}") +
            (escalateAt is { } at ? $"; escalates at {Stamp(at)} unless delivered." : ".");
        var updated = await UpdateAsync(record.Id, current => current.AttemptFor(step) is { Status: AttemptStatus.Pending } pending
            ? Summarise(WithAttempt(current, step, planned.Channel, now, a => a with
            {
                Status = AttemptStatusMachine.CanMove(a.Status, result.Status) ? result.Status : a.Status,
                Provider = result.Provider,
                ProviderMessageId = result.ProviderMessageId,
                Segments = result.Segments,
                Cost = cost,
                Currency = currency,
                Error = null,
                EscalateAt = escalateAt,
                Tries = [.. a.Tries, .. result.Tries],
                History = [.. a.History, new AttemptStatusChange(result.Status, now, "send", $"accepted by {result.Provider}")],
            }, line), now)
            : current.AttemptFor(step) is { ProviderMessageId: null } reported
                // A delivery report overtook us: keep its status, add what the provider answered.
                ? WithAttempt(current, step, planned.Channel, now, a => a with
                {
                    Provider = result.Provider,
                    ProviderMessageId = result.ProviderMessageId,
                    Segments = result.Segments,
                    Cost = cost,
                    Currency = currency,
                    EscalateAt = escalateAt,
                    Tries = [.. a.Tries, .. result.Tries],
                }, line)
                : null, cancellationToken, known: known);
        logger.LogInformation("Step {Step} of message {MessageId} accepted by {Provider}.", step, record.Id, result.Provider);
        if (updated is not null)
        {
            await stats.RecordAsync(StatEvents.Sent(updated.Record, step, now), cancellationToken);
        }
        if (updated is not null && escalateAt is { } due)
        {
            await ScheduleEscalationAsync(record, step, due, cancellationToken);
        }
    }

    private Task ScheduleEscalationAsync(MessageRecord record, int step, DateTimeOffset due, CancellationToken cancellationToken)
    {
        var check = new ServiceBusMessage(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(new EscalationCheck(record.Id, step), MessageJson.Options.TypeInfo<EscalationCheck>())))
        {
            MessageId = OmniQueues.EscalationMessageId(record.Id, step),
            ContentType = "application/json",
            CorrelationId = record.Request.CorrelationId,
        };
        return serviceBus.CreateSender(OmniQueues.Escalations).ScheduleMessageAsync(check, due, cancellationToken);
    }

    /// <summary>When the escalate strategy gives step <paramref name="step"/> a deadline, counted from <paramref name="now"/>.</summary>
    private static DateTimeOffset? EscalationDue(MessageRecord record, int step, DateTimeOffset now) =>
        step < record.Plan.Count && record.Plan[step].EscalateAfter is { } after && step + 1 < record.Plan.Count
            && MessageRequestValidator.StrategyOf(record.Request) == RoutingStrategy.Escalate
            ? now + after
            : null;

    // ---------------------------------------------------------------- unconfirmed sends

    /// <summary>
    /// While the attempt is pending: since when its send is unconfirmed — recorded so after an ambiguous answer, or a call
    /// to a provider without de-duplication was started and no answer recorded (a crash, or a delivery still in the
    /// call); else null.
    /// </summary>
    private static DateTimeOffset? UnconfirmedSince(MessageAttempt attempt) =>
        attempt.Status == AttemptStatus.Pending && LastSendMark(attempt) is { Source: UnconfirmedSource or CallingSource } entry ? entry.At : null;

    /// <summary>True when an ambiguous answer was recorded (not only the start of the call).</summary>
    private static bool RecordedUnconfirmed(MessageAttempt attempt) =>
        attempt.Status == AttemptStatus.Pending && LastSendMark(attempt) is { Source: UnconfirmedSource };

    private static AttemptStatusChange? LastSendMark(MessageAttempt attempt) =>
        attempt.History.LastOrDefault(h => h.Source is UnconfirmedSource or CallingSource or NotAcceptedSource);

    /// <summary>True when the attempt failed because its unconfirmed send was given up (not because a provider said so).</summary>
    private static bool WasGivenUp(MessageAttempt attempt) =>
        attempt.History.Any(h => h.Source == UnconfirmedSource && h.Status == AttemptStatus.Failed);

    private static string Window(TimeSpan window) => window.TotalSeconds % 60 == 0 && window >= TimeSpan.FromMinutes(1)
        ? Inv($"{window.TotalMinutes:0} min")
        : Inv($"{window.TotalSeconds:0.###} s");

    /// <summary>The provider may have the message (its answer was lost) and cannot de-duplicate: record it, wait for its callback.</summary>
    private async Task RecordUnconfirmedAsync(MessageRecord record, int step, PlannedStep planned, SendResult result, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = now + _confirmWindow;
        var provider = result.Tries.Last(t => t.Outcome == Omni.Channels.Outbound.ProviderTryOutcomes.Unconfirmed).Provider;
        var note = $"{provider} may have it ({result.Error}); not sent again, waiting for its status callback until {Stamp(due)}";
        var line = $"Step {step} ({planned.Channel.Name()}): unconfirmed: {note}.";
        var updated = await UpdateAsync(record.Id, current => current.AttemptFor(step) switch
        {
            { Status: AttemptStatus.Pending } a when !RecordedUnconfirmed(a) => WithAttempt(current, step, planned.Channel, now, x => x with
            {
                Provider = provider,
                Error = result.Error,
                Tries = [.. x.Tries, .. result.Tries],
                History = [.. x.History, new AttemptStatusChange(AttemptStatus.Pending, now, UnconfirmedSource, note)],
            }, line),
            // The status callback overtook the lost answer: keep its status, add the tries.
            { Status: not AttemptStatus.Pending } => WithAttempt(current, step, planned.Channel, now, x => x with { Tries = [.. x.Tries, .. result.Tries] }, null),
            _ => null,
        }, cancellationToken);
        if (updated?.Record.AttemptFor(step) is { Status: AttemptStatus.Pending })
        {
            logger.LogWarning("Step {Step} of message {MessageId}: {Provider}'s outcome is unknown; not resending, waiting for its status callback until {Due:O}.",
                step, record.Id, provider, due);
            await ScheduleConfirmationAsync(record, step, due, cancellationToken);
        }
    }

    /// <summary>A copy of the step command at <paramref name="due"/>, MessageId <c>{id}:{step}:confirm</c> (duplicate detection drops repeats).</summary>
    private Task ScheduleConfirmationAsync(MessageRecord record, int step, DateTimeOffset due, CancellationToken cancellationToken)
    {
        var queue = OmniQueues.SendQueueFor(record.Plan[step].Channel)
            ?? throw new InvalidOperationException($"No send function for channel {record.Plan[step].Channel.Name()}.");
        var message = new ServiceBusMessage(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(new SendStepCommand(record.Id, step), MessageJson.Options.TypeInfo<SendStepCommand>())))
        {
            MessageId = OmniQueues.StepMessageId(record.Id, step) + ":confirm",
            ContentType = "application/json",
            CorrelationId = record.Request.CorrelationId,
        };
        return serviceBus.CreateSender(queue).ScheduleMessageAsync(message, due, cancellationToken);
    }

    /// <summary>A step command for an unconfirmed attempt: before the window's end, (re)schedule the check; after it, give the step up.</summary>
    private async Task ConfirmOrGiveUpAsync(MessageRecord record, int step, PlannedStep planned, DateTimeOffset since, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = since + _confirmWindow;
        if (due > now.AddSeconds(1))
        {
            logger.LogInformation("Step {Step} of message {MessageId} is unconfirmed until {Due:O}; not sending it again.", step, record.Id, due);
            await ScheduleConfirmationAsync(record, step, due, cancellationToken);
            return;
        }
        var failed = await UpdateAsync(record.Id, current => current.AttemptFor(step) is { } a && UnconfirmedSince(a) is not null
            ? WithAttempt(current, step, planned.Channel, now, x =>
            {
                var lost = RecordedUnconfirmed(x) ? $"its answer was lost: {x.Error}" : "the call was interrupted before its answer was recorded";
                var error = $"{x.Provider ?? "the provider"} did not confirm the send within {Window(_confirmWindow)} ({lost}); not sent again, to avoid a double send";
                return x with
                {
                    Status = AttemptStatus.Failed,
                    Error = error,
                    History = [.. x.History, new AttemptStatusChange(AttemptStatus.Failed, now, UnconfirmedSource, error)],
                };
            }, $"Step {step} ({planned.Channel.Name()}): failed: {a.Provider ?? "the provider"} did not confirm the send within {Window(_confirmWindow)}.")
            : null, cancellationToken);
        if (failed is not null)
        {
            logger.LogWarning("Step {Step} of message {MessageId}: {Provider} did not confirm the send in time; the step failed.", step, record.Id, failed.Record.AttemptFor(step)?.Provider);
            await stats.RecordAsync(StatEvents.Failed(failed.Record, step, now), cancellationToken);
            await FallBackAsync(record.Id, step, cancellationToken);
        }
    }

    /// <summary>
    /// <see cref="ISendJournal"/> over the attempt's history: an entry (<see cref="CallingSource"/>) before the call to a
    /// provider without de-duplication — refused, and the provider not called, when another delivery's call is outstanding —
    /// and one (<see cref="NotAcceptedSource"/>) when it certainly did not take the message. <see cref="Known"/> is the
    /// version last written, for the writes that follow the send.
    /// </summary>
    private sealed class AttemptJournal(OutboundPipeline pipeline, TimeProvider clock, int step, PlannedStep planned, StoredMessage known) : ISendJournal
    {
        public StoredMessage Known { get; private set; } = known;

        public async Task CallingAsync(string provider, CancellationToken cancellationToken)
        {
            var now = clock.GetUtcNow();
            DateTimeOffset? outstanding = null;
            var note = $"calling {provider}, which cannot recognise a repeat: not sent again until its answer is recorded";
            var written = await pipeline.UpdateAsync(Known.Record.Id, current =>
            {
                outstanding = null;
                if (current.AttemptFor(step) is not { Status: AttemptStatus.Pending } attempt)
                {
                    outstanding = now; // settled meanwhile (a status callback): nothing to send
                    return null;
                }
                if (UnconfirmedSince(attempt) is { } since)
                {
                    outstanding = since;
                    return null;
                }
                return WithAttempt(current, step, planned.Channel, now, a => a with
                {
                    Provider = provider,
                    History = [.. a.History, new AttemptStatusChange(AttemptStatus.Pending, now, CallingSource, note)],
                }, null);
            }, cancellationToken, Known);
            if (written is null)
            {
                throw new StepInFlightException(Known.Record.Id, step, outstanding ?? now);
            }
            Known = written;
        }

        public async Task NotAcceptedAsync(string provider, string? error, CancellationToken cancellationToken)
        {
            var now = clock.GetUtcNow();
            var note = $"{provider} did not take it ({error ?? "no reason given"})";
            if (await pipeline.UpdateAsync(Known.Record.Id, current => current.AttemptFor(step) is { Status: AttemptStatus.Pending } attempt
                    && LastSendMark(attempt) is { Source: CallingSource }
                ? WithAttempt(current, step, planned.Channel, now, a => a with
                {
                    History = [.. a.History, new AttemptStatusChange(AttemptStatus.Pending, now, NotAcceptedSource, note)],
                }, null)
                : null, cancellationToken, Known) is { } written)
            {
                Known = written;
            }
        }
    }

    /// <summary>Thrown by <see cref="AttemptJournal.CallingAsync"/>: the step's send is outstanding elsewhere (or settled).</summary>
    private sealed class StepInFlightException(string messageId, int step, DateTimeOffset since)
        : Exception($"Step {step} of message {messageId} is being sent by another delivery; not calling the provider.")
    {
        public DateTimeOffset Since { get; } = since;
    }

    /// <summary>After step <paramref name="failedStep"/> failed: send the next step (first/escalate), or end the message when nothing is left.</summary>
    private async Task FallBackAsync(string messageId, int failedStep, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var stored = await messages.GetAsync(messageId, cancellationToken);
        if (stored is null)
        {
            return;
        }
        var record = stored.Record;
        var strategy = MessageRequestValidator.StrategyOf(record.Request);
        var next = failedStep + 1;
        var laterStarted = record.Attempts.Any(a => a.Step > failedStep);
        if (strategy != RoutingStrategy.All && !laterStarted && next < record.Plan.Count && !record.Status.IsFinal())
        {
            var queued = await UpdateAsync(messageId, current => current.Attempts.Any(a => a.Step > failedStep) ? null : current with
            {
                Trace = [.. current.Trace, $"Falling back from {current.Plan[failedStep].Channel.Name()} to {current.Plan[next].Channel.Name()} (step {next})."],
                UpdatedAt = now,
            }, cancellationToken);
            if (queued is not null)
            {
                await stats.RecordAsync(StatEvents.Fallback(queued.Record, failedStep, now), cancellationToken);
                await EnqueueStepAsync(queued.Record, next, cancellationToken);
            }
            return;
        }
        var summarised = await UpdateAsync(messageId, current => Summarise(current, now), cancellationToken);
        await stats.RecordAsync(StatEvents.Outcome(summarised?.Record, now), cancellationToken);
    }

    // ---------------------------------------------------------------- escalation

    /// <summary>EscalateMessage: the step's deadline passed; unless it was delivered (or answered), send the next step.</summary>
    public async Task EscalateAsync(EscalationCheck check, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var stored = await messages.GetAsync(check.MessageId, cancellationToken);
        var attempt = stored?.Record.AttemptFor(check.Step);
        if (stored is null || attempt is null)
        {
            return;
        }
        var record = stored.Record;
        var next = check.Step + 1;
        string? reason = null;
        if (AttemptStatusMachine.IsDelivered(attempt.Status))
        {
            reason = $"delivered ({attempt.Status.Name()})";
        }
        else if (record.RepliedAt is not null)
        {
            reason = "the contact replied";
        }
        else if (record.Attempts.Any(a => a.Step > check.Step) || attempt.Escalated || attempt.Status is AttemptStatus.Failed or AttemptStatus.Expired)
        {
            return; // the plan moved on already (fallback or an earlier check)
        }
        else if (record.Status.IsFinal() || next >= record.Plan.Count)
        {
            return;
        }
        else if (record.Request.ExpiresAt is { } expiresAt && expiresAt <= now)
        {
            reason = "the message expired";
        }

        if (reason is not null)
        {
            await UpdateAsync(record.Id, current => current.Trace.Contains(EscalationSkipped(check.Step, reason)) ? null : current with
            {
                Trace = [.. current.Trace, EscalationSkipped(check.Step, reason)],
                UpdatedAt = now,
            }, cancellationToken);
            return;
        }

        var escalated = await UpdateAsync(record.Id, current => current.AttemptFor(check.Step) is { Escalated: false } a && !AttemptStatusMachine.IsDelivered(a.Status)
            && current.Attempts.All(x => x.Step <= check.Step)
            ? WithAttempt(current, check.Step, a.Channel, now, x => x with { Escalated = true },
                $"Step {check.Step} ({a.Channel.Name()}) not delivered by {Stamp(now)} ({a.Status.Name()}): escalating to {current.Plan[next].Channel.Name()} (step {next}).")
            : null, cancellationToken);
        if (escalated is not null)
        {
            logger.LogInformation("Message {MessageId} escalates from step {Step} to step {Next}.", record.Id, check.Step, next);
            await stats.RecordAsync(StatEvents.Escalated(escalated.Record, check.Step, now), cancellationToken);
            await EnqueueStepAsync(escalated.Record, next, cancellationToken);
        }
    }

    private static string EscalationSkipped(int step, string reason) => $"Step {step}: no escalation, {reason}.";

    // ---------------------------------------------------------------- reports

    /// <summary>
    /// ProcessInbound, delivery and engagement reports: move the attempt forward through the status machine (a late or
    /// repeated report changes nothing) and fall back when it failed. False when the provider id is not (yet) known.
    /// A provider id that is not indexed but comes with the Omni message/step hints of a signed callback URL
    /// (<see cref="InboundEvent.OmniMessageId"/>, <see cref="InboundEvent.OmniStep"/>) resolves to that step when its
    /// attempt is this provider's (or has no provider id yet), and is indexed. A report that confirms an unconfirmed
    /// send moves it on like an accepted send (cost, escalation deadline); one that comes after the send was given up
    /// still moves the attempt (the send happened), but a message already ended as undeliverable stays so (a final
    /// status never goes back): the late confirmation is recorded on the attempt and in the trace.
    /// </summary>
    public async Task<bool> ApplyReportAsync(InboundEvent report, CancellationToken cancellationToken)
    {
        if (report.ProviderMessageId is null || report.Status is not { } status)
        {
            return true;
        }
        var target = await messages.FindByProviderMessageAsync(report.Provider, report.ProviderMessageId, cancellationToken);
        var byHints = false;
        if (target is null)
        {
            target = await ResolveByHintsAsync(report, cancellationToken);
            if (target is null)
            {
                return false;
            }
            byHints = true;
        }
        var now = clock.GetUtcNow();
        var moved = false;
        var confirmed = false;
        var updated = await UpdateAsync(target.MessageId, current =>
        {
            var attempt = current.AttemptFor(target.Step);
            if (attempt is null)
            {
                return null;
            }
            var terminal = AttemptStatusMachine.IsTerminal(status);
            // An unconfirmed send, or a pending one the callback's hints found (its answer not recorded yet, or lost in a crash).
            var confirming = !terminal && attempt.Status == AttemptStatus.Pending && (UnconfirmedSince(attempt) is not null || byHints);
            var late = !terminal && attempt.Status == AttemptStatus.Failed && WasGivenUp(attempt);
            if (!late && !AttemptStatusMachine.CanMove(attempt.Status, status))
            {
                return null;
            }
            moved = true;
            confirmed = confirming || late;
            var keepFinal = current.Status.IsFinal() && WasGivenUp(attempt);
            var detail = report.Kind == InboundEventKind.Engagement ? $"engagement: {report.Engagement}"
                : late ? $"late: {report.Provider} confirmed the send after it was given up" : report.Error;
            var escalateAt = confirming ? EscalationDue(current, target.Step, now) : null;
            var line = late
                ? $"Step {target.Step} ({attempt.Channel.Name()}): {report.Provider} reports {status.Name()} after the send was given up: it was sent after all" +
                    (keepFinal ? $"; the message stays {current.Status.Name()}." : ".")
                : $"Step {target.Step} ({attempt.Channel.Name()}): {report.Provider} reports {status.Name()}{(report.Error is null ? "" : ": " + report.Error)}" +
                    (confirming ? $" (confirms the unconfirmed send{(escalateAt is { } at ? $"; escalates at {Stamp(at)} unless delivered" : "")})." : ".");
            var changed = WithAttempt(current, target.Step, attempt.Channel, now, a => a with
            {
                Status = status,
                // The reporting provider has it (a report may overtake the recording of the send's answer; stats count by provider).
                Provider = a.Provider ?? report.Provider,
                ProviderMessageId = byHints || confirmed ? a.ProviderMessageId ?? report.ProviderMessageId : a.ProviderMessageId,
                Error = terminal ? report.Error ?? a.Error : confirming || late ? null : a.Error,
                Cost = confirming || late ? a.Cost ?? settings.UnitCost(a.Channel) * (a.Segments ?? 1) : a.Cost,
                Currency = confirming || late ? a.Currency ?? settings.Currency : a.Currency,
                EscalateAt = escalateAt ?? a.EscalateAt,
                History = [.. a.History, new AttemptStatusChange(status, report.OccurredAt == default ? now : report.OccurredAt, "report", detail)],
            }, line);
            return keepFinal ? changed : Summarise(changed, now);
        }, cancellationToken);
        await stats.RecordAsync(StatEvents.Report(target.MessageId, target.Step, report, moved ? updated?.Record : null, now), cancellationToken);
        if (confirmed && updated is not null)
        {
            logger.LogInformation("Step {Step} of message {MessageId}: {Provider} confirmed the unconfirmed send.", target.Step, target.MessageId, report.Provider);
            await stats.RecordAsync(StatEvents.Sent(updated.Record, target.Step, now), cancellationToken);
            if (updated.Record.AttemptFor(target.Step) is { EscalateAt: { } due, Escalated: false } && due > now)
            {
                await ScheduleEscalationAsync(updated.Record, target.Step, due, cancellationToken);
            }
        }
        if (moved && updated is not null && status is AttemptStatus.Failed or AttemptStatus.Expired)
        {
            await FallBackAsync(target.MessageId, target.Step, cancellationToken);
        }
        return true;
    }

    /// <summary>
    /// A report whose provider id is not indexed, with Omni's message/step hints: the step's attempt when it is this
    /// provider's (or untold) and has no other provider id — then the id is indexed. Null otherwise.
    /// </summary>
    private async Task<ProviderMessageRef?> ResolveByHintsAsync(InboundEvent report, CancellationToken cancellationToken)
    {
        if (report.OmniMessageId is not { } messageId || report.OmniStep is not { } step || report.ProviderMessageId is not { } providerId)
        {
            return null;
        }
        var stored = await messages.GetAsync(messageId, cancellationToken);
        var attempt = stored?.Record.AttemptFor(step);
        var ours = attempt is not null
            && (attempt.ProviderMessageId is null || attempt.ProviderMessageId == providerId)
            && (attempt.Provider is null || attempt.Provider == report.Provider || attempt.Tries.Any(t => t.Provider == report.Provider));
        if (!ours)
        {
            logger.LogWarning("Report {EventId} names message {MessageId} step {Step}, whose attempt is not this {Provider} send; not applied.",
                report.Id, messageId, step, report.Provider);
            return null;
        }
        await messages.IndexProviderMessageAsync(report.Provider, providerId, messageId, step, cancellationToken);
        logger.LogInformation("Report {EventId}: {Provider} id indexed from the callback's hints (message {MessageId} step {Step}).", report.Id, report.Provider, messageId, step);
        return new ProviderMessageRef(messageId, step);
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>Re-reads and re-applies <paramref name="change"/> until the ETag holds; null when the change says "nothing to do".</summary>
    public async Task<StoredMessage?> UpdateAsync(string messageId, Func<MessageRecord, MessageRecord?> change, CancellationToken cancellationToken, StoredMessage? known = null)
    {
        // A version this invocation just read or wrote is tried first, with its ETag: no read before the write
        // (docs/performance.md, storage cost). If it is stale the write fails with 412 and the loop reads the current
        // one; if the change does not apply to it, the current version decides (it may differ).
        if (known is not null && known.Record.Id == messageId && change(known.Record) is { } first)
        {
            var written = await messages.ReplaceAsync(first, known.ETag, cancellationToken);
            if (written is not null)
            {
                return written;
            }
        }
        for (var i = 0; i < MaxConflictRetries; i++)
        {
            var stored = await messages.GetAsync(messageId, cancellationToken);
            if (stored is null)
            {
                return null;
            }
            var next = change(stored.Record);
            if (next is null)
            {
                return null;
            }
            var replaced = await messages.ReplaceAsync(next, stored.ETag, cancellationToken);
            if (replaced is not null)
            {
                return replaced;
            }
        }
        throw new MessageConflictException(messageId);
    }

    private async Task FinishAsync(StoredMessage stored, MessageStatus status, string reason, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await UpdateAsync(stored.Record.Id, current => current.Status is MessageStatus.Accepted or MessageStatus.Deferred
            ? current with { Status = status, Reason = reason, Trace = [.. current.Trace, reason], UpdatedAt = now }
            : null, cancellationToken, known: stored);
        logger.LogInformation("Message {MessageId} not sent: {Status}.", stored.Record.Id, status.Name());
    }

    private static MessageRecord WithAttempt(MessageRecord record, int step, Channel channel, DateTimeOffset now, Func<MessageAttempt, MessageAttempt> change, string? traceLine)
    {
        var attempts = record.Attempts.ToList();
        var index = attempts.FindIndex(a => a.Step == step);
        var current = index >= 0 ? attempts[index] : new MessageAttempt
        {
            Step = step,
            Channel = channel,
            StartedAt = now,
            History = [new AttemptStatusChange(AttemptStatus.Pending, now, "send")],
        };
        var changed = change(current);
        if (index >= 0)
        {
            attempts[index] = changed;
        }
        else
        {
            attempts.Add(changed);
            attempts.Sort((a, b) => a.Step.CompareTo(b.Step));
        }
        return record with
        {
            Attempts = attempts,
            Trace = traceLine is null ? record.Trace : [.. record.Trace, traceLine],
            UpdatedAt = now,
        };
    }

    /// <summary>The message status from its attempts: read &gt; delivered &gt; sent; undeliverable once every step failed and nothing is left to try.</summary>
    public static MessageRecord Summarise(MessageRecord record, DateTimeOffset now)
    {
        if (record.Status is MessageStatus.Rejected or MessageStatus.Capped)
        {
            return record;
        }
        var attempts = record.Attempts;
        MessageStatus status;
        string? reason = record.Reason;
        if (attempts.Any(a => a.Status == AttemptStatus.Read))
        {
            status = MessageStatus.Read;
        }
        else if (attempts.Any(a => a.Status == AttemptStatus.Delivered))
        {
            status = MessageStatus.Delivered;
        }
        else if (attempts.Any(a => a.Status is AttemptStatus.Queued or AttemptStatus.Sent))
        {
            status = MessageStatus.Sent;
        }
        else if (attempts.Any(a => a.Status == AttemptStatus.Pending))
        {
            status = MessageStatus.Routed;
        }
        else
        {
            var strategy = MessageRequestValidator.StrategyOf(record.Request);
            var started = attempts.Count;
            var nothingLeft = strategy == RoutingStrategy.All ? started == record.Plan.Count : attempts.Any(a => a.Step == record.Plan.Count - 1) || started == 0;
            if (!nothingLeft)
            {
                return record with { Status = MessageStatus.Routed };
            }
            var expired = attempts.Count > 0 && attempts.All(a => a.Status == AttemptStatus.Expired);
            status = expired ? MessageStatus.Expired : MessageStatus.Undeliverable;
            reason = expired ? "Expired before it could be sent." : "Every channel of the plan failed.";
        }
        if (status == record.Status && reason == record.Reason)
        {
            return record;
        }
        var trace = status is MessageStatus.Undeliverable or MessageStatus.Expired && record.Status != status ? [.. record.Trace, reason!] : record.Trace;
        return record with { Status = status, Reason = status is MessageStatus.Undeliverable or MessageStatus.Expired ? reason : record.Reason, Trace = trace, UpdatedAt = now };
    }

    private static MessageContent ToRoutingContent(IReadOnlyDictionary<Channel, RenderedContent> content)
    {
        content.TryGetValue(Channel.Email, out var email);
        return new MessageContent(
            Text: null,
            Subject: email?.Subject,
            Html: email?.Html,
            TextByChannel: content.Where(c => c.Value.Text is not null).ToDictionary(c => c.Key, c => c.Value.Text!));
    }

    private static List<Channel>? ParseChannels(IReadOnlyList<string>? names) =>
        names?.Select(n => Omni.Core.Contacts.Channels.TryParse(n, out var c) ? c : (Channel?)null).Where(c => c is not null).Select(c => c!.Value).ToList();

    /// <summary>An id for a queue message without one in its body: its Service Bus MessageId when that is a valid id, else a hash of it.</summary>
    private static string? IdFromQueueMessageId(string? queueMessageId)
    {
        if (string.IsNullOrEmpty(queueMessageId))
        {
            return null;
        }
        if (MessageRequestValidator.IsValidId(queueMessageId))
        {
            return queueMessageId;
        }
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(queueMessageId));
        return "q-" + Convert.ToHexStringLower(hash)[..40];
    }

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A provider failed transiently: the invocation fails so Service Bus redelivers the step.</summary>
public sealed class TransientSendException(string messageId, int step, string provider, int deliveryCount)
    : Exception($"Step {step} of message {messageId}: {provider} failed transiently on delivery {deliveryCount}; Service Bus will redeliver.");

/// <summary>The message record kept changing under us; the invocation fails and is retried.</summary>
public sealed class MessageConflictException(string messageId) : Exception($"Message {messageId} kept changing concurrently; retrying the delivery.");
