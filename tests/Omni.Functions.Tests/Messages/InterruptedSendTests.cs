using Omni.Channels;
using Omni.Channels.Outbound;
using Omni.Core.Contacts;
using Omni.Core.Messages;
using Omni.Functions.Messages;

namespace Omni.Functions.Tests.Messages;

/// <summary>
/// Issue 10, "handler killed mid-invocation … no double send", for a provider that cannot recognise a repeat (Twilio):
/// the call is journalled on the attempt before it is made (<see cref="ISendJournal"/>), so a crash during the call — or
/// a second delivery racing the first — is an unconfirmed send, never a second one (docs/reliability.md).
/// </summary>
public sealed class InterruptedSendTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private static readonly TimeSpan Window = UnconfirmedSendTests.Window;

    private static MessageRequest Text(string contactId) => UnconfirmedSendTests.Text(contactId);

    private static SendResult TwilioAccepted(DateTimeOffset at, string sid) => new(SendOutcome.Accepted, "twilio", sid, AttemptStatus.Queued, 1, null, null, null, null,
        [new ProviderTry("twilio", ProviderTryOutcomes.Accepted, at)]);

    /// <summary>Counts the calls that got past the journal, i.e. that reached Twilio.</summary>
    private sealed class TwilioCalls
    {
        public int Count;
    }

    /// <summary>The first send reaches Twilio, then the process dies before the answer is recorded.</summary>
    private async Task<(PipelineHarness H, string Id, TwilioCalls Calls)> CrashDuringTheCallAsync()
    {
        var h = new PipelineHarness(storage);
        var calls = new TwilioCalls();
        var contact = await h.CreateContactAsync();
        h.Sms.ThenAsync(async request =>
        {
            await request.Journal!.CallingAsync("twilio", CancellationToken.None);
            calls.Count++;
            throw new SimulatedCrashException();
        });
        var id = await h.AcceptAsync(Text(contact.Id));
        await h.RunQueuesAsync(); // the crash, then the redelivery
        return (h, id, calls);
    }

    [Fact]
    public async Task CrashDuringTheCall_TheRedeliverySendsNothing_AndTheStatusCallbackConfirms()
    {
        var (h, id, calls) = await CrashDuringTheCallAsync();

        Assert.Equal(1, calls.Count);
        Assert.Single(h.Sms.Calls); // the redelivery did not call the sender at all
        Assert.Empty(h.Email.Calls);
        Assert.Empty(h.Failures);
        var attempt = Assert.Single((await h.GetAsync(id)).Attempts);
        Assert.Equal((AttemptStatus.Pending, "twilio"), (attempt.Status, attempt.Provider));
        Assert.Equal(OutboundPipeline.CallingSource, attempt.History[^1].Source);
        var check = Assert.Single(h.Sent, m => m.MessageId == $"{id}:0:confirm");
        Assert.Equal(attempt.History[^1].At + Window, check.VisibleAt);

        UnconfirmedSendTests.Callback(h, "SM00000000000000000000000000000042", AttemptStatus.Delivered, id, 0);
        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        Assert.Equal(MessageStatus.Delivered, record.Status);
        Assert.Equal((AttemptStatus.Delivered, "SM00000000000000000000000000000042"), (record.Attempts[0].Status, record.Attempts[0].ProviderMessageId));
        h.Clock.Advance(Window);
        await h.RunQueuesAsync();
        Assert.Equal(1, calls.Count);
        Assert.Empty(h.Email.Calls);
    }

    [Fact]
    public async Task CrashDuringTheCall_NoCallbackWithinTheWindow_TheStepIsGivenUp_AndThePlanFallsBack()
    {
        var (h, id, calls) = await CrashDuringTheCallAsync();

        h.Clock.Advance(Window);
        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        Assert.Equal([(Channel.Sms, AttemptStatus.Failed), (Channel.Email, AttemptStatus.Queued)], record.Attempts.Select(a => (a.Channel, a.Status)));
        Assert.Equal("twilio did not confirm the send within 5 min (the call was interrupted before its answer was recorded); not sent again, to avoid a double send",
            record.Attempts[0].Error);
        Assert.Equal(1, calls.Count);
        Assert.Single(h.Email.Calls);
    }

    [Fact]
    public async Task TwilioCertainlyDidNotTakeIt_TheMarkIsLifted_AndTheRedeliverySendsAgain()
    {
        var h = new PipelineHarness(storage);
        var contact = await h.CreateContactAsync();
        var calls = new TwilioCalls();
        h.Sms.ThenAsync(async request =>
        {
            await request.Journal!.CallingAsync("twilio", CancellationToken.None);
            calls.Count++;
            await request.Journal.NotAcceptedAsync("twilio", "twilio http 503", CancellationToken.None);
            return new SendResult(SendOutcome.Transient, "twilio", null, AttemptStatus.Pending, 1, null, null, "twilio http 503", null,
                [new ProviderTry("twilio", ProviderTryOutcomes.Transient, h.Clock.GetUtcNow(), "twilio http 503")]);
        }).ThenAsync(async request =>
        {
            await request.Journal!.CallingAsync("twilio", CancellationToken.None);
            calls.Count++;
            return TwilioAccepted(h.Clock.GetUtcNow(), "SM00000000000000000000000000000043");
        });
        var id = await h.AcceptAsync(Text(contact.Id));
        await h.RunQueuesAsync();

        Assert.Equal(2, calls.Count);
        var attempt = Assert.Single((await h.GetAsync(id)).Attempts);
        Assert.Equal((AttemptStatus.Queued, "SM00000000000000000000000000000043"), (attempt.Status, attempt.ProviderMessageId));
        Assert.Equal([OutboundPipeline.CallingSource, OutboundPipeline.NotAcceptedSource, OutboundPipeline.CallingSource, "send"],
            attempt.History.Skip(1).Select(c => c.Source));
        Assert.DoesNotContain(h.Sent.Concat(h.Dispatched), m => m.MessageId == $"{id}:0:confirm");
        Assert.Empty(h.Failures);
    }

    [Fact]
    public async Task TwoDeliveriesRacing_OnlyOneCallsTwilio_TheOtherWaitsForTheConfirmation()
    {
        var h = new PipelineHarness(storage);
        var contact = await h.CreateContactAsync();
        var calls = new TwilioCalls();
        string? id = null;
        h.Sms.ThenAsync(async request =>
        {
            // Delivery A has read the pending attempt; before it journals its call, delivery B (a duplicate of the step
            // command) runs, journals, reaches Twilio and dies.
            await Assert.ThrowsAsync<SimulatedCrashException>(() => h.Pipeline.SendStepAsync(new SendStepCommand(id!, 0), 1, CancellationToken.None));
            await request.Journal!.CallingAsync("twilio", CancellationToken.None); // refused: B's call is outstanding
            calls.Count++;
            return TwilioAccepted(h.Clock.GetUtcNow(), "SM00000000000000000000000000000044");
        }).ThenAsync(async request =>
        {
            await request.Journal!.CallingAsync("twilio", CancellationToken.None);
            calls.Count++;
            throw new SimulatedCrashException();
        });
        var contactMessage = Text(contact.Id);
        id = await h.AcceptAsync(contactMessage);
        await h.RunQueuesAsync();

        Assert.Equal(1, calls.Count);
        Assert.Equal(2, h.Sms.Calls.Count);
        var attempt = Assert.Single((await h.GetAsync(id)).Attempts);
        Assert.Equal(AttemptStatus.Pending, attempt.Status);
        Assert.Single(attempt.History, c => c.Source == OutboundPipeline.CallingSource);
        Assert.Single(h.Sent, m => m.MessageId == $"{id}:0:confirm");
        Assert.Empty(h.Failures);
    }
}
