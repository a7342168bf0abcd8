using Omni.Core.Contacts;
using Omni.Core.Inbound;
using Omni.Core.Messages;
using Omni.Core.Routing;
using Omni.Storage.Messages;
using Omni.Storage.Timeline;

namespace Omni.Storage.Tests.Timeline;

[Collection(AzuriteCollection.Name)]
public sealed class TableTimelineStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 9, 30, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly TableMessageStoreOptions _options = new()
    {
        MessagesTableName = AzuriteFixture.UniqueTableName("messages"),
        TimelineTableName = AzuriteFixture.UniqueTableName("timeline"),
        ProviderIdsTableName = AzuriteFixture.UniqueTableName("providerids"),
    };

    private TableTimelineStore Timeline() => new(azurite.CreateServiceClient(), _options);

    private TableMessageStore Messages() => new(azurite.CreateServiceClient(), _options);

    private static string NewContactId() => "c-" + Guid.NewGuid().ToString("N");

    private static InboundTimelineEntry Inbound(string contactId, string eventId, DateTimeOffset at, Channel channel = Channel.Sms, string? text = "Thanks!") => new()
    {
        ContactId = contactId,
        EventId = eventId,
        Channel = channel,
        Provider = "acs",
        ProviderMessageId = "pm-" + eventId,
        Text = text,
        At = at,
    };

    private async Task OutboundAsync(string contactId, DateTimeOffset at, params Channel[] plan)
    {
        var id = "msg_" + Guid.NewGuid().ToString("N");
        await Messages().CreateAsync(new MessageRecord
        {
            Id = id,
            ContactId = contactId,
            Request = new MessageRequest { Id = id, ContactId = contactId, Category = "transactional", Content = new MessageContentRequest { Text = "hi" } },
            Status = MessageStatus.Routed,
            AcceptedAt = at,
            UpdatedAt = at,
            Plan = [.. plan.Select(c => new PlannedStep(c, "addr"))],
        }, None);
    }

    [Fact]
    public async Task AppendInbound_Twice_KeepsTheFirstRow()
    {
        var store = Timeline();
        var contact = NewContactId();
        var first = Inbound(contact, "acs:1", T0) with { ResponseToMessageId = "msg_a", ResponseTime = TimeSpan.FromSeconds(192), Keyword = "STOP" };

        var (written, created) = await store.AppendInboundAsync(first, None);
        var (again, createdAgain) = await store.AppendInboundAsync(first with { ResponseToMessageId = "msg_b", Text = "other" }, None);

        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal(written, again);
        Assert.Equal("msg_a", again.ResponseToMessageId);
        Assert.Equal(TimeSpan.FromSeconds(192), again.ResponseTime);
        Assert.Equal("Thanks!", again.Text);
        Assert.Equal("STOP", again.Keyword);
        Assert.Equal(first, await store.FindInboundAsync(contact, "acs:1", T0, None));
        Assert.Null(await store.FindInboundAsync(contact, "acs:2", T0, None));
    }

    [Fact]
    public async Task Query_InboundAndOutbound_NewestFirst_WithTheirFields()
    {
        var store = Timeline();
        var contact = NewContactId();
        await OutboundAsync(contact, T0, Channel.Sms, Channel.Email);
        await store.AppendInboundAsync(Inbound(contact, "acs:reply", T0.AddMinutes(3)) with { ResponseToMessageId = "msg_x", ResponseTime = TimeSpan.FromMinutes(3) }, None);
        await OutboundAsync(contact, T0.AddMinutes(10), Channel.Email);

        var page = await store.QueryAsync(contact, new TimelineQuery(), None);

        Assert.Null(page.Continuation);
        Assert.Equal(["outbound", "inbound", "outbound"], page.Items.Select(i => i.Kind));
        Assert.Equal([T0.AddMinutes(10), T0.AddMinutes(3), T0], page.Items.Select(i => i.At));
        var inbound = page.Items[1];
        Assert.Equal(Channel.Sms, inbound.Channel);
        Assert.Equal("received", inbound.Status);
        Assert.Equal("Thanks!", inbound.Text);
        Assert.Equal("acs:reply", inbound.EventId);
        Assert.Equal("msg_x", inbound.ResponseToMessageId);
        Assert.Equal(TimeSpan.FromMinutes(3), inbound.ResponseTime);
        Assert.Equal(InboundIds.For("acs:reply"), inbound.Id);
        var outbound = page.Items[2];
        Assert.Equal("transactional", outbound.Category);
        Assert.Equal("routed", outbound.Status);
        Assert.Equal([Channel.Sms, Channel.Email], outbound.Channels);
    }

    [Fact]
    public async Task Query_Filters_ByChannelAndTime()
    {
        var store = Timeline();
        var contact = NewContactId();
        await OutboundAsync(contact, T0, Channel.Email);
        await OutboundAsync(contact, T0.AddMinutes(1), Channel.Sms, Channel.Email);
        await store.AppendInboundAsync(Inbound(contact, "acs:1", T0.AddMinutes(2)), None);
        await store.AppendInboundAsync(Inbound(contact, "acs:2", T0.AddMinutes(3), Channel.WhatsApp), None);

        var sms = await store.QueryAsync(contact, new TimelineQuery(Channel: Channel.Sms), None);
        var window = await store.QueryAsync(contact, new TimelineQuery(From: T0.AddMinutes(1), To: T0.AddMinutes(2)), None);
        var fromOnly = await store.QueryAsync(contact, new TimelineQuery(From: T0.AddMinutes(2)), None);

        Assert.Equal([T0.AddMinutes(2), T0.AddMinutes(1)], sms.Items.Select(i => i.At));
        Assert.Equal([T0.AddMinutes(2), T0.AddMinutes(1)], window.Items.Select(i => i.At));
        Assert.Equal([T0.AddMinutes(3), T0.AddMinutes(2)], fromOnly.Items.Select(i => i.At));
    }

    [Fact]
    public async Task Query_Pages_WithAnOpaqueContinuation_UntilTheEnd()
    {
        var store = Timeline();
        var contact = NewContactId();
        for (var i = 0; i < 7; i++)
        {
            await store.AppendInboundAsync(Inbound(contact, $"acs:{i}", T0.AddMinutes(i), i % 2 == 0 ? Channel.Sms : Channel.WhatsApp), None);
        }

        var seen = new List<string>();
        string? continuation = null;
        var pages = 0;
        do
        {
            var page = await store.QueryAsync(contact, new TimelineQuery(Limit: 3, Continuation: continuation), None);
            seen.AddRange(page.Items.Select(i => i.EventId!));
            continuation = page.Continuation;
            pages++;
            Assert.DoesNotContain(contact, continuation ?? "", StringComparison.Ordinal);
        }
        while (continuation is not null);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 7).Reverse().Select(i => $"acs:{i}"), seen);

        var smsPage = await store.QueryAsync(contact, new TimelineQuery(Channel: Channel.Sms, Limit: 2), None);
        var smsRest = await store.QueryAsync(contact, new TimelineQuery(Channel: Channel.Sms, Limit: 2, Continuation: smsPage.Continuation), None);
        Assert.Equal(["acs:6", "acs:4"], smsPage.Items.Select(i => i.EventId));
        Assert.Equal(["acs:2", "acs:0"], smsRest.Items.Select(i => i.EventId));
        Assert.Null(smsRest.Continuation);
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("djF8MTIz")] // "v1|123"
    [InlineData("")]
    public async Task Query_ForeignContinuation_Throws(string token)
    {
        Assert.False(TableTimelineStore.IsValidContinuation(token));
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Timeline().QueryAsync(NewContactId(), new TimelineQuery(Continuation: token), None));
        Assert.Equal("continuation", e.ParamName);
    }

    [Fact]
    public async Task OutboundQueries_IgnoreInboundRows_AndErasureRemovesThem()
    {
        var store = Timeline();
        var messages = Messages();
        var contact = NewContactId();
        await store.AppendInboundAsync(Inbound(contact, "acs:1", T0), None);

        Assert.Empty(await messages.CountRecentByCategoryAsync(contact, T0.AddDays(-1), None));
        Assert.Null(await messages.FindLastOutboundAsync(contact, Channel.Sms, None));

        await messages.EraseContactAsync(contact, None);
        Assert.Empty((await store.QueryAsync(contact, new TimelineQuery(), None)).Items);
    }
}
