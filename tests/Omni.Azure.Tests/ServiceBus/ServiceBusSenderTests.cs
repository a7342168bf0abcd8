using Azure;
using Omni.Azure.ServiceBus;
using Omni.Azure.Tests.Fakes;

namespace Omni.Azure.Tests.ServiceBus;

public sealed class ServiceBusSenderTests
{
    private const string ConnectionString =
        "Endpoint=sb://omni-test.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=c2VjcmV0LWtleS1mb3Itb21uaS10ZXN0cw==";

    private const string EmulatorConnectionString =
        "Endpoint=sb://127.0.0.1:7071/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true";

    // Both tokens computed independently (Python) for a clock at 2025-01-01T00:00:00Z and a one-hour lifetime (se=1735693200).
    private const string ExpectedToken =
        "SharedAccessSignature sr=https%3A%2F%2Fomni-test.servicebus.windows.net%2Fsend-sms" +
        "&sig=lPbl5c78UJG1yMYB%2BpSFWYc0LnuQhDY70kMMzN%2BM6Cg%3D&se=1735693200&skn=RootManageSharedAccessKey";

    private const string ExpectedEmulatorToken =
        "SharedAccessSignature sr=http%3A%2F%2F127.0.0.1%3A7071%2Foutbound" +
        "&sig=8hnf6Zqb1GZf1nRaXvPKNUgOGeLBVzFS1pa58DxpCIA%3D&se=1735693200&skn=RootManageSharedAccessKey";

    private static readonly DateTimeOffset Now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeHttpHandler _http = new();
    private readonly FakeClock _clock = new(Now);
    private readonly RecordedDelays _delays;

    public ServiceBusSenderTests()
    {
        _delays = new RecordedDelays(_clock);
    }

    [Fact]
    public async Task SendMessageAsync_AllProperties_SendsDocumentedWireFormat()
    {
        _http.Reply(201);
        var message = new ServiceBusMessage("{\"orderId\":42}")
        {
            ContentType = "application/json",
            MessageId = "m-1:route",
            CorrelationId = "req-123",
            Subject = "OrderAccepted",
            SessionId = "tenant-t1",
            PartitionKey = "tenant-t1",
            ReplyTo = "replies",
            To = "sms",
            TimeToLive = TimeSpan.FromDays(1),
            ScheduledEnqueueTime = new DateTimeOffset(2025, 5, 1, 12, 30, 0, TimeSpan.FromHours(2)),
        };
        message.ApplicationProperties["tenant"] = "t1";
        message.ApplicationProperties["attempt"] = 2;
        message.ApplicationProperties["urgent"] = true;
        message.ApplicationProperties["ratio"] = 0.5;
        message.ApplicationProperties["note"] = "say \"hi\" to Zoë";
        message.ApplicationProperties["skipped"] = null;

        await CreateSender().SendMessageAsync(message);

        SentRequest request = Assert.Single(_http.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("https://omni-test.servicebus.windows.net/send-sms/messages", request.Uri.AbsoluteUri);
        Assert.Equal(ExpectedToken, request.Header("Authorization"));
        Assert.Equal(
            "{\"MessageId\":\"m-1:route\",\"CorrelationId\":\"req-123\",\"SessionId\":\"tenant-t1\",\"Label\":\"OrderAccepted\"," +
            "\"PartitionKey\":\"tenant-t1\",\"ReplyTo\":\"replies\",\"To\":\"sms\",\"TimeToLive\":86400," +
            "\"ScheduledEnqueueTimeUtc\":\"Thu, 01 May 2025 10:30:00 GMT\"}",
            request.Header("BrokerProperties"));
        Assert.Equal("\"t1\"", request.Header("tenant"));
        Assert.Equal("2", request.Header("attempt"));
        Assert.Equal("true", request.Header("urgent"));
        Assert.Equal("0.5", request.Header("ratio"));
        Assert.Equal("\"say \\\"hi\\\" to Zo\\u00eb\"", request.Header("note"));
        Assert.Null(request.Header("skipped"));
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal("{\"orderId\":42}", request.BodyText);
    }

    [Fact]
    public async Task SendMessageAsync_NoBrokerProperties_OmitsHeaderAndSendsBytesVerbatim()
    {
        _http.Reply(201);
        byte[] payload = { 0x00, 0xFF, 0x10, 0x80 };

        await CreateSender().SendMessageAsync(new ServiceBusMessage(payload));

        SentRequest request = Assert.Single(_http.Requests);
        Assert.Null(request.Header("BrokerProperties"));
        Assert.Null(request.Header("Content-Type"));
        Assert.Equal(payload, request.Body);
    }

    [Fact]
    public async Task SendMessageAsync_EmulatorConnectionString_PostsPlainHttpToHostAndPort()
    {
        _http.Reply(201);
        ServiceBusSender sender = CreateClient(EmulatorConnectionString).CreateSender("outbound");

        await sender.SendMessageAsync(new ServiceBusMessage("hi"));

        SentRequest request = Assert.Single(_http.Requests);
        Assert.Equal("http://127.0.0.1:7071/outbound/messages", request.Uri.AbsoluteUri);
        Assert.Equal(ExpectedEmulatorToken, request.Header("Authorization"));
    }

    [Fact]
    public async Task SendMessageAsync_WithinTokenLifetime_ReusesCachedToken()
    {
        _http.Reply(201);
        ServiceBusSender sender = CreateSender();

        await sender.SendMessageAsync(new ServiceBusMessage("a"));
        _clock.Advance(TimeSpan.FromMinutes(50));
        await sender.SendMessageAsync(new ServiceBusMessage("b"));

        Assert.Equal(ExpectedToken, _http.Requests[0].Header("Authorization"));
        Assert.Equal(ExpectedToken, _http.Requests[1].Header("Authorization"));
    }

    [Fact]
    public async Task SendMessageAsync_TokenAboutToExpire_RenewsToken()
    {
        _http.Reply(201);
        ServiceBusSender sender = CreateSender();

        await sender.SendMessageAsync(new ServiceBusMessage("a"));
        _clock.Advance(TimeSpan.FromMinutes(56));
        await sender.SendMessageAsync(new ServiceBusMessage("b"));

        string renewed = _http.Requests[1].Header("Authorization")!;
        Assert.NotEqual(ExpectedToken, renewed);
        Assert.Contains("&se=1735696560&", renewed, StringComparison.Ordinal); // 00:56 + 1 h
        Assert.True(ServiceBusSharedAccessSignature.TryParse(renewed, out ServiceBusSharedAccessSignature? sas));
        Assert.True(sas.IsSignatureValid("c2VjcmV0LWtleS1mb3Itb21uaS10ZXN0cw=="));
    }

    [Fact]
    public async Task SendMessageAsync_TokenCredential_SendsBearerTokenForServiceBusScope()
    {
        _http.Reply(201);
        var credential = new StaticTokenCredential("entra-token");
        var options = new ServiceBusClientOptions { TimeProvider = _clock }.Use(_http, _delays, _clock);
        var client = new ServiceBusClient("omni-test.servicebus.windows.net", credential, options);

        await client.CreateSender("send-sms").SendMessageAsync(new ServiceBusMessage("hi"));

        SentRequest request = Assert.Single(_http.Requests);
        Assert.Equal("https://omni-test.servicebus.windows.net/send-sms/messages", request.Uri.AbsoluteUri);
        Assert.Equal("Bearer entra-token", request.Header("Authorization"));
        Assert.Equal(new[] { "https://servicebus.azure.net/.default" }, credential.Scopes.Distinct());
    }

    [Fact]
    public async Task ScheduleMessageAsync_GivenTime_SetsScheduledEnqueueTimeUtcAsRfc1123()
    {
        _http.Reply(201);
        var message = new ServiceBusMessage("later") { MessageId = "m-2:quiet-hours" };

        await CreateSender().ScheduleMessageAsync(message, new DateTimeOffset(2025, 1, 2, 7, 0, 0, 500, TimeSpan.Zero));

        Assert.Equal(
            "{\"MessageId\":\"m-2:quiet-hours\",\"ScheduledEnqueueTimeUtc\":\"Thu, 02 Jan 2025 07:00:00 GMT\"}",
            Assert.Single(_http.Requests).Header("BrokerProperties"));
        Assert.Equal(new DateTimeOffset(2025, 1, 2, 7, 0, 0, 500, TimeSpan.Zero), message.ScheduledEnqueueTime);
    }

    [Fact]
    public async Task SendMessagesAsync_ThreeMessages_SendsOneBatchRequest()
    {
        _http.Reply(201);
        var first = new ServiceBusMessage("This is the first message") { Subject = "M1", TimeToLive = TimeSpan.FromSeconds(40) };
        var second = new ServiceBusMessage("This is the second message") { Subject = "M2" };
        second.ApplicationProperties["Priority"] = "Low";
        var third = new ServiceBusMessage("This is the third message") { Subject = "M3", ContentType = "text/plain" };
        third.ApplicationProperties["Priority"] = "Medium";
        third.ApplicationProperties["Customer"] = "ABC";
        third.ApplicationProperties["Attempt"] = 3;

        await CreateSender().SendMessagesAsync(new[] { first, second, third });

        SentRequest request = Assert.Single(_http.Requests);
        Assert.Equal("https://omni-test.servicebus.windows.net/send-sms/messages", request.Uri.AbsoluteUri);
        Assert.Equal("application/vnd.microsoft.servicebus.json", request.Header("Content-Type"));
        Assert.Equal(ExpectedToken, request.Header("Authorization"));
        Assert.Null(request.Header("BrokerProperties"));
        Assert.Equal(
            "[{\"Body\":\"This is the first message\",\"BrokerProperties\":{\"Label\":\"M1\",\"TimeToLive\":40}}," +
            "{\"Body\":\"This is the second message\",\"BrokerProperties\":{\"Label\":\"M2\"},\"UserProperties\":{\"Priority\":\"Low\"}}," +
            "{\"Body\":\"This is the third message\",\"BrokerProperties\":{\"Label\":\"M3\",\"ContentType\":\"text/plain\"}," +
            "\"UserProperties\":{\"Priority\":\"Medium\",\"Customer\":\"ABC\",\"Attempt\":3}}]",
            request.BodyText);
    }

    [Fact]
    public async Task SendMessagesAsync_BinaryBody_SendsBase64AndFlagsIt()
    {
        _http.Reply(201);

        await CreateSender().SendMessagesAsync(new[] { new ServiceBusMessage(new byte[] { 0xFF, 0xFE, 0x00 }) });

        Assert.Equal("[{\"Body\":\"//4A\",\"IsBodyBase64\":true}]", Assert.Single(_http.Requests).BodyText);
    }

    [Fact]
    public async Task SendMessagesAsync_Empty_SendsNothing()
    {
        await CreateSender().SendMessagesAsync(Array.Empty<ServiceBusMessage>());

        Assert.Empty(_http.Requests);
    }

    [Fact]
    public async Task SendMessagesAsync_LargerThanLimit_ThrowsMessageSizeExceededWithoutSending()
    {
        ServiceBusSender sender = CreateSender();
        var messages = Enumerable.Range(0, 3).Select(_ => new ServiceBusMessage(new string('x', 100 * 1024)));

        ServiceBusException error = await Assert.ThrowsAsync<ServiceBusException>(() => sender.SendMessagesAsync(messages));

        Assert.Equal(ServiceBusFailureReason.MessageSizeExceeded, error.Reason);
        Assert.Equal("send-sms", error.EntityPath);
        Assert.Empty(_http.Requests);
    }

    [Fact]
    public async Task TryAddMessage_UntilFull_StopsAtLimitAndSizeMatchesSentBody()
    {
        _http.Reply(201);
        ServiceBusSender sender = CreateSender(o => o.MaxMessageSizeInBytes = 200);
        using ServiceBusMessageBatch batch = await sender.CreateMessageBatchAsync();

        int added = 0;
        while (batch.TryAddMessage(new ServiceBusMessage($"message number {added}") { MessageId = $"id-{added}" }))
        {
            added++;
        }

        await sender.SendMessagesAsync(batch);

        Assert.Equal(added, batch.Count);
        Assert.InRange(added, 2, 10);
        SentRequest request = Assert.Single(_http.Requests);
        Assert.Equal(batch.SizeInBytes, request.Body.Length);
        Assert.True(request.Body.Length <= 200);
        Assert.Equal(200, batch.MaxSizeInBytes);
    }

    [Fact]
    public async Task SendMessageAsync_503ThenCreated_RetriesWithBackOffAndFreshSignature()
    {
        _http.Reply(503, "<Error><Code>503</Code><Detail>Server busy</Detail></Error>").Reply(201);

        await CreateSender().SendMessageAsync(new ServiceBusMessage("hi") { MessageId = "m-3" });

        Assert.Equal(2, _http.Requests.Count);
        Assert.All(_http.Requests, r => Assert.StartsWith("SharedAccessSignature sr=", r.Header("Authorization")));
        Assert.Equal(_http.Requests[0].Body, _http.Requests[1].Body);
        Assert.Equal(_http.Requests[0].Header("BrokerProperties"), _http.Requests[1].Header("BrokerProperties"));
        TimeSpan delay = Assert.Single(_delays.Delays);
        Assert.InRange(delay, TimeSpan.FromSeconds(0.8 * 0.8), TimeSpan.FromSeconds(0.8 * 1.2));
    }

    [Fact]
    public async Task SendMessageAsync_400_ThrowsWithoutRetryAndCarriesErrorDetail()
    {
        _http.Reply(400, "<Error><Code>400</Code><Detail>The value for BrokerProperties is invalid.</Detail></Error>");

        RequestFailedException error = await Assert.ThrowsAsync<RequestFailedException>(
            () => CreateSender().SendMessageAsync(new ServiceBusMessage("hi")));

        Assert.Equal(400, error.Status);
        Assert.Equal("400", error.ErrorCode);
        Assert.Contains("BrokerProperties is invalid", error.Message, StringComparison.Ordinal);
        Assert.Single(_http.Requests);
        Assert.Empty(_delays.Delays);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(410)]
    [InlineData(413)]
    public async Task SendMessageAsync_PermanentFailure_ThrowsAfterOneAttempt(int status)
    {
        _http.Reply(status);

        RequestFailedException error = await Assert.ThrowsAsync<RequestFailedException>(
            () => CreateSender().SendMessageAsync(new ServiceBusMessage("hi")));

        Assert.Equal(status, error.Status);
        Assert.Single(_http.Requests);
    }

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task SendMessageAsync_TransientFailurePersists_RetriesMaxRetriesThenThrows(int status)
    {
        _http.Reply(status);

        RequestFailedException error = await Assert.ThrowsAsync<RequestFailedException>(
            () => CreateSender(o => o.Retry.MaxRetries = 2).SendMessageAsync(new ServiceBusMessage("hi")));

        Assert.Equal(status, error.Status);
        Assert.Equal(3, _http.Requests.Count);
        Assert.Equal(2, _delays.Delays.Count);
    }

    [Fact]
    public async Task SendMessageAsync_429WithRetryAfter_WaitsAtLeastWhatServerAsked()
    {
        _http.Reply(429, null, ("Retry-After", "7")).Reply(201);

        await CreateSender().SendMessageAsync(new ServiceBusMessage("hi"));

        Assert.Equal(2, _http.Requests.Count);
        Assert.Equal(TimeSpan.FromSeconds(7), Assert.Single(_delays.Delays));
    }

    [Fact]
    public async Task SendMessageAsync_RetryAfterBeyondMaxDelay_SurfacesThrottlingAtOnce()
    {
        _http.Reply(429, null, ("Retry-After", "600"));

        RequestFailedException error = await Assert.ThrowsAsync<RequestFailedException>(
            () => CreateSender().SendMessageAsync(new ServiceBusMessage("hi")));

        Assert.Equal(429, error.Status);
        Assert.Single(_http.Requests);
        Assert.Empty(_delays.Delays);
    }

    [Fact]
    public async Task SendMessageAsync_ConnectionFailureThenCreated_Retries()
    {
        _http.Fail(new HttpRequestException("connection reset", new IOException("reset"))).Reply(201);

        await CreateSender().SendMessageAsync(new ServiceBusMessage("hi"));

        Assert.Equal(2, _http.Requests.Count);
        Assert.Single(_delays.Delays);
    }

    [Fact]
    public async Task SendMessageAsync_NetworkTimeoutThenCreated_Retries()
    {
        _http.Hang().Reply(201);

        await CreateSender(o => o.Retry.NetworkTimeout = TimeSpan.FromMilliseconds(100)).SendMessageAsync(new ServiceBusMessage("hi"));

        Assert.Equal(2, _http.Requests.Count);
        Assert.Single(_delays.Delays);
    }

    [Fact]
    public async Task SendMessageAsync_CallerCancels_DoesNotRetry()
    {
        _http.Hang();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => CreateSender().SendMessageAsync(new ServiceBusMessage("hi"), cancellation.Token));

        Assert.Single(_http.Requests);
        Assert.Empty(_delays.Delays);
    }

    [Theory]
    [InlineData("Authorization")]
    [InlineData("BrokerProperties")]
    [InlineData("x-ms-retrypolicy")]
    [InlineData("has space")]
    [InlineData("")]
    public async Task SendMessageAsync_PropertyNameNotAHeader_ThrowsWithoutSending(string name)
    {
        var message = new ServiceBusMessage("hi");
        message.ApplicationProperties[name] = "v";

        await Assert.ThrowsAsync<ArgumentException>(() => CreateSender().SendMessageAsync(message));

        Assert.Empty(_http.Requests);
    }

    [Fact]
    public async Task SendMessageAsync_UnsupportedPropertyType_ThrowsWithoutSending()
    {
        var message = new ServiceBusMessage("hi");
        message.ApplicationProperties["payload"] = new { Nested = true };

        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(() => CreateSender().SendMessageAsync(message));

        Assert.Contains("payload", error.Message, StringComparison.Ordinal);
        Assert.Empty(_http.Requests);
    }

    [Fact]
    public async Task SendMessageAsync_SessionIdAndPartitionKeyDiffer_ThrowsWithoutSending()
    {
        var message = new ServiceBusMessage("hi") { SessionId = "a", PartitionKey = "b" };

        await Assert.ThrowsAsync<ArgumentException>(() => CreateSender().SendMessageAsync(message));

        Assert.Empty(_http.Requests);
    }

    [Fact]
    public void TimeToLive_NotPositive_Throws()
    {
        var message = new ServiceBusMessage("hi");

        Assert.Throws<ArgumentOutOfRangeException>(() => message.TimeToLive = TimeSpan.Zero);
    }

    [Fact]
    public async Task SendMessageAsync_TextPropertiesOfOtherTypes_AreQuotedInvariantText()
    {
        _http.Reply(201);
        var message = new ServiceBusMessage("hi");
        message.ApplicationProperties["id"] = Guid.Parse("5b8a1e3c-0c53-4a5e-9a2e-6c0e9d0f1a2b");
        message.ApplicationProperties["at"] = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
        message.ApplicationProperties["wait"] = TimeSpan.FromMinutes(90);

        await CreateSender().SendMessageAsync(message);

        SentRequest request = Assert.Single(_http.Requests);
        Assert.Equal("\"5b8a1e3c-0c53-4a5e-9a2e-6c0e9d0f1a2b\"", request.Header("id"));
        Assert.Equal("\"Thu, 02 Jan 2025 03:04:05 GMT\"", request.Header("at"));
        Assert.Equal("\"01:30:00\"", request.Header("wait"));
    }

    private ServiceBusSender CreateSender(Action<ServiceBusClientOptions>? configure = null) =>
        CreateClient(ConnectionString, configure).CreateSender("send-sms");

    private ServiceBusClient CreateClient(string connectionString, Action<ServiceBusClientOptions>? configure = null)
    {
        var options = new ServiceBusClientOptions { TimeProvider = _clock }.Use(_http, _delays, _clock);
        configure?.Invoke(options);
        return new ServiceBusClient(connectionString, options);
    }
}
