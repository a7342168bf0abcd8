using Amqp;
using Amqp.Framing;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Tests.Amqp;

/// <summary>
/// Other AMQP 1.0 clients (here AMQPNetLite's): SASL PLAIN with the key name and key is enough; an anonymous
/// connection without a $cbs token is refused at the link with amqp:unauthorized-access.
/// </summary>
public class AmqpPlainClientTests
{
    [Fact]
    public async Task PlainWithKeyNameAndKey_SendsAndReceives()
    {
        await using var fixture = new AmqpFrontFixture();
        var address = new Address("127.0.0.1", fixture.Front.Port, ServiceBusEmulator.KeyName, ServiceBusEmulator.Key, scheme: "AMQP");
        var connection = await Connection.Factory.CreateAsync(address);
        try
        {
            var session = new Session(connection);
            var sender = new SenderLink(session, "plain-sender", "outbound");
            await sender.SendAsync(new Message { BodySection = new Data { Binary = "plain"u8.ToArray() }, Properties = new Properties { MessageId = "p-1" } });
            var receiver = new ReceiverLink(session, "plain-receiver", "outbound");

            var message = await receiver.ReceiveAsync(TimeSpan.FromSeconds(10));

            Assert.NotNull(message);
            Assert.Equal("p-1", message.Properties.MessageId);
            Assert.Equal("plain"u8.ToArray(), (byte[])message.Body);
            Assert.Equal(1L, message.MessageAnnotations[(global::Amqp.Types.Symbol)"x-opt-sequence-number"]);
            Assert.Equal(16, message.DeliveryTag.Length);
            Assert.Equal(new Guid(message.DeliveryTag), (Guid)message.MessageAnnotations[(global::Amqp.Types.Symbol)"x-opt-lock-token"]);
            receiver.Accept(message);
            await WaitUntil(() => fixture.Queue("outbound").CompletedCount == 1);
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    [Fact]
    public async Task PlainWithAWrongKey_IsRefusedAtSignIn()
    {
        await using var fixture = new AmqpFrontFixture();
        var address = new Address("127.0.0.1", fixture.Front.Port, ServiceBusEmulator.KeyName, "wrong", scheme: "AMQP");

        await Assert.ThrowsAnyAsync<Exception>(() => Connection.Factory.CreateAsync(address).WaitAsync(AmqpFrontFixture.Timeout));
    }

    [Fact]
    public async Task AnonymousWithoutAToken_LinkIsRefusedWithUnauthorizedAccess()
    {
        await using var fixture = new AmqpFrontFixture();
        var factory = new ConnectionFactory();
        factory.SASL.Profile = global::Amqp.Sasl.SaslProfile.Anonymous;
        var connection = await factory.CreateAsync(new Address($"amqp://127.0.0.1:{fixture.Front.Port}"));
        try
        {
            var sender = new SenderLink(new Session(connection), "anonymous-sender", "outbound");

            var error = await Assert.ThrowsAsync<AmqpException>(() => sender.SendAsync(new Message("x")));

            Assert.Equal("amqp:unauthorized-access", (string)error.Error.Condition);
            Assert.Contains("$cbs", error.Error.Description, StringComparison.Ordinal);
            Assert.Empty(fixture.Queue("outbound").Snapshot(false).Messages);
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    [Fact]
    public async Task AnonymousWithoutAToken_ManagementRequestIsAnswered401()
    {
        await using var fixture = new AmqpFrontFixture();
        await fixture.Client.CreateSender("outbound").SendMessageAsync(new global::Azure.Messaging.ServiceBus.ServiceBusMessage("peek me"), AmqpFrontFixture.Bounded());
        var factory = new ConnectionFactory();
        factory.SASL.Profile = global::Amqp.Sasl.SaslProfile.Anonymous;
        var connection = await factory.CreateAsync(new Address($"amqp://127.0.0.1:{fixture.Front.Port}"));
        try
        {
            var session = new Session(connection);
            var requests = new SenderLink(session, "mgmt-sender", "outbound/$management");
            var replies = new ReceiverLink(session, "mgmt-receiver",
                new Attach { Source = new Source { Address = "outbound/$management" }, Target = new Target { Address = "peeker-replies" } }, null);
            replies.SetCredit(1);
            var request = new Message(new global::Amqp.Types.Map { ["from-sequence-number"] = 0L, ["message-count"] = 1 })
            {
                Properties = new Properties { MessageId = "req-1", ReplyTo = "peeker-replies" },
                ApplicationProperties = new ApplicationProperties { ["operation"] = "com.microsoft:peek-message" },
            };

            await requests.SendAsync(request);
            var response = await replies.ReceiveAsync(AmqpFrontFixture.Timeout);

            Assert.NotNull(response);
            Assert.Equal(401, response.ApplicationProperties["statusCode"]);
            Assert.Equal("amqp:unauthorized-access", (string)(global::Amqp.Types.Symbol)response.ApplicationProperties["errorCondition"]);
            Assert.False(response.Body is global::Amqp.Types.Map { Count: > 0 }, "the refusal carries no messages");
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var bound = new CancellationTokenSource(AmqpFrontFixture.Timeout);
        while (!condition())
        {
            await Task.Delay(20, bound.Token);
        }
    }
}
