using Azure;
using Omni.Azure.ServiceBus;
using Omni.Azure.Tests.Fakes;

namespace Omni.Azure.Tests.ServiceBus;

/// <summary>The REST peek-lock receiver against a fake transport that answers in the service's documented wire format.</summary>
public sealed class ServiceBusReceiverTests
{
    private const string ConnectionString =
        "Endpoint=sb://omni-test.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=c2VjcmV0LWtleS1mb3Itb21uaS10ZXN0cw==";

    private const string EmulatorConnectionString =
        "Endpoint=sb://127.0.0.1:7071/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true";

    // Computed independently (Python hmac/hashlib) for resource https://omni-test.servicebus.windows.net/echo, se=1735693200:
    // the token for the queue also covers its dead-letter sub-queue.
    private const string ExpectedEchoToken =
        "SharedAccessSignature sr=https%3A%2F%2Fomni-test.servicebus.windows.net%2Fecho" +
        "&sig=bpquu9welr5LP%2B2A2WBqy0PYA%2FUWamtw7SK2PbPLFQU%3D&se=1735693200&skn=RootManageSharedAccessKey";

    private const string LockToken = "7da9cfd5-40d5-4bb1-8d64-ec5a52e1c547";

    // Shaped like the peek-lock example of https://learn.microsoft.com/rest/api/servicebus/peek-lock-message-non-destructive-read.
    private const string BrokerProperties =
        "{\"DeliveryCount\":5,\"EnqueuedSequenceNumber\":0,\"EnqueuedTimeUtc\":\"Wed, 02 Jul 2014 01:32:27 GMT\",\"Label\":\"M1\"," +
        "\"LockToken\":\"" + LockToken + "\",\"LockedUntilUtc\":\"Wed, 02 Jul 2014 01:33:27 GMT\"," +
        "\"MessageId\":\"m-42:1\",\"SequenceNumber\":17,\"State\":\"Active\",\"TimeToLive\":10,\"CorrelationId\":\"req-9\"}";

    private const string Location = "https://omni-test.servicebus.windows.net/echo/$DeadLetterQueue/messages/17/" + LockToken;

    private static readonly DateTimeOffset Now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeHttpHandler _http = new();
    private readonly FakeClock _clock = new(Now);
    private readonly RecordedDelays _delays;

    public ServiceBusReceiverTests()
    {
        _delays = new RecordedDelays(_clock);
    }

    private FakeHttpHandler ReplyWithMessage(string? location = Location) =>
        _http.Reply(201, "{\"text\":\"hello\"}",
            [
                ("BrokerProperties", BrokerProperties),
                ("DeadLetterReason", "\"MaxDeliveryCountExceeded\""),
                ("DeadLetterErrorDescription", "\"Failed 5 times: Zo\\u00eb\""),
                ("Priority", "\"High\""),
                ("attempt", "3"),
                ("urgent", "true"),
                ("Date", "Wed, 02 Jul 2014 01:32:27 GMT"),
                .. location is null ? Array.Empty<(string, string)>() : [("Location", location)],
            ]);

    [Fact]
    public async Task PeekLockAsync_DeadLetterQueue_PostsToHeadAndReadsEveryProperty()
    {
        ReplyWithMessage();
        var receiver = CreateClient(ConnectionString).CreateReceiver("echo", ServiceBusSubQueue.DeadLetter);

        var message = await receiver.PeekLockAsync(TimeSpan.FromSeconds(4.2));

        var request = Assert.Single(_http.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("https://omni-test.servicebus.windows.net/echo/$DeadLetterQueue/messages/head?timeout=5", request.Uri.AbsoluteUri);
        Assert.Equal(ExpectedEchoToken, request.Header("Authorization"));
        Assert.NotNull(message);
        Assert.Equal("{\"text\":\"hello\"}", message.Body.ToString());
        Assert.Equal("m-42:1", message.MessageId);
        Assert.Equal(LockToken, message.LockToken);
        Assert.Equal(5, message.DeliveryCount);
        Assert.Equal(17, message.SequenceNumber);
        Assert.Equal(new DateTimeOffset(2014, 7, 2, 1, 32, 27, TimeSpan.Zero), message.EnqueuedTime);
        Assert.Equal(new DateTimeOffset(2014, 7, 2, 1, 33, 27, TimeSpan.Zero), message.LockedUntil);
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal("req-9", message.CorrelationId);
        Assert.Equal("M1", message.Subject);
        Assert.Equal("MaxDeliveryCountExceeded", message.DeadLetterReason);
        Assert.Equal("Failed 5 times: Zoë", message.DeadLetterErrorDescription);
        Assert.Equal("High", message.ApplicationProperties["Priority"]);
        Assert.Equal(3L, message.ApplicationProperties["attempt"]);
        Assert.Equal(true, message.ApplicationProperties["urgent"]);
        Assert.False(message.ApplicationProperties.ContainsKey("Date"));
        Assert.False(message.ApplicationProperties.ContainsKey("BrokerProperties"));
        Assert.Equal(new Uri(Location), message.LockLocation);
    }

    [Fact]
    public async Task PeekLockAsync_Answer204_ReturnsNullAndSendsTimeoutZeroByDefault()
    {
        _http.Reply(204);
        var receiver = CreateClient(ConnectionString).CreateReceiver("send-sms");

        var message = await receiver.PeekLockAsync();

        Assert.Null(message);
        Assert.Equal("https://omni-test.servicebus.windows.net/send-sms/messages/head?timeout=0", Assert.Single(_http.Requests).Uri.AbsoluteUri);
    }

    [Fact]
    public async Task UnlockAndComplete_UseTheLocationUnchanged_PutThenDelete()
    {
        ReplyWithMessage().Reply(200).Reply(200);
        var receiver = CreateClient(ConnectionString).CreateReceiver("echo", ServiceBusSubQueue.DeadLetter);
        var message = (await receiver.PeekLockAsync())!;

        await receiver.UnlockAsync(message);
        await receiver.CompleteAsync(message);

        Assert.Equal(3, _http.Requests.Count);
        Assert.Equal(HttpMethod.Put, _http.Requests[1].Method);
        Assert.Equal(Location, _http.Requests[1].Uri.AbsoluteUri);
        Assert.Equal(HttpMethod.Delete, _http.Requests[2].Method);
        Assert.Equal(Location, _http.Requests[2].Uri.AbsoluteUri);
        Assert.Equal(ExpectedEchoToken, _http.Requests[2].Header("Authorization"));
    }

    [Fact]
    public async Task Complete_LocationOnAnotherHost_NotFollowedButBuiltFromMessageIdAndLockToken()
    {
        ReplyWithMessage(location: "https://evil.example.net/echo/$DeadLetterQueue/messages/17/" + LockToken).Reply(200);
        var receiver = CreateClient(ConnectionString).CreateReceiver("echo", ServiceBusSubQueue.DeadLetter);
        var message = (await receiver.PeekLockAsync())!;

        await receiver.CompleteAsync(message);

        var delete = _http.Requests[1];
        Assert.Equal("omni-test.servicebus.windows.net", delete.Uri.Host);
        Assert.Equal("/echo/$DeadLetterQueue/messages/m-42%3A1/" + LockToken, delete.Uri.AbsolutePath);
    }

    [Fact]
    public async Task Complete_LockLost404_ThrowsWithTheStatus()
    {
        ReplyWithMessage(location: null).Reply(404, "<Error><Code>404</Code><Detail>The lock supplied is invalid.</Detail></Error>");
        var receiver = CreateClient(ConnectionString).CreateReceiver("echo", ServiceBusSubQueue.DeadLetter);
        var message = (await receiver.PeekLockAsync())!;

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => receiver.CompleteAsync(message));

        Assert.Equal(404, error.Status);
        Assert.Equal(2, _http.Requests.Count); // 404 is not retried
    }

    [Fact]
    public async Task PeekLockAsync_Unauthorized_Throws401()
    {
        _http.Reply(401, "<Error><Code>401</Code><Detail>InvalidSignature: The token has an invalid signature.</Detail></Error>");
        var receiver = CreateClient(ConnectionString).CreateReceiver("echo");

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => receiver.PeekLockAsync());

        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task PeekLockAsync_ServerBusy_RetriedThenSucceeds()
    {
        _http.Reply(503).Reply(201, "x", ("BrokerProperties", BrokerProperties));
        var receiver = CreateClient(ConnectionString).CreateReceiver("echo");

        var message = await receiver.PeekLockAsync();

        Assert.Equal("m-42:1", message!.MessageId);
        Assert.Equal(2, _http.Requests.Count);
    }

    [Fact]
    public async Task PeekLockAsync_NoBrokerProperties_ThrowsInsteadOfReturningAnUnsettleableMessage()
    {
        _http.Reply(201, "x");
        var receiver = CreateClient(ConnectionString).CreateReceiver("echo");

        await Assert.ThrowsAsync<RequestFailedException>(() => receiver.PeekLockAsync());
    }

    [Fact]
    public async Task Receiver_EntraCredential_SendsBearerTokenForServiceBusScope()
    {
        _http.Reply(204);
        var credential = new StaticTokenCredential("entra-token");
        var options = new ServiceBusClientOptions { TimeProvider = _clock }.Use(_http, _delays, _clock);
        var client = new ServiceBusClient("omni-test.servicebus.windows.net", credential, options);

        await client.CreateReceiver("echo", ServiceBusSubQueue.DeadLetter).PeekLockAsync();

        Assert.Equal("Bearer entra-token", Assert.Single(_http.Requests).Header("Authorization"));
        Assert.Contains("https://servicebus.azure.net/.default", credential.Scopes);
    }

    [Fact]
    public async Task Receiver_EmulatorConnectionString_TalksPlainHttpToTheEmulator()
    {
        _http.Reply(204);

        await CreateClient(EmulatorConnectionString).CreateReceiver("echo", ServiceBusSubQueue.DeadLetter).PeekLockAsync();

        Assert.Equal("http://127.0.0.1:7071/echo/$DeadLetterQueue/messages/head?timeout=0", Assert.Single(_http.Requests).Uri.AbsoluteUri);
    }

    [Fact]
    public void CreateReceiver_ConnectionStringScopedToAnotherEntity_Throws()
    {
        var client = CreateClient(ConnectionString + ";EntityPath=outbound");

        Assert.Throws<ArgumentException>(() => client.CreateReceiver("echo"));
        Assert.Equal("outbound/$DeadLetterQueue", client.CreateReceiver("outbound", ServiceBusSubQueue.DeadLetter).EntityPath);
    }

    [Fact]
    public async Task UnlockAsync_MessageWithoutLockToken_Throws()
    {
        var receiver = CreateClient(ConnectionString).CreateReceiver("echo");

        await Assert.ThrowsAsync<ArgumentException>(() => receiver.UnlockAsync(new ServiceBusReceivedMessage { MessageId = "m" }));
        Assert.Empty(_http.Requests);
    }

    private ServiceBusClient CreateClient(string connectionString)
    {
        var options = new ServiceBusClientOptions { TimeProvider = _clock }.Use(_http, _delays, _clock);
        return new ServiceBusClient(connectionString, options);
    }
}
