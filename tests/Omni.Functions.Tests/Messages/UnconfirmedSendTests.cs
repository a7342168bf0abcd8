using System.Text.Json;
using Omni.Channels;
using Omni.Channels.Outbound;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Functions.Tests.Messages;

/// <summary>
/// Issue 10, "at most one successful send per (message, step)" with Twilio, which has no idempotency key: an ambiguous
/// Twilio outcome is never sent again; the status callback (found by its provider id, or by the Omni message/step hints
/// of its URL) confirms it, or the step is given up when the confirmation window passes (docs/channels.md).
/// </summary>
public sealed class UnconfirmedSendTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    internal static readonly TimeSpan Window = Omni.Channels.Twilio.TwilioOptions.DefaultConfirmWindow;

    /// <summary>An SMS for a contact with an email address too: the plan falls back to email.</summary>
    internal static MessageRequest Text(string contactId) => new()
    {
        ContactId = contactId,
        Category = "transactional",
        Urgency = "high",
        Strategy = "first",
        Content = new MessageContentRequest { Text = "Your code is 123456", Subject = "Your code" },
    };

    /// <summary>What SmsSender answers when Twilio's create-message call timed out after it was sent.</summary>
    private static SendResult Unconfirmed(DateTimeOffset at) => new(SendOutcome.Transient, "twilio", null, AttemptStatus.Pending, 1, null, null,
        "twilio timeout", null, [new ProviderTry("acs", ProviderTryOutcomes.Transient, at, "acs http 503"), new ProviderTry("twilio", ProviderTryOutcomes.Unconfirmed, at, "twilio timeout")]);

    private async Task<(PipelineHarness H, string Id, Contact Contact)> SendUnconfirmedAsync(Func<Contact, Contact>? contact = null)
    {
        var h = new PipelineHarness(storage);
        var created = await h.CreateContactAsync(contact);
        h.Sms.Then(_ => Unconfirmed(h.Clock.GetUtcNow()));
        var id = await h.AcceptAsync(Text(created.Id));
        await h.RunQueuesAsync();
        return (h, id, created);
    }

    /// <summary>Queues Twilio's status callback (with the message/step hints of its URL when given) on <c>inbound</c>.</summary>
    internal static void Callback(PipelineHarness h, string sid, AttemptStatus status, string? messageId, int? step, string? error = null)
    {
        var report = new InboundEvent
        {
            Id = $"twilio:{sid}:{status}",
            Kind = InboundEventKind.Delivery,
            Provider = "twilio",
            Channel = Channel.Sms,
            ProviderMessageId = sid,
            Status = status,
            Error = error,
            OmniMessageId = messageId,
            OmniStep = step,
            OccurredAt = h.Clock.GetUtcNow(),
            ReceivedAt = h.Clock.GetUtcNow(),
        };
        h.Sent.Add(new PipelineHarness.QueuedMessage(OmniQueues.Inbound, report.Id, JsonSerializer.SerializeToUtf8Bytes(report, JsonSerializerOptions.Web), h.Clock.GetUtcNow()));
    }

    [Fact]
    public async Task AmbiguousTwilioOutcome_IsRecordedPending_AndRedeliveryDoesNotSendAgain()
    {
        var (h, id, _) = await SendUnconfirmedAsync();

        Assert.Empty(h.Failures); // no exception: the queue message completes, nothing is redelivered to resend
        var attempt = Assert.Single((await h.GetAsync(id)).Attempts);
        Assert.Equal((AttemptStatus.Pending, "twilio", "twilio timeout"), (attempt.Status, attempt.Provider, attempt.Error));
        Assert.Equal(["acs:transient", "twilio:unconfirmed"], attempt.Tries.Select(t => $"{t.Provider}:{t.Outcome}"));
        Assert.Equal("unconfirmed", attempt.History[^1].Source);
        var check = Assert.Single(h.Sent, m => m.MessageId == $"{id}:0:confirm");
        Assert.Equal((OmniQueues.SendSms, h.Clock.GetUtcNow() + Window), (check.Queue, check.VisibleAt));

        // The step command delivered again (a duplicate, or a redelivery after a lost completion) before the window ends.
        h.Sent.Add(new PipelineHarness.QueuedMessage(OmniQueues.SendSms, "another-copy",
            JsonSerializer.SerializeToUtf8Bytes(new SendStepCommand(id, 0), JsonSerializerOptions.Web), h.Clock.GetUtcNow()));
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await h.RunQueuesAsync();

        Assert.Single(h.Sms.Calls);
        Assert.Empty(h.Email.Calls);
        Assert.Equal(AttemptStatus.Pending, Assert.Single((await h.GetAsync(id)).Attempts).Status);
        Assert.Contains((await h.GetAsync(id)).Trace, l => l.StartsWith("Step 0 (sms): unconfirmed: twilio may have it", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StatusCallbackWithHints_ResolvesTheAttempt_IndexesTheSid_AndTheWindowsEndChangesNothing()
    {
        var (h, id, _) = await SendUnconfirmedAsync();

        Callback(h, "SM0123456789abcdef0123456789abcdef", AttemptStatus.Sent, id, 0);
        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        var attempt = Assert.Single(record.Attempts);
        Assert.Equal((AttemptStatus.Sent, "SM0123456789abcdef0123456789abcdef", (string?)null), (attempt.Status, attempt.ProviderMessageId, attempt.Error));
        Assert.Equal(0.0075m, attempt.Cost);
        Assert.Equal(MessageStatus.Sent, record.Status);
        Assert.Equal(new ProviderMessageRef(id, 0), await h.Messages.FindByProviderMessageAsync("twilio", "SM0123456789abcdef0123456789abcdef", CancellationToken.None));

        // A later report finds the attempt by the indexed sid alone.
        Callback(h, "SM0123456789abcdef0123456789abcdef", AttemptStatus.Delivered, null, null);
        h.Clock.Advance(Window);
        await h.RunQueuesAsync();

        record = await h.GetAsync(id);
        Assert.Equal(MessageStatus.Delivered, record.Status);
        Assert.Equal(AttemptStatus.Delivered, Assert.Single(record.Attempts).Status);
        Assert.Single(h.Sms.Calls);
        Assert.Empty(h.Email.Calls);
        Assert.Empty(h.Failures);
    }

    [Fact]
    public async Task StatusCallbackWithoutHints_ForAnUnknownSid_IsNotApplied()
    {
        var (h, id, _) = await SendUnconfirmedAsync();

        Assert.False(await h.Pipeline.ApplyReportAsync(new InboundEvent
        {
            Id = "twilio:SMx:sent", Kind = InboundEventKind.Delivery, Provider = "twilio", Channel = Channel.Sms,
            ProviderMessageId = "SMx", Status = AttemptStatus.Sent,
        }, CancellationToken.None));
        Assert.Equal(AttemptStatus.Pending, Assert.Single((await h.GetAsync(id)).Attempts).Status);
    }

    [Fact]
    public async Task Hints_NamingAStepAnotherProviderSent_AreNotTrusted()
    {
        var h = new PipelineHarness(storage);
        var contact = await h.CreateContactAsync();
        var id = await h.AcceptAsync(Text(contact.Id)); // accepted by the scripted "acs" provider
        await h.RunQueuesAsync();

        Assert.False(await h.Pipeline.ApplyReportAsync(new InboundEvent
        {
            Id = "twilio:SMy:delivered", Kind = InboundEventKind.Delivery, Provider = "twilio", Channel = Channel.Sms,
            ProviderMessageId = "SMy", Status = AttemptStatus.Delivered, OmniMessageId = id, OmniStep = 0,
        }, CancellationToken.None));
        Assert.Equal(AttemptStatus.Queued, Assert.Single((await h.GetAsync(id)).Attempts).Status);
        Assert.Null(await h.Messages.FindByProviderMessageAsync("twilio", "SMy", CancellationToken.None));
    }

    [Fact]
    public async Task WindowPassesUnconfirmed_TheStepFails_AndThePlanFallsBack()
    {
        var (h, id, _) = await SendUnconfirmedAsync();

        h.Clock.Advance(Window - TimeSpan.FromSeconds(5));
        await h.RunQueuesAsync();
        Assert.Empty(h.Email.Calls);

        h.Clock.Advance(TimeSpan.FromSeconds(5));
        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        Assert.Equal([(Channel.Sms, AttemptStatus.Failed), (Channel.Email, AttemptStatus.Queued)], record.Attempts.Select(a => (a.Channel, a.Status)));
        Assert.StartsWith("twilio did not confirm the send within 5 min", record.Attempts[0].Error, StringComparison.Ordinal);
        Assert.Contains("Step 0 (sms): failed: twilio did not confirm the send within 5 min.", record.Trace);
        Assert.Single(h.Sms.Calls);
        Assert.Single(h.Email.Calls);
    }

    [Fact]
    public async Task WindowPassesUnconfirmed_OnTheLastStep_MakesTheMessageUndeliverable_AndALateCallbackKeepsThatStatus()
    {
        var (h, id, _) = await SendUnconfirmedAsync(c => c with { Addresses = new Dictionary<Channel, ContactAddress> { [Channel.Sms] = c.Addresses[Channel.Sms] } });
        h.Clock.Advance(Window);
        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        Assert.Equal(MessageStatus.Undeliverable, record.Status);
        Assert.Equal(AttemptStatus.Failed, Assert.Single(record.Attempts).Status);
        Assert.Contains(record.Trace, l => l.Contains("did not confirm the send within 5 min", StringComparison.Ordinal));

        // Twilio had sent it after all: the callback arrives late.
        h.Clock.Advance(TimeSpan.FromMinutes(3));
        Callback(h, "SM99", AttemptStatus.Delivered, id, 0);
        await h.RunQueuesAsync();

        record = await h.GetAsync(id);
        var attempt = Assert.Single(record.Attempts);
        Assert.Equal(MessageStatus.Undeliverable, record.Status); // a final status never goes back
        Assert.Equal((AttemptStatus.Delivered, "SM99"), (attempt.Status, attempt.ProviderMessageId));
        Assert.Equal([AttemptStatus.Pending, AttemptStatus.Pending, AttemptStatus.Failed, AttemptStatus.Delivered], attempt.History.Select(c => c.Status));
        Assert.StartsWith("late:", attempt.History[^1].Detail, StringComparison.Ordinal);
        Assert.Contains(record.Trace, l => l.EndsWith("after the send was given up: it was sent after all; the message stays undeliverable.", StringComparison.Ordinal));
        Assert.Single(h.Sms.Calls);
    }

    [Fact]
    public async Task FailedStatusCallback_ForAnUnconfirmedSend_FallsBackAtOnce()
    {
        var (h, id, _) = await SendUnconfirmedAsync();

        Callback(h, "SM5", AttemptStatus.Failed, id, 0, "30003: Unreachable destination handset");
        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        Assert.Equal([(Channel.Sms, AttemptStatus.Failed), (Channel.Email, AttemptStatus.Queued)], record.Attempts.Select(a => (a.Channel, a.Status)));
        Assert.Equal("30003: Unreachable destination handset", record.Attempts[0].Error);

        h.Clock.Advance(Window);
        await h.RunQueuesAsync();
        Assert.Single(h.Email.Calls);
        Assert.Single(h.Sms.Calls);
    }

    [Fact]
    public async Task CallbackOvertakingTheLostAnswer_ConfirmsTheSend_AndNoCheckIsScheduled()
    {
        var h = new PipelineHarness(storage);
        var contact = await h.CreateContactAsync();
        var applied = false;
        h.Sms.Then(request =>
        {
            // Twilio took it and its callback came in before Omni's call timed out.
            applied = h.Pipeline.ApplyReportAsync(new InboundEvent
            {
                Id = "twilio:SM7:sent", Kind = InboundEventKind.Delivery, Provider = "twilio", Channel = Channel.Sms,
                ProviderMessageId = "SM7", Status = AttemptStatus.Sent, OmniMessageId = request.MessageId, OmniStep = request.Step,
                OccurredAt = h.Clock.GetUtcNow(),
            }, CancellationToken.None).GetAwaiter().GetResult();
            return Unconfirmed(h.Clock.GetUtcNow());
        });
        var id = await h.AcceptAsync(Text(contact.Id));
        await h.RunQueuesAsync();

        Assert.True(applied);
        var record = await h.GetAsync(id);
        var attempt = Assert.Single(record.Attempts);
        Assert.Equal((AttemptStatus.Sent, "twilio", "SM7", 0.0075m), (attempt.Status, attempt.Provider, attempt.ProviderMessageId, attempt.Cost));
        Assert.Equal(["acs:transient", "twilio:unconfirmed"], attempt.Tries.Select(t => $"{t.Provider}:{t.Outcome}"));
        Assert.DoesNotContain(h.Sent, m => m.MessageId == $"{id}:0:confirm");
        Assert.Equal(MessageStatus.Sent, record.Status);

        h.Clock.Advance(Window);
        await h.RunQueuesAsync();
        Assert.Single(h.Sms.Calls);
        Assert.Empty(h.Email.Calls);
    }
}
