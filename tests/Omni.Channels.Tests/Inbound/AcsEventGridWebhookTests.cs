using System.Text;
using Omni.Channels.Inbound;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Channels.Tests.Inbound;

public sealed class AcsEventGridWebhookTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static InboundParseResult Parse(string body) => AcsEventGridWebhook.Parse(Encoding.UTF8.GetBytes(body), Now);

    private static InboundEvent Single(string body)
    {
        var result = Parse(body);
        Assert.Equal(InboundOutcome.Accepted, result.Outcome);
        return Assert.Single(result.Events);
    }

    [Fact]
    public void Parse_SubscriptionValidationSample_ReturnsTheValidationCode()
    {
        var result = Parse(ProviderSamples.SubscriptionValidation);

        Assert.Equal(InboundOutcome.SubscriptionValidation, result.Outcome);
        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", result.ValidationCode);
        Assert.Empty(result.Events);
    }

    [Fact]
    public void Parse_SubscriptionValidationFromQueue_IsIgnoredNotAnswered()
    {
        var result = AcsEventGridWebhook.Parse(Encoding.UTF8.GetBytes(ProviderSamples.SubscriptionValidation), Now, fromQueue: true);

        Assert.Equal(InboundOutcome.Ignored, result.Outcome);
        Assert.Null(result.ValidationCode);
        Assert.Contains(AcsEventGridWebhook.SubscriptionValidationEvent, Assert.Single(result.Ignored));
    }

    [Fact]
    public void Parse_SubscriptionValidationBesideAnEventFromQueue_KeepsTheEvent()
    {
        var validation = ProviderSamples.SubscriptionValidation.Trim().TrimStart('[').TrimEnd(']');
        var sms = ProviderSamples.SmsReceivedDocs.Trim().TrimStart('[').TrimEnd(']');

        var result = AcsEventGridWebhook.Parse(Encoding.UTF8.GetBytes($"[{validation},{sms}]"), Now, fromQueue: true);

        Assert.Equal(InboundOutcome.Accepted, result.Outcome);
        Assert.Equal("acs:Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e", Assert.Single(result.Events).Id);
        Assert.Single(result.Ignored);
    }

    [Theory]
    [InlineData(ProviderSamples.SmsReceivedDocs, "Great to connect with Azure Communication Services events")]
    [InlineData(ProviderSamples.SmsReceivedSpecPascalCase, "Great to connect with ACS events")]
    [InlineData(ProviderSamples.SmsReceivedCloudEvent, "Great to connect with ACS events")]
    public void Parse_SmsReceivedInEverySchemaAndCasing_IsAnSmsMessage(string sample, string text)
    {
        var e = Single(sample);

        Assert.Equal("acs:Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e", e.Id);
        Assert.Equal(InboundEventKind.Message, e.Kind);
        Assert.Equal("acs", e.Provider);
        Assert.Equal(Channel.Sms, e.Channel);
        Assert.Equal("Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e", e.ProviderMessageId);
        Assert.Equal("+15555555555", e.From);
        Assert.Equal("+15555555555", e.To);
        Assert.Equal(text, e.Text);
        Assert.Equal(DateTimeOffset.Parse("2020-09-18T00:27:45.32Z"), e.OccurredAt);
        Assert.Equal(Now, e.ReceivedAt);
        Assert.Null(e.Status);
    }

    [Fact]
    public void Parse_CloudEventsBatchArray_ParsesEachEvent()
    {
        var second = ProviderSamples.SmsReceivedCloudEvent.Replace("\"id\": \"Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e\"", "\"id\": \"Incoming_2\"");
        var result = Parse($"[{ProviderSamples.SmsReceivedCloudEvent},{second}]");

        Assert.Equal(InboundOutcome.Accepted, result.Outcome);
        Assert.Equal(["acs:Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e", "acs:Incoming_2"], result.Events.Select(e => e.Id));
    }

    [Fact]
    public void Parse_SmsDeliveryReportSample_IsDeliveredForTheOutgoingMessageId()
    {
        var e = Single(ProviderSamples.SmsDeliveryReport);

        Assert.Equal("acs:Outgoing_202009180022138813a09b-0cbf-4304-9b03-1546683bb910", e.Id);
        Assert.Equal(InboundEventKind.Delivery, e.Kind);
        Assert.Equal(Channel.Sms, e.Channel);
        Assert.Equal("Outgoing_202009180022138813a09b-0cbf-4304-9b03-1546683bb910", e.ProviderMessageId);
        Assert.Equal(AttemptStatus.Delivered, e.Status);
        Assert.Null(e.Error);
        Assert.Null(e.From); // delivery reports carry no addresses into the queue
        Assert.Equal(DateTimeOffset.Parse("2020-09-18T00:22:20.2855749Z"), e.OccurredAt);
    }

    [Fact]
    public void Parse_SmsDeliveryReportPascalCaseFailed_IsFailedWithTheDetails()
    {
        var pascal = ProviderSamples.SmsDeliveryReport
            .Replace("\"messageId\"", "\"MessageId\"").Replace("\"deliveryStatus\": \"Delivered\"", "\"DeliveryStatus\": \"Failed\"")
            .Replace("\"deliveryStatusDetails\": \"No error.\"", "\"DeliveryStatusDetails\": \"Carrier rejected\"");

        var e = Single(pascal);

        Assert.Equal(AttemptStatus.Failed, e.Status);
        Assert.Equal("Carrier rejected", e.Error);
        Assert.Equal("Outgoing_202009180022138813a09b-0cbf-4304-9b03-1546683bb910", e.ProviderMessageId);
    }

    [Fact]
    public void Parse_SmsDeliveryReportUnknownStatus_IsIgnored()
    {
        var result = Parse(ProviderSamples.SmsDeliveryReport.Replace("\"Delivered\"", "\"Pending\""));

        Assert.Equal(InboundOutcome.Ignored, result.Outcome);
        Assert.Contains("deliveryStatus", Assert.Single(result.Ignored));
    }

    [Theory]
    [InlineData(ProviderSamples.EmailDeliveryReportSpec, "950850f5-bcdf-4315-b77a-6447cf56fac9", "2023-02-09T19:46:12.2480265+00:00")]
    [InlineData(ProviderSamples.EmailDeliveryReportDocs, "00000000-0000-0000-0000-000000000000", "2020-09-18T00:22:20.2855749Z")]
    public void Parse_EmailDeliveryReportSamples_AreDelivered(string sample, string messageId, string attemptTime)
    {
        // The docs sample has a trailing comma as published; it is tolerated.
        var e = Single(sample);

        Assert.Equal(InboundEventKind.Delivery, e.Kind);
        Assert.Equal(Channel.Email, e.Channel);
        Assert.Equal(messageId, e.ProviderMessageId);
        Assert.Equal(AttemptStatus.Delivered, e.Status);
        Assert.Null(e.Error);
        Assert.Equal(DateTimeOffset.Parse(attemptTime), e.OccurredAt);
    }

    [Theory]
    [InlineData("Failed", AttemptStatus.Failed)]
    [InlineData("Bounced", AttemptStatus.Failed)]
    [InlineData("Suppressed", AttemptStatus.Failed)]
    [InlineData("Quarantined", AttemptStatus.Failed)]
    [InlineData("FilteredSpam", AttemptStatus.Failed)]
    [InlineData("filteredspam", AttemptStatus.Failed)]
    [InlineData("Expanded", AttemptStatus.Sent)]
    [InlineData("Delivered", AttemptStatus.Delivered)]
    public void Parse_EmailDeliveryStatuses_MapAsDocumented(string status, AttemptStatus expected)
    {
        var e = Single(ProviderSamples.EmailDeliveryReportSpec.Replace("\"status\": \"delivered\"", $"\"status\": \"{status}\""));

        Assert.Equal(expected, e.Status);
        if (expected == AttemptStatus.Failed)
        {
            Assert.Equal($"{status}: DestinationMailboxFull", e.Error);
        }
        else
        {
            Assert.Null(e.Error);
        }
    }

    [Fact]
    public void Parse_EmailDeliveryUnknownStatus_IsIgnoredNotGuessed()
    {
        var result = Parse(ProviderSamples.EmailDeliveryReportSpec.Replace("\"status\": \"delivered\"", "\"status\": \"SomethingNew\""));

        Assert.Equal(InboundOutcome.Ignored, result.Outcome);
    }

    [Theory]
    [InlineData(ProviderSamples.EmailEngagementSpec, "click", "fe26a737-6941-410c-b126-7eacbe4035d1", "2023-02-09T20:07:22.745555+00:00")]
    [InlineData(ProviderSamples.EmailEngagementDocs, "view", "00000000-0000-0000-0000-000000000000", "2022-09-06T22:34:52.1303595+00:00")]
    public void Parse_EmailEngagementSamples_AreReadEngagements(string sample, string engagement, string messageId, string time)
    {
        var e = Single(sample);

        Assert.Equal(InboundEventKind.Engagement, e.Kind);
        Assert.Equal(Channel.Email, e.Channel);
        Assert.Equal(AttemptStatus.Read, e.Status);
        Assert.Equal(engagement, e.Engagement);
        Assert.Equal(messageId, e.ProviderMessageId);
        Assert.Equal(DateTimeOffset.Parse(time), e.OccurredAt); // userActionTimestamp and userActionTimeStamp both read
        Assert.Null(e.Text); // the clicked link is not carried
    }

    [Theory]
    [InlineData(ProviderSamples.AdvancedMessageText, "Hello", "{sender@id}")]
    [InlineData(ProviderSamples.AdvancedMessageImage, "This is a media caption", "{sender@id}")]
    [InlineData(ProviderSamples.AdvancedMessageInteractive, "Agree", "{sender@id}")]
    [InlineData(ProviderSamples.AdvancedMessageButton, "Yes", "{sender@id}")]
    [InlineData(ProviderSamples.AdvancedMessageAllFields, "Come on guys, lets go for lunch together.", "+12375679879")]
    public void Parse_AdvancedMessageReceivedSamples_AreWhatsAppMessages(string sample, string text, string from)
    {
        var e = Single(sample);

        Assert.Equal(InboundEventKind.Message, e.Kind);
        Assert.Equal(Channel.WhatsApp, e.Channel);
        Assert.Equal(text, e.Text);
        // A phone-shaped WhatsApp id becomes E.164; the docs' placeholders pass through and will match no contact.
        Assert.Equal(from, e.From);
        Assert.StartsWith("acs:", e.Id);
    }

    [Fact]
    public void Parse_AdvancedMessageStatusFailed_IsFailedWithTheChannelError()
    {
        var e = Single(ProviderSamples.AdvancedMessageStatusFailed);

        Assert.Equal(InboundEventKind.Delivery, e.Kind);
        Assert.Equal(Channel.WhatsApp, e.Channel);
        Assert.Equal(AttemptStatus.Failed, e.Status);
        Assert.Equal("22222222-2222-2222-2222-222222222222", e.ProviderMessageId);
        Assert.Equal("131026: Message Undeliverable.", e.Error);
        Assert.Equal(DateTimeOffset.Parse("2023-07-06T18:42:28+00:00"), e.OccurredAt);
    }

    [Theory]
    [InlineData("Sent", AttemptStatus.Sent)]
    [InlineData("delivered", AttemptStatus.Delivered)]
    [InlineData("Read", AttemptStatus.Read)]
    public void Parse_AdvancedMessageStatusVariants_Map(string status, AttemptStatus expected)
    {
        var sample = ProviderSamples.AdvancedMessageStatusFailed.Replace("\"status\": \"Failed\"", $"\"status\": \"{status}\"");

        var e = Single(sample);

        Assert.Equal(expected, e.Status);
        Assert.Null(e.Error);
    }

    [Fact]
    public void Parse_AdvancedMessageStatusWarning_IsIgnored()
    {
        var result = Parse(ProviderSamples.AdvancedMessageStatusFailed.Replace("\"status\": \"Failed\"", "\"status\": \"Warning\""));

        Assert.Equal(InboundOutcome.Ignored, result.Outcome);
    }

    [Fact]
    public void Parse_UnsupportedEventTypeBesideASupportedOne_KeepsTheSupportedAndSaysWhy()
    {
        var other = """{"id":"x1","eventType":"Microsoft.Communication.CallStarted","eventTime":"2024-01-01T00:00:00Z","data":{"from":"+15555550100"}}""";
        var sms = ProviderSamples.SmsReceivedDocs.Trim()[1..^1];

        var result = Parse($"[{other},{sms}]");

        Assert.Equal(InboundOutcome.Accepted, result.Outcome);
        Assert.Single(result.Events);
        var reason = Assert.Single(result.Ignored);
        Assert.Contains("Microsoft.Communication.CallStarted", reason);
        Assert.DoesNotContain("5555550100", reason);
    }

    [Fact]
    public void Parse_OnlyUnsupportedEvents_IsIgnored()
    {
        var result = Parse("""[{"id":"x1","eventType":"Microsoft.Storage.BlobCreated","data":{}}]""");

        Assert.Equal(InboundOutcome.Ignored, result.Outcome);
        Assert.Empty(result.Events);
    }

    [Fact]
    public void Parse_SameEventTwice_YieldsOneEventWithAStableId()
    {
        var sms = ProviderSamples.SmsReceivedDocs.Trim()[1..^1];

        var result = Parse($"[{sms},{sms}]");
        var again = Parse(ProviderSamples.SmsReceivedDocs);

        Assert.Equal(Assert.Single(result.Events).Id, Assert.Single(again.Events).Id);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[{\"id\":\"1\"")]
    [InlineData("42")]
    [InlineData("[{\"data\":{}}]")]
    [InlineData("[1,2]")]
    [InlineData("[{\"id\":\"x\",\"eventType\":\"Microsoft.EventGrid.SubscriptionValidationEvent\",\"data\":{}}]")]
    public void Parse_Malformed_ReturnsMalformedWithoutThrowing(string body)
    {
        var result = Parse(body);

        Assert.Equal(InboundOutcome.Malformed, result.Outcome);
        Assert.NotNull(result.Reason);
        Assert.Empty(result.Events);
    }

    [Fact]
    public void Parse_EmptyArray_IsIgnored()
    {
        Assert.Equal(InboundOutcome.Ignored, Parse("[]").Outcome);
    }

    [Theory]
    [InlineData("eventgrid.azure.net", "eventgrid.azure.net")]
    [InlineData(" eventgrid.azure.net ", "eventgrid.azure.net")]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void AllowedOrigin_EchoesTheRequestedOrigin(string? requested, string? expected)
    {
        Assert.Equal(expected, AcsEventGridWebhook.AllowedOrigin(requested));
    }
}
