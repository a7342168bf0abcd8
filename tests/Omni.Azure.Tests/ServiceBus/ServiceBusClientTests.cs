using Moq;
using Omni.Azure.ServiceBus;

namespace Omni.Azure.Tests.ServiceBus;

public sealed class ServiceBusClientTests
{
    [Fact]
    public void Parse_StandardConnectionString_ReadsEveryPart()
    {
        ServiceBusConnectionStringProperties properties = ServiceBusConnectionStringProperties.Parse(
            "Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=abc+def/ghi==;EntityPath=outbound");

        Assert.Equal("contoso.servicebus.windows.net", properties.FullyQualifiedNamespace);
        Assert.Equal("send", properties.SharedAccessKeyName);
        Assert.Equal("abc+def/ghi==", properties.SharedAccessKey);
        Assert.Equal("outbound", properties.EntityPath);
        Assert.False(properties.UseDevelopmentEmulator);
        Assert.Equal("https://contoso.servicebus.windows.net/", properties.RestEndpoint.AbsoluteUri);
    }

    [Fact]
    public void Parse_KeysInAnyCase_AreRecognised()
    {
        ServiceBusConnectionStringProperties properties = ServiceBusConnectionStringProperties.Parse(
            "endpoint=sb://127.0.0.1:7071;sharedaccesskeyname=k;sharedaccesskey=v;usedevelopmentemulator=TRUE");

        Assert.True(properties.UseDevelopmentEmulator);
        Assert.Equal("http://127.0.0.1:7071/", properties.RestEndpoint.AbsoluteUri);
    }

    [Theory]
    [InlineData("SharedAccessKeyName=k;SharedAccessKey=v")]
    [InlineData("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKey=v")]
    [InlineData("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=k")]
    [InlineData("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=v;garbage")]
    public void Parse_IncompleteOrMalformed_ThrowsFormatException(string connectionString)
    {
        Assert.Throws<FormatException>(() => ServiceBusConnectionStringProperties.Parse(connectionString));
    }

    [Fact]
    public void Parse_MalformedSegment_DoesNotEchoSecret()
    {
        FormatException error = Assert.Throws<FormatException>(() => ServiceBusConnectionStringProperties.Parse(
            "Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=k;TopSecretValueWithoutKey"));

        Assert.DoesNotContain("TopSecret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateSender_EntityPathInConnectionStringDiffers_Throws()
    {
        var client = new ServiceBusClient(
            "Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=v;EntityPath=outbound");

        Assert.Throws<ArgumentException>(() => client.CreateSender("inbound"));
        Assert.Equal("outbound", client.CreateSender("outbound").EntityPath);
    }

    [Fact]
    public void CreateSender_Queue_ReportsNamespaceAndEntity()
    {
        var client = new ServiceBusClient("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=v");

        ServiceBusSender sender = client.CreateSender("send-email");

        Assert.Equal("contoso.servicebus.windows.net", client.FullyQualifiedNamespace);
        Assert.Equal("contoso.servicebus.windows.net", sender.FullyQualifiedNamespace);
        Assert.Equal("send-email", sender.EntityPath);
    }

    [Fact]
    public async Task SendMessageAsync_Mocked_RecordsMessageWithoutNetwork()
    {
        var sender = new Mock<ServiceBusSender>();
        var client = new Mock<ServiceBusClient>();
        client.Setup(c => c.CreateSender("outbound")).Returns(sender.Object);
        var message = new ServiceBusMessage("hi");

        await client.Object.CreateSender("outbound").SendMessageAsync(message);

        sender.Verify(s => s.SendMessageAsync(message, It.IsAny<CancellationToken>()), Times.Once);
    }
}
