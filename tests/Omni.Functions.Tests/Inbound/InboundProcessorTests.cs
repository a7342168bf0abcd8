using System.Text.Json;
using Omni.Core.Consent;
using Omni.Core.Contacts;
using Omni.Core.Inbound;
using Omni.Core.Messages;
using Omni.Functions.Inbound;

namespace Omni.Functions.Tests.Inbound;

/// <summary>ProcessInbound for inbound messages, on Azurite, driven through the queues like the host would.</summary>
public sealed class InboundProcessorTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static MessageRequest Marketing(string contactId) => new()
    {
        ContactId = contactId,
        Category = "marketing",
        Content = new MessageContentRequest { Text = "20% off this weekend", Subject = "Weekend offer" },
    };

    [Fact]
    public async Task Stop_FromAKnownNumber_OptsOutWithEvidence_ConfirmsOnSms_AndMarketingNoLongerUsesSms()
    {
        var h = new InboundHarness(storage, new() { ["Brand:Name"] = "Acme" });
        var contact = await h.Pipeline.CreateContactAsync(marketingOptIn: true);
        var phone = contact.Addresses[Channel.Sms].Value;
        var stop = h.Message(phone, " Stop! ");

        h.Enqueue(stop);
        await h.RunQueuesAsync();

        var history = await h.Pipeline.Contacts.GetConsentHistoryAsync(contact.Id, None);
        var optOut = Assert.Single(history!, e => e.State == ConsentState.OptedOut);
        Assert.Equal(Channel.Sms, optOut.Channel);
        Assert.Null(optOut.Category);
        Assert.Equal(ConsentSource.Keyword, optOut.Source);
        Assert.True(optOut.ByContact);
        Assert.Equal("contact", optOut.Actor);
        Assert.Equal(stop.OccurredAt, optOut.At);
        Assert.Contains("keyword=STOP", optOut.Evidence, StringComparison.Ordinal);
        Assert.Contains($"event={stop.Id};", optOut.Evidence, StringComparison.Ordinal);
        Assert.Contains("at=", optOut.Evidence, StringComparison.Ordinal);

        var confirmation = Assert.Single(h.Pipeline.Sms.Calls);
        Assert.Equal(ConsentCategories.Compliance, confirmation.Category);
        Assert.Equal(phone, confirmation.To);
        Assert.Equal("Acme: " + KeywordBook.BuiltInOptOut, confirmation.Content.Text);
        var record = await h.Pipeline.GetAsync(InboundIds.ReplyFor(stop.Id));
        Assert.Equal("sms", record.Request.Channel);
        Assert.Equal("high", record.Request.Urgency);
        Assert.Equal("first", record.Request.Strategy);
        Assert.Equal(MessageStatus.Sent, record.Status);

        var marketing = await h.Pipeline.AcceptAsync(Marketing(contact.Id));
        await h.RunQueuesAsync();

        var routed = await h.Pipeline.GetAsync(marketing);
        Assert.DoesNotContain(routed.Plan, s => s.Channel == Channel.Sms);
        Assert.Equal(Channel.Email, routed.Plan[0].Channel);
        Assert.Single(h.Pipeline.Sms.Calls);
        Assert.Empty(h.Failures);
    }

    [Fact]
    public async Task Message_FromASuppressedAddress_LiftsTheSuppression()
    {
        var h = new InboundHarness(storage, new() { ["Brand:Name"] = "Acme" });
        var contact = await h.Pipeline.CreateContactAsync();
        var phone = contact.Addresses[Channel.Sms].Value;
        await h.Pipeline.Contacts.SetSuppressionAsync(contact.Id, Channel.Sms, phone,
            AddressSuppression.From(AddressRefusals.ForTwilio(21614)!, h.Pipeline.Clock.GetUtcNow()), None);

        h.Enqueue(h.Message(phone, "Thanks, got it"));
        await h.RunQueuesAsync();

        var address = (await h.Pipeline.Contacts.GetAsync(contact.Id, None))!.Contact.Addresses[Channel.Sms];
        Assert.Equal((phone, false), (address.Value, address.IsSuppressed));
        Assert.Empty(h.Failures);
    }

    [Fact]
    public async Task SameEventTwice_OneConsentEvent_OneConfirmation_OneTimelineRow()
    {
        var h = new InboundHarness(storage);
        var contact = await h.Pipeline.CreateContactAsync();
        var stop = h.Message(contact.Addresses[Channel.Sms].Value, "STOP");

        await h.ProcessAsync(stop);
        await h.RunQueuesAsync();
        await h.ProcessAsync(stop, deliveryCount: 2); // a redelivery after the first one completed
        h.Enqueue(stop);
        await h.RunQueuesAsync();

        var history = await h.Pipeline.Contacts.GetConsentHistoryAsync(contact.Id, None);
        Assert.Single(history!);
        Assert.Single(h.Pipeline.Sms.Calls);
        var timeline = await h.Timeline.QueryAsync(contact.Id, new TimelineQuery(), None);
        Assert.Single(timeline.Items, i => i.Kind == "inbound");
        Assert.Single(timeline.Items, i => i.Kind == "outbound" && i.Category == ConsentCategories.Compliance);
    }

    [Fact]
    public async Task Start_AfterStop_OptsBackIn_AndConfirms()
    {
        var h = new InboundHarness(storage);
        var contact = await h.Pipeline.CreateContactAsync();
        var phone = contact.Addresses[Channel.Sms].Value;

        h.Enqueue(h.Message(phone, "STOP"));
        await h.RunQueuesAsync();
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        h.Enqueue(h.Message(phone, "start"));
        await h.RunQueuesAsync();

        var ledger = new ConsentLedger((await h.Pipeline.Contacts.GetConsentHistoryAsync(contact.Id, None))!);
        Assert.Equal(ConsentState.OptedIn, ledger.Current(Channel.Sms, "marketing").State);
        Assert.Equal([KeywordBook.BuiltInOptOut, KeywordBook.BuiltInOptIn], h.Pipeline.Sms.Calls.Select(c => c.Content.Text));
    }

    [Fact]
    public async Task UnknownNumber_CreatesOneAnonymousContact_AndHelpIsAnswered()
    {
        var h = new InboundHarness(storage, new() { ["Keywords:Senders:447700900001:HelpText"] = "Call 0800 000 000." });
        var phone = "+4474009" + Random.Shared.Next(10_000, 99_999);
        var help = h.Message(phone, "HELP");

        h.Enqueue(help);
        h.Clock.Advance(TimeSpan.FromSeconds(5));
        h.Enqueue(h.Message(phone, "hello?"));
        await h.RunQueuesAsync();

        var found = await h.Pipeline.Contacts.FindByAddressAsync(Channel.Sms, phone, None);
        Assert.NotNull(found);
        Assert.Equal(InboundProcessor.AnonymousContactId(Channel.Sms, phone), found.Contact.Id);
        Assert.StartsWith("anon-", found.Contact.Id, StringComparison.Ordinal);
        Assert.Contains(InboundProcessor.AnonymousTag, found.Contact.Tags);
        var call = Assert.Single(h.Pipeline.Sms.Calls);
        Assert.Equal("Call 0800 000 000.", call.Content.Text);
        Assert.Equal(found.Contact.Id, call.ContactId);
        var timeline = await h.Timeline.QueryAsync(found.Contact.Id, new TimelineQuery(), None);
        Assert.Equal(["hello?", "HELP"], timeline.Items.Where(i => i.Kind == "inbound").Select(i => i.Text));
        Assert.Empty(await h.Pipeline.Contacts.GetConsentHistoryAsync(found.Contact.Id, None) ?? []);
    }

    [Fact]
    public async Task UnknownNumber_ConcurrentEvents_FindTheSameAnonymousContact()
    {
        var h = new InboundHarness(storage);
        var phone = "+4474008" + Random.Shared.Next(10_000, 99_999);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => h.ProcessAsync(h.Message(phone, $"message {i}"))));

        var id = InboundProcessor.AnonymousContactId(Channel.Sms, phone);
        Assert.Equal(id, (await h.Pipeline.Contacts.FindByAddressAsync(Channel.Sms, phone, None))!.Contact.Id);
        Assert.Equal(4, (await h.Timeline.QueryAsync(id, new TimelineQuery(), None)).Items.Count);
    }

    [Fact]
    public async Task Reply_SetsRepliedAt_RecordsTheResponseTime_AndCancelsThePendingEscalation()
    {
        var h = new InboundHarness(storage);
        var contact = await h.Pipeline.CreateContactAsync();
        var id = await h.Pipeline.AcceptAsync(new MessageRequest
        {
            ContactId = contact.Id,
            Category = "transactional",
            Urgency = "high",
            Strategy = "escalate",
            Channels = ["sms", "email"],
            Content = new MessageContentRequest { Text = "Your table is ready. Reply to confirm.", Subject = "Your table" },
        });
        await h.RunQueuesAsync();
        Assert.Single(h.Pipeline.Sms.Calls);

        h.Clock.Advance(TimeSpan.FromMinutes(3) + TimeSpan.FromSeconds(12));
        var reply = h.Message(contact.Addresses[Channel.Sms].Value, "On my way");
        h.Enqueue(reply);
        await h.RunQueuesAsync();
        h.Clock.Advance(TimeSpan.FromHours(1));
        await h.RunQueuesAsync();

        var record = await h.Pipeline.GetAsync(id);
        Assert.Equal(reply.OccurredAt, record.RepliedAt);
        Assert.Contains("Step 0 (sms): the contact replied after 00:03:12.", record.Trace);
        Assert.Contains(record.Trace, line => line.Contains("no escalation, the contact replied", StringComparison.Ordinal));
        Assert.Empty(h.Pipeline.Email.Calls);
        var row = await h.Timeline.FindInboundAsync(contact.Id, reply.Id, reply.OccurredAt, None);
        Assert.Equal(id, row!.ResponseToMessageId);
        Assert.Equal(TimeSpan.FromSeconds(192), row.ResponseTime);
        Assert.Null(row.Keyword);
        Assert.Empty(await h.Pipeline.Contacts.GetConsentHistoryAsync(contact.Id, None) ?? []);
    }

    [Fact]
    public async Task ReplyToACsatPrompt_IsCountedAsAReply_AndAScore_Once()
    {
        var h = new InboundHarness(storage);
        var contact = await h.Pipeline.CreateContactAsync();
        await h.Pipeline.AcceptAsync(new MessageRequest
        {
            ContactId = contact.Id, Category = "support", Urgency = "high", Strategy = "first", Channels = ["sms"], Tags = ["csat"],
            Content = new MessageContentRequest { Text = "How did we do? Reply 1-5." },
        });
        await h.RunQueuesAsync();
        h.Clock.Advance(TimeSpan.FromMinutes(2));
        var reply = h.Message(contact.Addresses[Channel.Sms].Value, "4");

        await h.ProcessAsync(reply);
        await h.ProcessAsync(reply); // redelivered

        var events = await h.Pipeline.Stats.ReadAsync(reply.OccurredAt.AddMinutes(-1), reply.OccurredAt.AddMinutes(1), None);
        var replyEvent = Assert.Single(events, e => e.Kind == Omni.Core.Stats.StatKind.Reply);
        Assert.Equal(120_000, replyEvent.ResponseMs);
        Assert.Equal(4, Assert.Single(events, e => e.Kind == Omni.Core.Stats.StatKind.Csat).Score);
    }

    [Fact]
    public async Task Keywords_OnEmail_AreOrdinaryReplies()
    {
        var h = new InboundHarness(storage);
        var contact = await h.Pipeline.CreateContactAsync();

        await h.ProcessAsync(h.Message(contact.Addresses[Channel.Email].Value, "STOP", Channel.Email, "support@example.com"));
        await h.RunQueuesAsync();

        Assert.Empty(await h.Pipeline.Contacts.GetConsentHistoryAsync(contact.Id, None) ?? []);
        Assert.Empty(h.Pipeline.Email.Calls);
        var row = Assert.Single((await h.Timeline.QueryAsync(contact.Id, new TimelineQuery(), None)).Items);
        Assert.Equal(Channel.Email, row.Channel);
        Assert.Null(row.Keyword);
    }

    [Fact]
    public async Task AppEvents_WhenConfigured_EveryEventIsQueuedOnce_WithContactAndMessage()
    {
        var h = new InboundHarness(storage, new() { ["AppEvents:Url"] = "https://app.example.com/omni-events" });
        var contact = await h.Pipeline.CreateContactAsync();
        var id = await h.Pipeline.AcceptAsync(new MessageRequest
        {
            ContactId = contact.Id, Category = "transactional", Channel = "sms", Content = new MessageContentRequest { Text = "Code 1234" },
        });
        await h.RunQueuesAsync();
        h.Pipeline.Report(h.Pipeline.Sms, id, AttemptStatus.Delivered);
        h.Clock.Advance(TimeSpan.FromSeconds(30));
        var reply = h.Message(contact.Addresses[Channel.Sms].Value, "thanks");
        h.Enqueue(reply);
        await h.RunQueuesAsync();
        await h.ProcessAsync(reply, deliveryCount: 2);

        var events = h.AppEvents;
        Assert.Equal(2, events.Count); // the report and the reply; the reply's redelivery after it finished publishes nothing
        Assert.Equal(2, events.Select(e => e.MessageId).Distinct().Count());
        var delivery = JsonDocument.Parse(events[0].Body).RootElement;
        Assert.Equal("delivery", delivery.GetProperty("kind").GetString());
        Assert.Equal("delivered", delivery.GetProperty("status").GetString());
        Assert.Equal(id, delivery.GetProperty("messageId").GetString());
        Assert.Equal(contact.Id, delivery.GetProperty("contactId").GetString());
        Assert.Equal(reply.Id, events[1].MessageId);
        var message = JsonDocument.Parse(events[1].Body).RootElement;
        Assert.Equal("message", message.GetProperty("kind").GetString());
        Assert.Equal("thanks", message.GetProperty("text").GetString());
        Assert.Equal(contact.Id, message.GetProperty("contactId").GetString());
        Assert.Equal(id, message.GetProperty("messageId").GetString());
    }

    [Fact]
    public async Task AppEvents_NotConfigured_NothingQueued()
    {
        var h = new InboundHarness(storage);
        var contact = await h.Pipeline.CreateContactAsync();

        await h.ProcessAsync(h.Message(contact.Addresses[Channel.Sms].Value, "hi"));

        Assert.Empty(h.AppEvents);
    }

    [Fact]
    public async Task QueuePath_AppMessageWithTheComplianceCategory_IsRejected()
    {
        var h = new InboundHarness(storage);
        var contact = await h.Pipeline.CreateContactAsync();
        var body = JsonSerializer.SerializeToUtf8Bytes(new { id = "app-msg-" + Guid.NewGuid().ToString("N")[..8], contactId = contact.Id, category = "compliance", content = new { text = "hi" } });

        await h.Pipeline.Pipeline.RouteAsync(body, null, None);

        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
        var record = await h.Pipeline.GetAsync(id);
        Assert.Equal(MessageStatus.Rejected, record.Status);
        Assert.Contains("reserved", record.Reason, StringComparison.Ordinal);
        Assert.Empty(h.Pipeline.Sms.Calls);
    }
}
