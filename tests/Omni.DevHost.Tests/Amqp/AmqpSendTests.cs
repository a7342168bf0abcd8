using System.Text;
using Azure.Messaging.ServiceBus;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Tests.Amqp;

/// <summary>The official .NET SDK's sender against the DevHost's AMQP front: what lands in the emulated queue.</summary>
public class AmqpSendTests
{
    [Fact]
    public async Task SendMessageAsync_OneMessage_LandsInTheQueueWithItsProperties()
    {
        await using var fixture = new AmqpFrontFixture();
        await using var sender = fixture.Client.CreateSender("outbound");
        var message = new ServiceBusMessage(Encoding.UTF8.GetBytes("""{"channel":"sms"}"""))
        {
            MessageId = "msg-1:route",
            ContentType = "application/json",
            CorrelationId = "req-7d1e",
            Subject = "message.requested",
            ApplicationProperties = { ["tenant"] = "t-001", ["attempt"] = 3L, ["urgent"] = true, ["score"] = 0.75 },
        };

        await sender.SendMessageAsync(message, AmqpFrontFixture.Bounded());

        var queue = fixture.Queue("outbound");
        Assert.True(queue.TryLock(out var held));
        Assert.Equal("""{"channel":"sms"}""", Encoding.UTF8.GetString(held.Message.Body));
        Assert.Equal("msg-1:route", held.MessageId);
        Assert.Equal("application/json", held.Message.ContentType);
        Assert.Equal("req-7d1e", held.Message.CorrelationId);
        Assert.Equal("message.requested", held.Message.Subject);
        Assert.Equal("t-001", held.Message.ApplicationProperties["tenant"]);
        Assert.Equal(3L, held.Message.ApplicationProperties["attempt"]);
        Assert.Equal(true, held.Message.ApplicationProperties["urgent"]);
        Assert.Equal(0.75, held.Message.ApplicationProperties["score"]);
    }
}
