using Moq;
using System.Text.Json;
using Azure;
using Omni.Azure.Communication;
using Omni.Azure.Communication.Sms;
using Omni.Azure.Tests.Fakes;

namespace Omni.Azure.Tests.Communication;

public sealed class SmsClientTests
{
    private const string AccessKey = "c2VjcmV0LWFjY2Vzcy1rZXk=";
    private const string ConnectionString = "endpoint=https://contoso.communication.azure.com/;accesskey=" + AccessKey;

    // Response body of the official example Sms/stable/2021-03-07/examples/send.json (verbatim values).
    private const string OfficialResponse = """
        {"value":[
          {"to":"+11234567890","messageId":"Outgoing_20200610203725bfd4ba70-70bf-4f77-925d-c0bdb5161bb3","httpStatusCode":202,"successful":true},
          {"to":"+11234567891","messageId":"Outgoing_2020061020025100d1-d07e-4b19-b25d-13525d552822","httpStatusCode":202,"successful":true},
          {"to":"+112345678901","httpStatusCode":400,"errorMessage":"Invalid To phone number format.","successful":false},
          {"to":"+11234567892","messageId":"Outgoing_2020061020025100d1-d07e-4b19-b25d-13525d552822","httpStatusCode":503,"errorMessage":"ServiceUnavailable","successful":false},
          {"to":"+11234567893","messageId":"Outgoing_2020061020025100d1-d07e-4b19-b25d-13525d552822_noam","httpStatusCode":202,"repeatabilityResult":"accepted","successful":true},
          {"to":"+11234567894","messageId":"Outgoing_2020061020025100d1-d07e-4b19-b25d-13525d552822","httpStatusCode":400,"repeatabilityResult":"rejected","errorMessage":"Request sent with Invalid DateTime value for repeatability-first-sent. Expected is DateTime ,RFC1123 pattern.","successful":false}
        ]}
        """;

    private static readonly RepeatableRequest OfficialRepeatability =
        new(Guid.Parse("fda6d242-46aa-4247-8bf6-619a1206f9c3"), new DateTimeOffset(2019, 4, 1, 6, 22, 3, TimeSpan.Zero));

    private readonly FakeHttpHandler _http = new();
    private readonly FakeClock _clock = new(new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero));
    private readonly RecordedDelays _delays;

    public SmsClientTests()
    {
        _delays = new RecordedDelays(_clock);
    }

    [Fact]
    public async Task SendAsync_OneRecipient_PostsSignedRequestInSpecShape()
    {
        _http.Reply(202, """{"value":[{"to":"+11234567893","messageId":"Outgoing_1","httpStatusCode":202,"repeatabilityResult":"accepted","successful":true}]}""");
        var options = new SmsSendOptions(enableDeliveryReport: true) { Tag = "testSmsRequest", Repeatability = OfficialRepeatability };

        Response<SmsSendResult> response = await CreateClient().SendAsync("+18001110000", "+11234567893", "Hello world!", options);

        SentRequest request = Assert.Single(_http.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("https://contoso.communication.azure.com/sms?api-version=2021-03-07", request.Uri.AbsoluteUri);
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal(
            "{\"from\":\"+18001110000\",\"smsRecipients\":[{\"to\":\"+11234567893\",\"repeatabilityRequestId\":\"fda6d242-46aa-4247-8bf6-619a1206f9c3\"," +
            "\"repeatabilityFirstSent\":\"Mon, 01 Apr 2019 06:22:03 GMT\"}],\"message\":\"Hello world!\"," +
            "\"smsSendOptions\":{\"enableDeliveryReport\":true,\"tag\":\"testSmsRequest\"}}",
            request.BodyText);
        Assert.Equal("Tue, 04 Mar 2025 05:06:07 GMT", request.Header("x-ms-date"));
        Assert.Equal(CommunicationHmacSignature.ComputeContentHash(request.Body), request.Header("x-ms-content-sha256"));
        Assert.Equal(
            CommunicationHmacSignature.CreateAuthorizationHeader(AccessKey, "POST", request.Uri, "Tue, 04 Mar 2025 05:06:07 GMT", request.Header("x-ms-content-sha256")!),
            request.Header("Authorization"));

        Assert.Equal("+11234567893", response.Value.To);
        Assert.Equal("Outgoing_1", response.Value.MessageId);
        Assert.True(response.Value.Successful);
        Assert.Equal("accepted", response.Value.RepeatabilityResult);
        Assert.Equal(202, response.GetRawResponse().Status);
    }

    [Fact]
    public async Task SendAsync_OfficialResponseExample_ParsesEveryRecipient()
    {
        _http.Reply(202, OfficialResponse);
        string[] to = { "+11234567890", "+11234567891", "+112345678901", "+11234567892", "+11234567893", "+11234567894" };

        Response<IReadOnlyList<SmsSendResult>> response = await CreateClient().SendAsync("+18001110000", to, "Hello world!");

        IReadOnlyList<SmsSendResult> results = response.Value;
        Assert.Equal(to, results.Select(r => r.To));
        Assert.Equal(new[] { 202, 202, 400, 503, 202, 400 }, results.Select(r => r.HttpStatusCode));
        Assert.Equal(new[] { true, true, false, false, true, false }, results.Select(r => r.Successful));
        Assert.Equal("Outgoing_20200610203725bfd4ba70-70bf-4f77-925d-c0bdb5161bb3", results[0].MessageId);
        Assert.Null(results[2].MessageId);
        Assert.Equal("Invalid To phone number format.", results[2].ErrorMessage);
        Assert.Equal("ServiceUnavailable", results[3].ErrorMessage);
        Assert.Equal("rejected", results[5].RepeatabilityResult);
    }

    [Fact]
    public async Task SendAsync_NoOptions_OmitsSendOptionsButStillSendsRepeatability()
    {
        _http.Reply(202, """{"value":[{"to":"+1","httpStatusCode":202,"successful":true}]}""");

        await CreateClient().SendAsync("+18001110000", "+1", "hi");

        using JsonDocument body = JsonDocument.Parse(Assert.Single(_http.Requests).Body);
        Assert.False(body.RootElement.TryGetProperty("smsSendOptions", out _));
        JsonElement recipient = body.RootElement.GetProperty("smsRecipients")[0];
        Assert.True(Guid.TryParse(recipient.GetProperty("repeatabilityRequestId").GetString(), out _));
        Assert.Equal("Tue, 04 Mar 2025 05:06:07 GMT", recipient.GetProperty("repeatabilityFirstSent").GetString());
    }

    [Fact]
    public async Task SendAsync_RetriedAfter503_KeepsTheSameRepeatabilityFields()
    {
        _http.Reply(503).Reply(202, """{"value":[{"to":"+1","httpStatusCode":202,"successful":true}]}""");

        await CreateClient(o => o.Retry.Delay = TimeSpan.FromSeconds(2)).SendAsync("+18001110000", "+1", "hi");

        Assert.Equal(2, _http.Requests.Count);
        Assert.Equal(_http.Requests[0].BodyText, _http.Requests[1].BodyText);
        Assert.NotEqual(_http.Requests[0].Header("x-ms-date"), _http.Requests[1].Header("x-ms-date"));
    }

    [Fact]
    public async Task SendAsync_SeveralRecipients_GivesEachAStableDistinctRequestId()
    {
        _http.Reply(202, """{"value":[]}""");
        var options = new SmsSendOptions { Repeatability = OfficialRepeatability };
        string[] to = { "+11234567890", "+11234567891" };

        await CreateClient().SendAsync("+18001110000", to, "hi", options);
        await CreateClient().SendAsync("+18001110000", to.Reverse(), "hi", options);

        Dictionary<string, string> first = RequestIds(_http.Requests[0]);
        Dictionary<string, string> second = RequestIds(_http.Requests[1]);
        Assert.Equal(2, first.Values.Distinct().Count());
        Assert.DoesNotContain(OfficialRepeatability.RequestId.ToString("D"), first.Values);
        Assert.Equal(first["+11234567890"], second["+11234567890"]);
        Assert.Equal(first["+11234567891"], second["+11234567891"]);
    }

    [Fact]
    public async Task SendAsync_WholeRequestRejected_ThrowsWithAcsErrorCode()
    {
        _http.Reply(401, """{"error":{"code":"Denied","message":"Authentication failed."}}""");

        RequestFailedException error = await Assert.ThrowsAsync<RequestFailedException>(
            () => CreateClient().SendAsync("+18001110000", "+1", "hi"));

        Assert.Equal(401, error.Status);
        Assert.Equal("Denied", error.ErrorCode);
        Assert.Contains("Authentication failed.", error.Message, StringComparison.Ordinal);
        Assert.Single(_http.Requests);
    }

    [Fact]
    public async Task SendAsync_429WithRetryAfterSeconds_WaitsTheRequestedDelay()
    {
        _http.Reply(429, """{"error":{"code":"TooManyRequests","message":"Retry later"}}""", ("Retry-After", "12"))
             .Reply(202, """{"value":[{"to":"+1","httpStatusCode":202,"successful":true}]}""");

        Response<SmsSendResult> response = await CreateClient().SendAsync("+18001110000", "+1", "hi");

        Assert.True(response.Value.Successful);
        Assert.Equal(TimeSpan.FromSeconds(12), Assert.Single(_delays.Delays));
    }

    [Fact]
    public async Task SendAsync_429WithRetryAfterDate_WaitsUntilThatTime()
    {
        string retryAt = _clock.Now.AddSeconds(30).ToString("r", System.Globalization.CultureInfo.InvariantCulture);
        _http.Reply(429, null, ("Retry-After", retryAt))
             .Reply(202, """{"value":[{"to":"+1","httpStatusCode":202,"successful":true}]}""");

        await CreateClient().SendAsync("+18001110000", "+1", "hi");

        Assert.Equal(TimeSpan.FromSeconds(30), Assert.Single(_delays.Delays));
    }

    [Fact]
    public async Task SendAsync_429WithRetryAfterMs_PrefersMilliseconds()
    {
        _http.Reply(429, null, ("retry-after-ms", "1500"), ("Retry-After", "2"))
             .Reply(202, """{"value":[{"to":"+1","httpStatusCode":202,"successful":true}]}""");

        await CreateClient(o => o.Retry.Delay = TimeSpan.FromMilliseconds(10)).SendAsync("+18001110000", "+1", "hi");

        Assert.Equal(TimeSpan.FromMilliseconds(1500), Assert.Single(_delays.Delays));
    }

    [Fact]
    public async Task SendAsync_TokenCredential_RequestsCommunicationScopeWithDoubleSlash()
    {
        _http.Reply(202, """{"value":[{"to":"+1","httpStatusCode":202,"successful":true}]}""");
        var credential = new StaticTokenCredential("entra-token");
        var options = new SmsClientOptions { TimeProvider = _clock }.Use(_http, _delays, _clock);
        var client = new SmsClient(new Uri("https://contoso.communication.azure.com"), credential, options);

        await client.SendAsync("+18001110000", "+1", "hi");

        SentRequest request = Assert.Single(_http.Requests);
        Assert.Equal("Bearer entra-token", request.Header("Authorization"));
        Assert.Null(request.Header("x-ms-content-sha256"));
        Assert.Equal(new[] { "https://communication.azure.com//.default" }, credential.Scopes.Distinct());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public async Task SendAsync_RecipientCountOutOfRange_ThrowsWithoutSending(int count)
    {
        string[] to = Enumerable.Range(0, count).Select(i => $"+1555000{i:D4}").ToArray();

        await Assert.ThrowsAsync<ArgumentException>(() => CreateClient().SendAsync("+18001110000", to, "hi"));

        Assert.Empty(_http.Requests);
    }

    [Theory]
    [InlineData("endpoint=https://contoso.communication.azure.com/")]
    [InlineData("accesskey=" + AccessKey)]
    [InlineData("endpoint=not a uri;accesskey=" + AccessKey)]
    public void Constructor_IncompleteConnectionString_ThrowsFormatException(string connectionString)
    {
        Assert.Throws<FormatException>(() => new SmsClient(connectionString));
    }

    [Fact]
    public async Task SendAsync_Mocked_ReturnsCannedResult()
    {
        var client = new Mock<SmsClient>();
        var canned = new SmsSendResult("+1", "Outgoing_1", 202, successful: true);
        client.Setup(c => c.SendAsync("+2", "+1", "hi", null, default))
              .ReturnsAsync(Response.FromValue(canned, new Mock<Response>().Object));

        Response<SmsSendResult> response = await client.Object.SendAsync("+2", "+1", "hi");

        Assert.Same(canned, response.Value);
    }

    private static Dictionary<string, string> RequestIds(SentRequest request)
    {
        using JsonDocument body = JsonDocument.Parse(request.Body);
        return body.RootElement.GetProperty("smsRecipients").EnumerateArray().ToDictionary(
            r => r.GetProperty("to").GetString()!, r => r.GetProperty("repeatabilityRequestId").GetString()!);
    }

    private SmsClient CreateClient(Action<SmsClientOptions>? configure = null)
    {
        var options = new SmsClientOptions { TimeProvider = _clock }.Use(_http, _delays, _clock);
        configure?.Invoke(options);
        return new SmsClient(ConnectionString, options);
    }
}
