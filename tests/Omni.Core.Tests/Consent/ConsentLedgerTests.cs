using Omni.Core.Consent;
using Omni.Core.Contacts;

namespace Omni.Core.Tests.Consent;

public class ConsentLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static int _nextId;

    private static ConsentEvent Event(
        ConsentState state, Channel? channel, string? category, int day, ConsentSource source = ConsentSource.Api,
        bool byContact = false, string? id = null, string evidence = "evidence", string actor = "app-1") => new()
        {
            Id = id ?? $"e{Interlocked.Increment(ref _nextId):D6}",
            Channel = channel,
            Category = category,
            State = state,
            Source = source,
            ByContact = byContact,
            Evidence = evidence,
            Actor = actor,
            At = T0.AddDays(day),
        };

    private static ConsentEvent Stop(Channel channel, int day) =>
        Event(ConsentState.OptedOut, channel, null, day, ConsentSource.Keyword, byContact: true);

    private static ConsentEvent FormOptIn(Channel? channel, string? category, int day) =>
        Event(ConsentState.OptedIn, channel, category, day, ConsentSource.Form, byContact: true);

    [Fact]
    public void Current_NoHistory_IsUnknownWithNoDecidingEvent()
    {
        var decision = new ConsentLedger([]).Current(Channel.Sms, ConsentCategories.Marketing);
        Assert.Equal(ConsentState.Unknown, decision.State);
        Assert.Null(decision.DecidedBy);
        Assert.Contains("No consent recorded", decision.Reason);
    }

    [Fact]
    public void Current_OptInThenStop_IsOptedOut()
    {
        var stop = Stop(Channel.Sms, 2);
        var ledger = new ConsentLedger([FormOptIn(Channel.Sms, ConsentCategories.Marketing, 1), stop]);
        var decision = ledger.Current(Channel.Sms, ConsentCategories.Marketing);
        Assert.Equal(ConsentState.OptedOut, decision.State);
        Assert.Same(stop, decision.DecidedBy);
        Assert.Contains("keyword", decision.Reason);
        Assert.Contains("2025-03-03", decision.Reason);
    }

    [Fact]
    public void Current_OptOutThenApiOptInNotByContact_StaysOptedOutAndSaysWhy()
    {
        var stop = Stop(Channel.Sms, 1);
        var apiOptIn = Event(ConsentState.OptedIn, Channel.Sms, ConsentCategories.Marketing, 2, ConsentSource.Api, byContact: false);
        var decision = new ConsentLedger([stop, apiOptIn]).Current(Channel.Sms, ConsentCategories.Marketing);
        Assert.Equal(ConsentState.OptedOut, decision.State);
        Assert.Same(stop, decision.DecidedBy);
        Assert.Contains("ignored", decision.Reason);
        Assert.Contains("contact's own", decision.Reason);
        Assert.Contains("api", decision.Reason);
    }

    [Fact]
    public void Current_OptOutThenImportOptIn_StaysOptedOutEvenIfImportClaimsByContact()
    {
        var stop = Stop(Channel.Email, 1);
        var importOptIn = Event(ConsentState.OptedIn, null, null, 2, ConsentSource.Import, byContact: false);
        var lyingImport = Event(ConsentState.OptedIn, Channel.Email, ConsentCategories.Marketing, 3, ConsentSource.Import, byContact: true);
        var ledger = new ConsentLedger([stop, importOptIn, lyingImport]);
        var decision = ledger.Current(Channel.Email, ConsentCategories.Marketing);
        Assert.Equal(ConsentState.OptedOut, decision.State);
        Assert.Same(stop, decision.DecidedBy);
        Assert.False(ledger.Evaluate(Channel.Email, ConsentCategories.Marketing).Allowed);
    }

    [Fact]
    public void Current_OptOutThenContactsOwnOptIn_IsOptedIn()
    {
        var optIn = Event(ConsentState.OptedIn, Channel.Sms, null, 2, ConsentSource.Keyword, byContact: true);
        var decision = new ConsentLedger([Stop(Channel.Sms, 1), optIn]).Current(Channel.Sms, ConsentCategories.Marketing);
        Assert.Equal(ConsentState.OptedIn, decision.State);
        Assert.Same(optIn, decision.DecidedBy);
    }

    [Fact]
    public void Current_OptOutThenApiOptInAttestedByContact_IsOptedIn()
    {
        var optIn = Event(ConsentState.OptedIn, Channel.Sms, ConsentCategories.Marketing, 2, ConsentSource.Api, byContact: true);
        var decision = new ConsentLedger([Stop(Channel.Sms, 1), optIn]).Current(Channel.Sms, ConsentCategories.Marketing);
        Assert.Equal(ConsentState.OptedIn, decision.State);
    }

    [Fact]
    public void Current_IgnoredOptInDoesNotCountLater_OnlyTheContactsOptInLifts()
    {
        // Stop, then an app opt-in (ignored), then the contact's START: opted in, decided by the START.
        var start = Event(ConsentState.OptedIn, Channel.Sms, null, 3, ConsentSource.Keyword, byContact: true);
        var ledger = new ConsentLedger([Stop(Channel.Sms, 1), Event(ConsentState.OptedIn, Channel.Sms, null, 2), start]);
        Assert.Same(start, ledger.Current(Channel.Sms, ConsentCategories.Marketing).DecidedBy);
    }

    [Fact]
    public void Current_BroaderLaterOptOut_OverridesEarlierNarrowerOptIn()
    {
        var ledger = new ConsentLedger([FormOptIn(Channel.Sms, ConsentCategories.Marketing, 1), Stop(Channel.Sms, 2)]);
        Assert.Equal(ConsentState.OptedOut, ledger.Current(Channel.Sms, ConsentCategories.Marketing).State);
        Assert.Equal(ConsentState.OptedOut, ledger.Current(Channel.Sms, ConsentCategories.Transactional).State);
        Assert.Equal(ConsentState.Unknown, ledger.Current(Channel.Email, ConsentCategories.Marketing).State);
    }

    [Fact]
    public void Current_NarrowerLaterOptInByContact_LiftsBroaderOptOutForThatCategoryOnly()
    {
        var ledger = new ConsentLedger([Stop(Channel.Sms, 1), FormOptIn(Channel.Sms, ConsentCategories.Marketing, 2)]);
        Assert.Equal(ConsentState.OptedIn, ledger.Current(Channel.Sms, ConsentCategories.Marketing).State);
        Assert.Equal(ConsentState.OptedOut, ledger.Current(Channel.Sms, ConsentCategories.Transactional).State);
        Assert.Equal(ConsentState.OptedOut, ledger.Current(Channel.Sms, ConsentCategories.Security).State);
        Assert.Equal(ConsentState.OptedOut, ledger.Current(Channel.Sms, "order-updates").State);
    }

    [Fact]
    public void Current_NarrowerOptOutAfterBroaderOptIn_AffectsOnlyThatCategory()
    {
        var unsubscribe = Event(ConsentState.OptedOut, Channel.Email, ConsentCategories.Marketing, 2, ConsentSource.Form, byContact: true);
        var ledger = new ConsentLedger([FormOptIn(Channel.Email, null, 1), unsubscribe]);
        Assert.Equal(ConsentState.OptedOut, ledger.Current(Channel.Email, ConsentCategories.Marketing).State);
        Assert.Equal(ConsentState.OptedIn, ledger.Current(Channel.Email, ConsentCategories.Support).State);
    }

    [Fact]
    public void Current_AllChannelsOptOut_CoversEveryChannel()
    {
        var everywhere = Event(ConsentState.OptedOut, null, ConsentCategories.Marketing, 1, ConsentSource.Api, byContact: true);
        var ledger = new ConsentLedger([everywhere]);
        foreach (var channel in Channels.All)
        {
            Assert.Equal(ConsentState.OptedOut, ledger.Current(channel, ConsentCategories.Marketing).State);
            Assert.Equal(ConsentState.Unknown, ledger.Current(channel, ConsentCategories.Transactional).State);
        }
    }

    [Fact]
    public void Current_AllChannelsOptOutAfterChannelOptIn_Wins()
    {
        var ledger = new ConsentLedger([
            FormOptIn(Channel.WhatsApp, ConsentCategories.Marketing, 1),
            Event(ConsentState.OptedOut, null, null, 2, ConsentSource.Api, byContact: true),
        ]);
        Assert.Equal(ConsentState.OptedOut, ledger.Current(Channel.WhatsApp, ConsentCategories.Marketing).State);
    }

    [Fact]
    public void Current_ChannelOptInByContactAfterAllChannelsOptOut_LiftsOnlyThatChannel()
    {
        var ledger = new ConsentLedger([
            Event(ConsentState.OptedOut, null, null, 1, ConsentSource.Api, byContact: true),
            FormOptIn(Channel.Email, null, 2),
        ]);
        Assert.Equal(ConsentState.OptedIn, ledger.Current(Channel.Email, ConsentCategories.Marketing).State);
        Assert.Equal(ConsentState.OptedOut, ledger.Current(Channel.Sms, ConsentCategories.Marketing).State);
    }

    [Fact]
    public void Current_OtherChannelEvents_DoNotApply()
    {
        var ledger = new ConsentLedger([Stop(Channel.Sms, 1)]);
        Assert.Equal(ConsentState.Unknown, ledger.Current(Channel.WhatsApp, ConsentCategories.Marketing).State);
    }

    [Fact]
    public void Ledger_EventsOutOfOrder_AreFoldedByAt()
    {
        var optIn = FormOptIn(Channel.Sms, ConsentCategories.Marketing, 5);
        var stop = Stop(Channel.Sms, 1);
        var ledger = new ConsentLedger([optIn, stop]);
        Assert.Equal([stop, optIn], ledger.History);
        Assert.Equal(ConsentState.OptedIn, ledger.Current(Channel.Sms, ConsentCategories.Marketing).State);
    }

    [Fact]
    public void Ledger_SameAt_OrdersById()
    {
        var optIn = FormOptIn(Channel.Sms, null, 1) with { Id = "b" };
        var stop = Stop(Channel.Sms, 1) with { Id = "a" };
        Assert.Equal(ConsentState.OptedIn, new ConsentLedger([optIn, stop]).Current(Channel.Sms, ConsentCategories.Marketing).State);

        var laterStop = stop with { Id = "c" };
        var ledger = new ConsentLedger([laterStop, optIn]);
        Assert.Equal([optIn, laterStop], ledger.History);
        Assert.Equal(ConsentState.OptedOut, ledger.Current(Channel.Sms, ConsentCategories.Marketing).State);
    }

    [Fact]
    public void Ledger_SameInstantInDifferentOffsets_ComparesInstantsThenId()
    {
        var stop = Stop(Channel.Sms, 0) with { Id = "z", At = new DateTimeOffset(2025, 3, 1, 10, 0, 0, TimeSpan.FromHours(1)) };
        var optIn = FormOptIn(Channel.Sms, null, 0) with { Id = "y", At = new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero) };
        var ledger = new ConsentLedger([stop, optIn]);
        Assert.Equal([optIn, stop], ledger.History);
        Assert.Equal(ConsentState.OptedOut, ledger.Current(Channel.Sms, ConsentCategories.Marketing).State);
    }

    [Fact]
    public void Ledger_IdOrder_IsOrdinal()
    {
        var upper = Stop(Channel.Sms, 1) with { Id = "B" };
        var lower = FormOptIn(Channel.Sms, null, 1) with { Id = "a" };
        Assert.Equal([upper, lower], new ConsentLedger([lower, upper]).History);
    }

    [Fact]
    public void Current_CategoryCaseDiffers_StillMatchesOptOut()
    {
        var ledger = new ConsentLedger([Event(ConsentState.OptedOut, Channel.Email, "Marketing", 1, ConsentSource.Form, byContact: true)]);
        Assert.Equal(ConsentState.OptedOut, ledger.Current(Channel.Email, ConsentCategories.Marketing).State);
    }

    [Fact]
    public void Current_Reason_NeverContainsEvidenceOrActor()
    {
        const string evidence = "STOP from +447400123456 at ada@example.com";
        var stop = Event(ConsentState.OptedOut, Channel.Sms, null, 1, ConsentSource.Keyword, byContact: true, evidence: evidence, actor: "ada@example.com");
        var ignored = Event(ConsentState.OptedIn, Channel.Sms, null, 2, ConsentSource.Import, evidence: evidence, actor: "+447400123456");
        var ledger = new ConsentLedger([stop, ignored]);
        foreach (var reason in new[] { ledger.Current(Channel.Sms, "marketing").Reason, ledger.Evaluate(Channel.Sms, "marketing").Reason })
        {
            Assert.DoesNotContain("+447400123456", reason);
            Assert.DoesNotContain("ada@example.com", reason);
            Assert.DoesNotContain("STOP", reason);
        }
    }

    [Theory]
    [InlineData(ConsentCategories.Transactional, true)]
    [InlineData(ConsentCategories.Security, true)]
    [InlineData(ConsentCategories.Support, true)]
    [InlineData(ConsentCategories.Marketing, false)]
    [InlineData("order-updates", false)]
    public void Evaluate_Unknown_DependsOnCategory(string category, bool allowed)
    {
        var verdict = new ConsentLedger([]).Evaluate(Channel.Sms, category);
        Assert.Equal(allowed, verdict.Allowed);
        Assert.Equal(ConsentState.Unknown, verdict.State);
        Assert.Contains(allowed ? "implied by the relationship" : "opt-in", verdict.Reason);
    }

    [Theory]
    [InlineData(ConsentCategories.Transactional)]
    [InlineData(ConsentCategories.Security)]
    [InlineData(ConsentCategories.Support)]
    [InlineData(ConsentCategories.Marketing)]
    [InlineData("order-updates")]
    public void Evaluate_OptedOut_NeverAllowedWhateverTheCategory(string category)
    {
        var verdict = new ConsentLedger([Stop(Channel.Sms, 1)]).Evaluate(Channel.Sms, category);
        Assert.False(verdict.Allowed);
        Assert.Equal(ConsentState.OptedOut, verdict.State);
        Assert.Contains("never bypassed", verdict.Reason);
    }

    [Fact]
    public void Evaluate_SecurityOptedOutAfterSecurityOptIn_NotAllowed()
    {
        var ledger = new ConsentLedger([
            FormOptIn(Channel.Sms, ConsentCategories.Security, 1),
            Event(ConsentState.OptedOut, Channel.Sms, ConsentCategories.Security, 2, ConsentSource.Keyword, byContact: true),
        ]);
        Assert.False(ledger.Evaluate(Channel.Sms, ConsentCategories.Security).Allowed);
    }

    [Theory]
    [InlineData(ConsentCategories.Marketing)]
    [InlineData("order-updates")]
    public void Evaluate_OptedIn_Allowed(string category)
    {
        var verdict = new ConsentLedger([FormOptIn(Channel.Email, category, 1)]).Evaluate(Channel.Email, category);
        Assert.True(verdict.Allowed);
        Assert.Equal(ConsentState.OptedIn, verdict.State);
        Assert.Contains("form", verdict.Reason);
    }

    [Fact]
    public void Snapshot_ChannelsByCategories_ChannelMajorInGivenOrder()
    {
        var stop = Stop(Channel.Sms, 1);
        var optIn = FormOptIn(Channel.Email, ConsentCategories.Marketing, 1);
        var ledger = new ConsentLedger([stop, optIn]);

        var snapshot = ledger.Snapshot([Channel.Sms, Channel.Email, Channel.Sms], [ConsentCategories.Marketing, ConsentCategories.Transactional]);

        Assert.Equal(4, snapshot.Count);
        Assert.Equal(
            [(Channel.Sms, "marketing"), (Channel.Sms, "transactional"), (Channel.Email, "marketing"), (Channel.Email, "transactional")],
            snapshot.Select(s => (s.Channel, s.Category)));
        Assert.Equal([ConsentState.OptedOut, ConsentState.OptedOut, ConsentState.OptedIn, ConsentState.Unknown], snapshot.Select(s => s.State));
        Assert.Same(stop, snapshot[0].DecidedBy);
        Assert.Same(optIn, snapshot[2].DecidedBy);
        Assert.Null(snapshot[3].DecidedBy);
        Assert.Equal(ledger.Current(Channel.Email, "marketing").Reason, snapshot[2].Reason);
    }

    [Fact]
    public void Snapshot_AllChannelsAndBuiltIns_HasOneCellEach()
    {
        var snapshot = new ConsentLedger([]).Snapshot(Channels.All, ConsentCategories.BuiltIn);
        Assert.Equal(Channels.All.Count * ConsentCategories.BuiltIn.Count, snapshot.Count);
        Assert.All(snapshot, s => Assert.Equal(ConsentState.Unknown, s.State));
    }

    [Fact]
    public void Current_RecordedUnknownEvent_ChangesNothing()
    {
        var stop = Stop(Channel.Sms, 1);
        var ledger = new ConsentLedger([stop, Event(ConsentState.Unknown, Channel.Sms, null, 2, ConsentSource.Keyword, byContact: true)]);
        Assert.Same(stop, ledger.Current(Channel.Sms, "marketing").DecidedBy);
    }

    [Fact]
    public void Ledger_NullEvent_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ConsentLedger([null!]));
    }
}
