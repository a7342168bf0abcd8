using System.Net;
using System.Text;
using System.Text.Json;
using Moq;
using Omni.Azure.ServiceBus;
using Omni.Functions.Echo;
using Omni.Hosting;

namespace Omni.Functions.Tests;

/// <summary>Trigger invocations exactly as the host posts them, answered the way the host requires.</summary>
public sealed class ServiceBusFunctionsTests : IDisposable
{
    private readonly FunctionAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private static HttpRequestMessage HostInvocation(string function, string payload)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/" + function)
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
        request.Headers.Add("X-Azure-Functions-HostVersion", "4.1040.300.0");
        request.Headers.Add("User-Agent", "Azure-Functions-Host/4.1040.300.0");
        return request;
    }

    // The host's binary-dataType request (shared reference §5.2 shape) for the Echo function.
    private static string EchoPayload(string body, int deliveryCount, string messageId = "7f4e6c1e2b9f4b6c9a1d2e3f4a5b6c7d") => $$"""
        {
          "Data": { "message": "{{Convert.ToBase64String(Encoding.UTF8.GetBytes(body))}}" },
          "Metadata": {
            "MessageReceiver": {}, "MessageSession": {}, "MessageActions": {}, "SessionActions": {}, "ReceiveActions": {},
            "Client": { "FullyQualifiedNamespace": "contoso-sb.servicebus.windows.net", "IsClosed": false, "TransportType": 0 },
            "DeliveryCount": "{{deliveryCount}}",
            "LockToken": "\"a1b2c3d4-0000-4000-8000-1234567890ab\"",
            "ExpiresAtUtc": "2025-05-15T10:15:30",
            "ExpiresAt": "2025-05-15T10:15:30+00:00",
            "EnqueuedTimeUtc": "2025-05-01T10:15:30",
            "EnqueuedTime": "2025-05-01T10:15:30+00:00",
            "MessageId": "\"{{messageId}}\"",
            "ContentType": "\"application/json\"",
            "SequenceNumber": "17",
            "CorrelationId": "\"req-123\"",
            "ApplicationProperties": {},
            "UserProperties": {},
            "sys": { "MethodName": "Echo", "UtcNow": "2025-05-01T10:15:31.456Z", "RandGuid": "0b9e0000-0000-0000-0000-000000000000" }
          }
        }
        """;

    [Fact]
    public async Task Readiness_GetRoot_AnswersOk()
    {
        using var response = await _factory.CreateClient().GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Echo_HostInvocation_AnswersAnEnvelopeTheHostAcceptsAndSendsTheReply()
    {
        ServiceBusMessage? sent = null;
        _factory.Sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
            .Callback<ServiceBusMessage, CancellationToken>((m, _) => sent = m)
            .Returns(Task.CompletedTask);

        using var response = await _factory.CreateClient().SendAsync(HostInvocation("Echo", EchoPayload("""{"text":"hi"}""", deliveryCount: 1)));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Null(InvocationResult.CheckHostAcceptance((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body, out var result));
        Assert.Contains(result!.Logs, l => l.Contains("7f4e6c1e2b9f4b6c9a1d2e3f4a5b6c7d"));
        _factory.ServiceBus.Verify(c => c.CreateSender(EchoFunction.ReplyQueue));
        Assert.NotNull(sent);
        Assert.Equal("7f4e6c1e2b9f4b6c9a1d2e3f4a5b6c7d:echo", sent.MessageId);
        Assert.Equal("req-123", sent.CorrelationId);
        using var reply = JsonDocument.Parse(sent.Body.ToString());
        Assert.Equal("hi", reply.RootElement.GetProperty("text").GetString());
        Assert.Equal(1, reply.RootElement.GetProperty("deliveryCount").GetInt32());
    }

    [Fact]
    public async Task Echo_FailureRequestedForThisDelivery_AnswersNon2xxSoTheHostAbandons()
    {
        using var response = await _factory.CreateClient().SendAsync(HostInvocation("Echo", EchoPayload("""{"failUntilDelivery":3}""", deliveryCount: 2)));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        _factory.Sender.Verify(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Echo_SendToServiceBusFails_AnswersNon2xxSoTheMessageIsRetried()
    {
        _factory.Sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new global::Azure.RequestFailedException(503, "Service unavailable"));

        using var response = await _factory.CreateClient().SendAsync(HostInvocation("Echo", EchoPayload("""{"text":"hi"}""", deliveryCount: 1)));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{"Metadata":{}}""")]
    [InlineData("""{"Data":{"wrongBinding":"e30="}}""")]
    public async Task Echo_NotAHostInvocation_Answers400(string payload)
    {
        using var response = await _factory.CreateClient().SendAsync(HostInvocation("Echo", payload));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
