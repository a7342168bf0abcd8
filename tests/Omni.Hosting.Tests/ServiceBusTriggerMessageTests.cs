using System.Text;
using System.Text.Json;
using Omni.Hosting;

namespace Omni.Hosting.Tests;

public class ServiceBusTriggerMessageTests
{
    private static readonly BindingDefinition StringTrigger = new()
    {
        Type = "serviceBusTrigger", Direction = "in", Name = "orderMsg", QueueName = "orders-in", Connection = "ServiceBusConnection",
    };

    private static readonly BindingDefinition BinaryTrigger = StringTrigger with { DataType = "binary" };

    // The host's request for a string-typed trigger, verbatim from shared/reference/functions-contract.md §5.2.
    private const string HostRequestDefaultDataType = """
        {
          "Data": {
            "orderMsg": "\"{\\\"orderId\\\":42,\\\"customer\\\":\\\"contoso\\\"}\""
          },
          "Metadata": {
            "MessageReceiver": {}, "MessageSession": {}, "MessageActions": {}, "SessionActions": {}, "ReceiveActions": {},
            "Client": { "FullyQualifiedNamespace": "contoso-sb.servicebus.windows.net", "IsClosed": false, "TransportType": 0, "Identifier": "..." },
            "DeliveryCount": "1",
            "LockToken": "\"a1b2c3d4-0000-4000-8000-1234567890ab\"",
            "ExpiresAtUtc": "2025-05-15T10:15:30",
            "ExpiresAt": "2025-05-15T10:15:30+00:00",
            "EnqueuedTimeUtc": "2025-05-01T10:15:30",
            "EnqueuedTime": "2025-05-01T10:15:30+00:00",
            "MessageId": "\"7f4e6c1e2b9f4b6c9a1d2e3f4a5b6c7d\"",
            "ContentType": "\"application/json\"",
            "SequenceNumber": "17",
            "CorrelationId": "\"req-123\"",
            "SessionId": "\"tenant-t1\"",
            "ApplicationProperties": { "tenant": "t1", "attempt": 2 },
            "UserProperties": { "tenant": "t1", "attempt": 2 },
            "orderId": "\"42\"",
            "customer": "\"contoso\"",
            "sys": { "MethodName": "ProcessOrder", "UtcNow": "2025-05-01T10:15:31.456Z", "RandGuid": "0b9e..." }
          }
        }
        """;

    [Fact]
    public void FromInvocationPayload_HostDoubleEncodedString_ReturnsOriginalBody()
    {
        var message = ServiceBusTriggerMessage.FromInvocationPayload(Encoding.UTF8.GetBytes(HostRequestDefaultDataType), StringTrigger);

        Assert.Equal("""{"orderId":42,"customer":"contoso"}""", message.BodyAsString());
    }

    [Fact]
    public void FromInvocationPayload_HostMetadata_DecodesQuotedStringsNumbersAndDates()
    {
        var message = ServiceBusTriggerMessage.FromInvocationPayload(Encoding.UTF8.GetBytes(HostRequestDefaultDataType), StringTrigger);

        Assert.Equal("7f4e6c1e2b9f4b6c9a1d2e3f4a5b6c7d", message.MessageId);
        Assert.Equal(1, message.DeliveryCount);
        Assert.Equal(17, message.SequenceNumber);
        Assert.Equal("req-123", message.CorrelationId);
        Assert.Equal("tenant-t1", message.SessionId);
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal("a1b2c3d4-0000-4000-8000-1234567890ab", message.LockToken);
        Assert.Equal(new DateTimeOffset(2025, 5, 1, 10, 15, 30, TimeSpan.Zero), message.EnqueuedTime);
        Assert.Equal(new DateTimeOffset(2025, 5, 15, 10, 15, 30, TimeSpan.Zero), message.ExpiresAt);
        Assert.Equal("t1", message.ApplicationProperties["tenant"]);
        Assert.Equal(2L, message.ApplicationProperties["attempt"]);
    }

    [Fact]
    public void FromInvocationPayload_BinaryDataType_DecodesBase64ToExactBytes()
    {
        // §5.2: with "dataType": "binary" the value is base64 of the body bytes.
        const string payload = """{"Data":{"orderMsg":"eyJvcmRlcklkIjo0MiwiY3VzdG9tZXIiOiJjb250b3NvIn0="},"Metadata":{"DeliveryCount":"3","MessageId":"\"m-1\""}}""";

        var message = ServiceBusTriggerMessage.FromInvocationPayload(Encoding.UTF8.GetBytes(payload), BinaryTrigger);

        Assert.Equal("""{"orderId":42,"customer":"contoso"}""", message.BodyAsString());
        Assert.Equal(3, message.DeliveryCount);
        Assert.Equal("m-1", message.MessageId);
    }

    [Fact]
    public void FromInvocationPayload_OnlyUtcDateWithoutZone_ReadsItAsUtc()
    {
        const string payload = """{"Data":{"orderMsg":"e30="},"Metadata":{"EnqueuedTimeUtc":"2025-05-01T10:15:30"}}""";

        var message = ServiceBusTriggerMessage.FromInvocationPayload(Encoding.UTF8.GetBytes(payload), BinaryTrigger);

        Assert.Equal(new DateTimeOffset(2025, 5, 1, 10, 15, 30, TimeSpan.Zero), message.EnqueuedTime);
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("[]", "no 'Data' object")]
    [InlineData("""{"Data":{}}""", "no 'orderMsg' binding")]
    [InlineData("""{"Data":{"orderMsg":"***"}}""", "not base64")]
    public void FromInvocationPayload_NotAHostInvocation_ThrowsWithReason(string payload, string reason)
    {
        var error = Assert.Throws<InvalidInvocationException>(() =>
            ServiceBusTriggerMessage.FromInvocationPayload(Encoding.UTF8.GetBytes(payload), BinaryTrigger));

        Assert.Contains(reason, error.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("binary")]
    public void ToInvocationPayload_ThenFromInvocationPayload_RoundTripsBodyAndMetadata(string? dataType)
    {
        var function = new FunctionDefinition("ProcessOrder", [StringTrigger with { DataType = dataType }]);
        var body = Encoding.UTF8.GetBytes("""{"text":"héllo \"quoted\" \\ back","n":1}""");
        var original = new ServiceBusTriggerMessage
        {
            Body = body,
            MessageId = "msg-1:route",
            DeliveryCount = 4,
            SequenceNumber = 99,
            CorrelationId = "corr",
            Subject = "subject",
            EnqueuedTime = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            ApplicationProperties = new Dictionary<string, object?> { ["tenant"] = "t1", ["attempt"] = 2L, ["urgent"] = true },
        };

        var payload = original.ToInvocationPayload(function, DateTimeOffset.UtcNow);
        var decoded = ServiceBusTriggerMessage.FromInvocationPayload(payload, function.Trigger);

        Assert.Equal(body, decoded.Body.ToArray());
        Assert.Equal("msg-1:route", decoded.MessageId);
        Assert.Equal(4, decoded.DeliveryCount);
        Assert.Equal(99, decoded.SequenceNumber);
        Assert.Equal("corr", decoded.CorrelationId);
        Assert.Equal("subject", decoded.Subject);
        Assert.Equal(original.EnqueuedTime, decoded.EnqueuedTime);
        Assert.Equal(original.ApplicationProperties, decoded.ApplicationProperties);
    }

    [Fact]
    public void ToInvocationPayload_StringDataType_EncodesLikeTheHost()
    {
        var function = new FunctionDefinition("ProcessOrder", [StringTrigger]);
        var message = new ServiceBusTriggerMessage
        {
            Body = Encoding.UTF8.GetBytes("""{"orderId":42,"messageId":"body-wins"}"""),
            MessageId = "abc-123",
            DeliveryCount = 1,
        };

        using var document = JsonDocument.Parse(message.ToInvocationPayload(function, DateTimeOffset.UtcNow));
        var data = document.RootElement.GetProperty("Data").GetProperty("orderMsg").GetString();
        var metadata = document.RootElement.GetProperty("Metadata");

        // Data is the body JSON-encoded as a string, inside the JSON string value: "\"{...}\"".
        Assert.Equal("\"{\\\"orderId\\\":42,\\\"messageId\\\":\\\"body-wins\\\"}\"", data);
        Assert.Equal("1", metadata.GetProperty("DeliveryCount").GetString());
        Assert.Equal("\"42\"", metadata.GetProperty("orderId").GetString());
        // The host merges body properties into its case-insensitive binding data with bindingData[key] = value: the
        // body's messageId overwrites the real MessageId's value under the existing key (gotcha 6).
        Assert.False(metadata.TryGetProperty("messageId", out _));
        Assert.Equal("\"body-wins\"", metadata.GetProperty("MessageId").GetString());
    }

    [Fact]
    public void ToInvocationPayload_BinaryDataType_SendsBase64AndNoBodyProperties()
    {
        var function = new FunctionDefinition("Echo", [BinaryTrigger]);
        var message = new ServiceBusTriggerMessage { Body = Encoding.UTF8.GetBytes("""{"orderId":42}"""), MessageId = "abc" };

        using var document = JsonDocument.Parse(message.ToInvocationPayload(function, DateTimeOffset.UtcNow));
        var metadata = document.RootElement.GetProperty("Metadata");

        Assert.Equal("eyJvcmRlcklkIjo0Mn0=", document.RootElement.GetProperty("Data").GetProperty("orderMsg").GetString());
        Assert.False(metadata.TryGetProperty("orderId", out _));
        Assert.Equal("\"abc\"", metadata.GetProperty("MessageId").GetString());
        Assert.Equal("Echo", metadata.GetProperty("sys").GetProperty("MethodName").GetString());
    }
}
