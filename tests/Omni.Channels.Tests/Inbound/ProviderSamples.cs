namespace Omni.Channels.Tests.Inbound;

/// <summary>
/// Payloads copied verbatim from the shared reference (provider-specs.md §5 Event Grid/ACS, §7 Meta), which cites the vendors'
/// docs and API specs. Do not reformat: the Meta signatures are computed over these exact bytes.
/// </summary>
internal static class ProviderSamples
{
    // provider-specs.md lines 490-504
    public const string SubscriptionValidation = """
[
  {
    "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
    "topic": "/subscriptions/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
    "subject": "",
    "data": {
      "validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6",
      "validationUrl": "https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/estest/validate?id=512d38b6-c7b8-40c8-89fe-f46f9e9622b6&t=2018-04-26T20:30:54.4538837Z&apiVersion=2018-05-01-preview&token=1A1A1A1A"
    },
    "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
    "eventTime": "2018-01-25T22:12:19.4556811Z",
    "metadataVersion": "1",
    "dataVersion": "1"
  }
]
""";

    // provider-specs.md lines 531-547
    public const string SmsReceivedDocs = """
[{
  "id": "Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e",
  "topic": "/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/resourcegroups/acse2e/providers/microsoft.communication/communicationservices/{communication-services-resource-name}",
  "subject": "/phonenumber/15555555555",
  "data": {
    "messageId": "Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e",
    "from": "15555555555",
    "to": "15555555555",
    "message": "Great to connect with Azure Communication Services events",
    "receivedTimestamp": "2020-09-18T00:27:45.32Z",
    "segmentCount": 1
  },
  "eventType": "Microsoft.Communication.SMSReceived",
  "dataVersion": "1.0",
  "metadataVersion": "1",
  "eventTime": "2020-09-18T00:27:47Z"
}]
""";

    // provider-specs.md lines 551-567
    public const string SmsReceivedSpecPascalCase = """
{
  "id": "Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e",
  "topic": "/subscriptions/50ad1522-5c2c-4d9a-a6c8-67c11ecb75b8/resourcegroups/acse2e/providers/microsoft.communication/communicationservices/{communication-services-resource-name}",
  "subject": "/phonenumber/15555555555",
  "data": {
    "MessageId": "Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e",
    "From": "15555555555",
    "To": "15555555555",
    "Message": "Great to connect with ACS events",
    "ReceivedTimestamp": "2020-09-18T00:27:45.32Z",
    "SegmentCount": 1
  },
  "eventType": "Microsoft.Communication.SMSReceived",
  "dataVersion": "1.0",
  "metadataVersion": "1",
  "eventTime": "2020-09-18T00:27:47Z"
}
""";

    // provider-specs.md lines 571-585
    public const string SmsReceivedCloudEvent = """
{
  "source": "/subscriptions/50ad1522-5c2c-4d9a-a6c8-67c11ecb75b8/resourcegroups/acse2e/providers/microsoft.communication/communicationservices/{communication-services-resource-name}",
  "subject": "/phonenumber/15555555555",
  "type": "Microsoft.Communication.SMSReceived",
  "time": "2020-09-18T00:27:47.0000000Z",
  "id": "Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e",
  "data": {
    "MessageId": "Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e",
    "From": "15555555555",
    "To": "15555555555",
    "Message": "Great to connect with ACS events",
    "ReceivedTimestamp": "2020-09-18T00:27:45.32Z"
  },
  "specVersion": "1.0"
}
""";

    // provider-specs.md lines 590-614
    public const string SmsDeliveryReport = """
[{
  "id": "Outgoing_202009180022138813a09b-0cbf-4304-9b03-1546683bb910",
  "topic": "/subscriptions/{subscription-id}/resourceGroups/{group-name}/providers/microsoft.communication/communicationservices/{communication-services-resource-name}",
  "subject": "/phonenumber/15555555555",
  "data": {
    "messageId": "Outgoing_202009180022138813a09b-0cbf-4304-9b03-1546683bb910",
    "from": "15555555555",
    "to": "+15555555555",
    "deliveryStatus": "Delivered",
    "deliveryStatusDetails": "No error.",
    "receivedTimestamp": "2020-09-18T00:22:20.2855749Z",
    "deliveryAttempts": [
      {
        "timestamp": "2020-09-18T00:22:14.9315918Z",
        "segmentsSucceeded": 1,
        "segmentsFailed": 0
      }
    ],
    "Tag": "Optional customer-tag set in the original message"
  },
  "eventType": "Microsoft.Communication.SMSDeliveryReportReceived",
  "dataVersion": "1.0",
  "metadataVersion": "1",
  "eventTime": "2020-09-18T00:22:20Z"
}]
""";

    // provider-specs.md lines 621-639
    public const string EmailDeliveryReportSpec = """
{
  "id": "5f04f77c-2a6a-43bd-9b74-576a64c01f9e",
  "topic": "/subscriptions/{subscription-id}/resourceGroups/{group-name}/providers/Microsoft.Communication/communicationServices/{communication-services-resource-name}",
  "subject": "sender/test2@contoso.org/message/950850f5-bcdf-4315-b77a-6447cf56fac9",
  "data": {
    "sender": "test2@contoso.org",
    "recipient": "test1@contoso.com",
    "messageId": "950850f5-bcdf-4315-b77a-6447cf56fac9",
    "status": "delivered",
    "deliveryAttemptTimeStamp": "2023-02-09T19:46:12.2480265+00:00",
    "deliveryStatusDetails": {
      "statusMessage": "DestinationMailboxFull"
    }
  },
  "eventType": "Microsoft.Communication.EmailDeliveryReportReceived",
  "dataVersion": "1.0",
  "metadataVersion": "1",
  "eventTime": "2023-02-09T19:46:12.2478002Z"
}
""";

    // provider-specs.md lines 643-658
    public const string EmailDeliveryReportDocs = """
[{
  "id": "00000000-0000-0000-0000-000000000000",
  "topic": "/subscriptions/{subscription-id}/resourceGroups/{group-name}/providers/microsoft.communication/communicationservices/{communication-services-resource-name}",
  "subject": "sender/senderid@azure.com/message/00000000-0000-0000-0000-000000000000",
  "data": {
    "sender": "senderid@azure.com", 
    "recipient": "receiver@azure.com",
    "messageId": "00000000-0000-0000-0000-000000000000",
    "status": "Delivered",
    "deliveryAttemptTimeStamp": "2020-09-18T00:22:20.2855749Z",
  },
  "eventType": "Microsoft.Communication.EmailDeliveryReportReceived",
  "dataVersion": "1.0",
  "metadataVersion": "1",
  "eventTime": "2020-09-18T00:22:20Z"
}]
""";

    // provider-specs.md lines 667-684
    public const string EmailEngagementSpec = """
{
  "id": "b69d6528-f09f-4ba7-93f9-dab8baf98d0e",
  "topic": "/subscriptions/{subscription-id}/resourceGroups/{group-name}/providers/Microsoft.Communication/communicationServices/{communication-services-resource-name}",
  "subject": "sender/test2@contoso.org/message/fe26a737-6941-410c-b126-7eacbe4035d1",
  "data": {
    "sender": "test2@contoso.org",
    "messageId": "fe26a737-6941-410c-b126-7eacbe4035d1",
    "internetMessageId": "<xyz.abc.123@contoso.com>",
    "userActionTimestamp": "2023-02-09T20:07:22.745555+00:00",
    "engagementContext": "www.example.com",
    "userAgent": "Desktop",
    "engagementType": "click"
  },
  "eventType": "Microsoft.Communication.EmailEngagementTrackingReportReceived",
  "dataVersion": "1.0",
  "metadataVersion": "1",
  "eventTime": "2023-02-09T20:07:22.7453611Z"
}
""";

    // provider-specs.md lines 688-704
    public const string EmailEngagementDocs = """
[{
  "id": "00000000-0000-0000-0000-000000000000",
  "topic": "/subscriptions/{subscription-id}/resourceGroups/{group-name}/providers/microsoft.communication/communicationservices/{communication-services-resource-name}",
  "subject": "sender/senderid@azure.com/message/00000000-0000-0000-0000-000000000000",
  "data": {
    "sender": "senderid@azure.com", 
    "messageId": "00000000-0000-0000-0000-000000000000",
    "userActionTimeStamp": "2022-09-06T22:34:52.1303595+00:00",
    "engagementContext": "",
    "userAgent": "",
    "engagementType": "view"
  },
  "eventType": "Microsoft.Communication.EmailEngagementTrackingReportReceived",
  "dataVersion": "1.0",
  "metadataVersion": "1",
  "eventTime": "2022-09-06T22:34:52.1303612Z"
}]
""";

    // provider-specs.md lines 710-726
    public const string AdvancedMessageText = """
[{
  "id": "00000000-0000-0000-0000-000000000000",
  "topic": "/subscriptions/{subscription-id}/resourcegroups/{resourcegroup-name}/providers/microsoft.communication/communicationservices/{communication-services-resource-name}",
  "subject": "advancedMessage/sender/{sender@id}/recipient/11111111-1111-1111-1111-111111111111",
  "data": {
    "content": "Hello",
    "channelType": "whatsapp",
    "messageType": "text",
    "from": "{sender@id}",
    "to": "{channel-id}",
    "receivedTimestamp": "2023-07-06T18:30:19+00:00"
  },
  "eventType": "Microsoft.Communication.AdvancedMessageReceived",
  "dataVersion": "1.0",
  "metadataVersion": "1",
  "eventTime": "2023-07-06T18:30:22.1921716Z"
}]
""";

    // provider-specs.md lines 730-750
    public const string AdvancedMessageImage = """
[{
  "id": "00000000-0000-0000-0000-000000000000",
  "topic": "/subscriptions/{subscription-id}/resourcegroups/{resourcegroup-name}/providers/microsoft.communication/communicationservices/{communication-services-resource-name}",
  "subject": "advancedMessage/sender/{sender@id}/recipient/11111111-1111-1111-1111-111111111111",
  "data": {
    "channelType": "whatsapp",
    "messageType": "image",
    "media": {
 "mimeType": "image/jpeg",
 "id": "00000000-0000-0000-0000-000000000000",
 "caption": "This is a media caption"
    },
    "from": "{sender@id}",
    "to": "{channel-id}",
    "receivedTimestamp": "2023-07-06T18:30:19+00:00"
  },
  "eventType": "Microsoft.Communication.AdvancedMessageReceived",
  "dataVersion": "1.0",
  "metadataVersion": "1",
  "eventTime": "2023-07-06T18:30:22.1921716Z"
}]
""";

    // provider-specs.md lines 754-780
    public const string AdvancedMessageInteractive = """
[{
  "id": "00000000-0000-0000-0000-000000000000",
  "topic": "/subscriptions/{subscription-id}/resourcegroups/{resourcegroup-name}/providers/microsoft.communication/communicationservices/{communication-services-resource-name}",
  "subject": "advancedMessage/sender/{sender@id}/recipient/00000000-0000-0000-0000-000000000000",
  "data": {
    "channelType": "whatsapp",
    "messageType": "interactive",
    "context": {
 "from": "{receiverphonenumber@id}",
 "id": "{reply-message-id}"
    },
    "interactive": {
 "type": "buttonReply",
 "buttonReply": {
   "id": "agree",
   "title": "Agree"
 }
    },
    "from": "{sender@id}",
    "to": "{channel-id}",
    "receivedTimestamp": "2024-12-04T23:57:04+00:00"
  },
  "eventType": "Microsoft.Communication.AdvancedMessageReceived",
  "dataVersion": "1.0",
  "metadataVersion": "1",
  "eventTime": "2024-12-04T23:57:04.9459858Z"
}]
""";

    // provider-specs.md lines 784-807
    public const string AdvancedMessageButton = """
[{
  "id": "00000000-0000-0000-0000-000000000000",
  "topic": "/subscriptions/{subscription-id}/resourcegroups/{resourcegroup-name}/providers/microsoft.communication/communicationservices/{communication-services-resource-name}",
  "subject": "advancedMessage/sender/{sender@id}/recipient/00000000-0000-0000-0000-000000000000",
  "data": {
    "channelType": "whatsapp",
    "messageType": "button",
    "context": {
 "from": "{receiverphonenumber@id}",
 "id": "{reply-message-id}"
    },
    "button": {
 "text": "Yes",
 "payload": "Kat said yes"
    },
    "from": "{sender@id}",
    "to": "{channel-id}",
    "receivedTimestamp": "2024-12-20T04:03:22+00:00"
  },
  "eventType": "Microsoft.Communication.AdvancedMessageReceived",
  "dataVersion": "1.0",
  "metadataVersion": "1",
  "eventTime": "2024-12-20T04:03:22.7978135Z"
}]
""";

    // provider-specs.md lines 812-858
    public const string AdvancedMessageAllFields = """
{
  "id": "4611364c-08fb-4a8a-a8b5-7e40203285d3",
  "topic": "/subscriptions/{subscription-id}/resourceGroups/{group-name}/providers/Microsoft.Communication/communicationServices/{communication-services-resource-name}",
  "subject": "advancedMessage/sender/18334411877/recipient/be57b49d-5cd4-4f96-9a6b-4af41bc9fdfb",
  "data": {
    "content": "Come on guys, lets go for lunch together.",
    "channelType": "whatsapp",
    "messageType": "messageType",
    "media": {
      "mimeType": "mimeType",
      "id": "mediaId",
      "fileName": "fileName",
      "caption": "caption",
      "animated": true
    },
    "reaction": {
      "messageId": "messageId",
      "emoji": "emoji"
    },
    "context": {
      "from": "1234578988",
      "id": "messageId"
    },
    "button": {
      "text": "button text",
      "payload": "payload"
    },
    "interactive": {
      "type": "buttonReply",
      "buttonReply": {
        "id": "buttonId",
        "title": "button reply"
      }
    },
    "from": "12375679879",
    "to": "1345679879",
    "receivedTimestamp": "2024-03-22T17:06:11.2610383+00:00",
    "error": {
      "channelCode": "channelCode",
      "channelMessage": "channelMessage"
    }
  },
  "eventType": "Microsoft.Communication.AdvancedMessageReceived",
  "dataVersion": "1.0",
  "metadataVersion": "1",
  "eventTime": "2024-02-23T23:55:39.1900577Z"
}
""";

    // provider-specs.md lines 866-886
    public const string AdvancedMessageStatusFailed = """
[{
  "id": "00000000-0000-0000-0000-000000000000",
  "topic": "/subscriptions/{subscription-id}/resourcegroups/{resourcegroup-name}/providers/microsoft.communication/communicationservices/acsxplatmsg-test",
  "subject": "advancedMessage/22222222-2222-2222-2222-222222222222/status/Failed",
  "data": {
    "messageId": "22222222-2222-2222-2222-222222222222",
    "status": "Failed",
    "channelType": "whatsapp",
    "from": "{sender@id}",
    "to": "{receiver@id}",
    "receivedTimestamp": "2023-07-06T18:42:28+00:00",
    "error": {
 "channelCode": "131026",
 "channelMessage": "Message Undeliverable."
    }
  },
  "eventType": "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated",
  "dataVersion": "1.0",
  "metadataVersion": "1",
  "eventTime": "2023-07-06T18:42:28.8454662Z"
}]
""";

    // provider-specs.md lines 1002-1002
    public const string MetaWhatsAppText = """
{"object":"whatsapp_business_account","entry":[{"id":"0","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"16505551111","phone_number_id":"123456123"},"contacts":[{"profile":{"name":"test user name"},"wa_id":"16315551181"}],"messages":[{"from":"16315551181","id":"ABGGFlA5Fpa","timestamp":"1504902988","type":"text","text":{"body":"this is a text message"}}]}}]}]}
""";

    // provider-specs.md lines 1006-1006
    public const string MetaWhatsAppStatus = """
{"object":"whatsapp_business_account","entry":[{"id":"122951744235903","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550984277","phone_number_id":"114896151713920"},"statuses":[{"id":"wamid.HBgLNjAxNzM1MjYyMzMVAgARGBJCNkY5NTBENEU3ODYxQTM3RUQA","status":"sent","timestamp":"1694492482","recipient_id":"60173526233","conversation":{"id":"f5fdae3920125a39a1e6a23e5f877c16","expiration_timestamp":"1694505360","origin":{"type":"utility"}},"pricing":{"billable":true,"pricing_model":"CBP","category":"utility"}}]},"field":"messages"}]}]}
""";

}
