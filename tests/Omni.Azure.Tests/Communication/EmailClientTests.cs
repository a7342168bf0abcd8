using Azure;
using Omni.Azure.Communication.Email;
using Omni.Azure.Tests.Fakes;

namespace Omni.Azure.Tests.Communication;

public sealed class EmailClientTests
{
    private const string Endpoint = "https://contoso.westus.communications.azure.com";
    private const string ConnectionString = "endpoint=" + Endpoint + ";accesskey=c2VjcmV0LWFjY2Vzcy1rZXk=";
    private const string OperationId = "8540c0de-899f-5cce-acb5-3ec493af3800";

    // The emailMessage of the official example Email/stable/2025-09-01 (EmailSend), without its attachments,
    // which this client does not support.
    private const string OfficialRequestBody = """
        {
          "headers": { "ClientCorrelationId": "123", "ClientCustomHeaderName": "ClientCustomHeaderValue" },
          "senderAddress": "abc@domain.com",
          "content": {
            "subject": "An exciting offer especially for you!",
            "plainText": "This exciting offer was created especially for you, our most loyal customer.",
            "html": "<html><head><title>Exciting offer!</title></head><body><h1>This exciting offer was created especially for you, our most loyal customer.</h1></body></html>"
          },
          "recipients": {
            "to": [ { "address": "john.doe@domain.com", "displayName": "John Doe" }, { "address": "jane.doe@domain2.com", "displayName": "Jane Doe" } ],
            "cc": [ { "address": "wendy@someotherdomain.com", "displayName": "Wendy" }, { "address": "jimmy@anotherdomain.com", "displayName": "Jimmy Johns" } ],
            "bcc": [ { "address": "bob@anotherdomain.com", "displayName": "Bob" }, { "address": "mail@yetanotherdomain.com", "displayName": "Another DisplayName" } ]
          },
          "replyTo": [ { "address": "contoso-support@contoso.com", "displayName": "Contoso Support" } ],
          "userEngagementTrackingDisabled": true
        }
        """;

    private readonly FakeHttpHandler _http = new();
    private readonly FakeClock _clock = new(new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero));
    private readonly RecordedDelays _delays;

    public EmailClientTests()
    {
        _delays = new RecordedDelays(_clock);
    }

    [Fact]
    public async Task SendAsync_OfficialExample_SendsEquivalentRequestAndReadsOperation()
    {
        _http.Reply(202, $$"""{"id":"{{OperationId}}","status":"Running"}""",
            ("Operation-Location", Endpoint + "//emails/operations/" + OperationId + "?api-version=2025-09-01"),
            ("retry-after", "20"));

        EmailSendOperation operation = await CreateClient().SendAsync(OfficialMessage(), Guid.Parse(OperationId));

        SentRequest request = Assert.Single(_http.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(Endpoint + "/emails:send?api-version=2025-09-01", request.Uri.AbsoluteUri);
        Assert.Equal(OperationId, request.Header("Operation-Id"));
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.StartsWith("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=", request.Header("Authorization"));
        FakePipeline.JsonEqual(OfficialRequestBody, request.BodyText);

        Assert.Equal(OperationId, operation.Id);
        Assert.Equal(EmailSendStatus.Running, operation.Status);
        Assert.False(operation.HasCompleted);
        Assert.Equal(TimeSpan.FromSeconds(20), operation.RetryAfter);
        Assert.Equal(Endpoint + "//emails/operations/" + OperationId + "?api-version=2025-09-01", operation.OperationLocation!.OriginalString);
        Assert.Equal(202, operation.GetRawResponse()!.Status);
    }

    [Fact]
    public async Task SendAsync_MinimalMessageOnFirstGaVersion_OmitsOptionalFields()
    {
        _http.Reply(202, """{"id":"x","status":"NotStarted"}""");
        var message = new EmailMessage("DoNotReply@contoso.com", "jane@example.com", new EmailContent("Hi") { PlainText = "Hello" });
        message.Headers["List-Unsubscribe"] = "<https://omni.example/u/123>";
        message.Headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";

        await CreateClient(version: EmailClientOptions.ServiceVersion.V2023_03_31).SendAsync(message, Guid.Parse(OperationId));

        SentRequest request = Assert.Single(_http.Requests);
        Assert.Equal(Endpoint + "/emails:send?api-version=2023-03-31", request.Uri.AbsoluteUri);
        Assert.Equal(
            "{\"senderAddress\":\"DoNotReply@contoso.com\",\"content\":{\"subject\":\"Hi\",\"plainText\":\"Hello\"}," +
            "\"recipients\":{\"to\":[{\"address\":\"jane@example.com\"}]}," +
            "\"headers\":{\"List-Unsubscribe\":\"<https://omni.example/u/123>\",\"List-Unsubscribe-Post\":\"List-Unsubscribe=One-Click\"}," +
            "\"userEngagementTrackingDisabled\":false}",
            request.BodyText);
    }

    [Fact]
    public async Task SendAsync_NoOperationId_GeneratesOneAndKeepsItAcrossRetries()
    {
        _http.Reply(503).Reply(202, """{"status":"Running"}""");

        EmailSendOperation operation = await CreateClient().SendAsync(OfficialMessage());

        Assert.Equal(2, _http.Requests.Count);
        string? sent = _http.Requests[0].Header("Operation-Id");
        Assert.True(Guid.TryParse(sent, out _));
        Assert.Equal(sent, _http.Requests[1].Header("Operation-Id"));
        Assert.Equal(sent, operation.Id);
    }

    [Fact]
    public async Task SendAsync_NoToRecipient_ThrowsWithoutSending()
    {
        var message = new EmailMessage("a@contoso.com", new EmailRecipients(cc: new[] { new EmailAddress("b@example.com") }), new EmailContent("s"));

        await Assert.ThrowsAsync<ArgumentException>(() => CreateClient().SendAsync(message));

        Assert.Empty(_http.Requests);
    }

    [Fact]
    public async Task SendAsync_BadRequest_ThrowsWithErrorCodeFromHeaderAndBody()
    {
        _http.Reply(400, """{"error":{"code":"InvalidSenderUserName","message":"Sender user name is invalid."}}""",
            ("x-ms-error-code", "InvalidSenderUserName"));

        RequestFailedException error = await Assert.ThrowsAsync<RequestFailedException>(
            () => CreateClient().SendAsync(OfficialMessage(), Guid.Parse(OperationId)));

        Assert.Equal(400, error.Status);
        Assert.Equal("InvalidSenderUserName", error.ErrorCode);
        Assert.Single(_http.Requests);
    }

    [Fact]
    public async Task SendAsync_Throttled_HonoursRetryAfter()
    {
        _http.Reply(429, """{"error":{"code":"TooManyRequests","message":"Rate limit"}}""", ("Retry-After", "45"))
             .Reply(202, """{"id":"x","status":"Running"}""");

        await CreateClient().SendAsync(OfficialMessage(), Guid.Parse(OperationId));

        Assert.Equal(TimeSpan.FromSeconds(45), Assert.Single(_delays.Delays));
    }

    [Theory]
    [InlineData("""{"id":"F9168C5E-CEB2-4faa-B6BF-329BF39FA1E4","status":"Running"}""", "Running", false)]
    [InlineData("""{"id":"F9168C5E-CEB2-4faa-B6BF-329BF39FA1E4","status":"Succeeded"}""", "Succeeded", true)]
    [InlineData("""{"id":"F9168C5E-CEB2-4faa-B6BF-329BF39FA1E4","status":"Canceled"}""", "Canceled", true)]
    public async Task GetSendStatusAsync_OfficialExamples_ParsesStatus(string body, string status, bool terminal)
    {
        _http.Reply(200, body, ("retry-after", "100"));

        Response<EmailSendResult> response = await CreateClient().GetSendStatusAsync("F9168C5E-CEB2-4faa-B6BF-329BF39FA1E4");

        SentRequest request = Assert.Single(_http.Requests);
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal(Endpoint + "/emails/operations/F9168C5E-CEB2-4faa-B6BF-329BF39FA1E4?api-version=2025-09-01", request.Uri.AbsoluteUri);
        Assert.Equal("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", request.Header("x-ms-content-sha256"));
        Assert.Equal("F9168C5E-CEB2-4faa-B6BF-329BF39FA1E4", response.Value.Id);
        Assert.Equal(new EmailSendStatus(status), response.Value.Status);
        Assert.Equal(terminal, response.Value.Status.IsTerminal);
        Assert.Null(response.Value.Error);
    }

    [Fact]
    public async Task GetSendStatusAsync_OfficialFailedExample_ExposesError()
    {
        _http.Reply(200, """{"id":"F9168C5E-CEB2-4faa-B6BF-329BF39FA1E4","status":"Failed","error":{"code":"EmailDropped","message":"Email was dropped after several attempts to deliver."}}""");

        Response<EmailSendResult> response = await CreateClient().GetSendStatusAsync("F9168C5E-CEB2-4faa-B6BF-329BF39FA1E4");

        Assert.Equal(EmailSendStatus.Failed, response.Value.Status);
        Assert.Equal("EmailDropped", response.Value.Error!.Code);
        Assert.Equal("Email was dropped after several attempts to deliver.", response.Value.Error.Message);
    }

    [Fact]
    public async Task GetSendStatusAsync_UnknownOperation_ThrowsNotFound()
    {
        _http.Reply(404, """{"error":{"code":"NotFound","message":"Operation not found."}}""");

        RequestFailedException error = await Assert.ThrowsAsync<RequestFailedException>(
            () => CreateClient().GetSendStatusAsync("missing"));

        Assert.Equal(404, error.Status);
        Assert.Equal("NotFound", error.ErrorCode);
    }

    [Fact]
    public async Task UpdateStatusAsync_ReattachedOperation_PollsAndUpdates()
    {
        _http.Reply(200, $$"""{"id":"{{OperationId}}","status":"Succeeded"}""");
        var operation = new EmailSendOperation(OperationId, CreateClient());
        Assert.Null(operation.Value);
        Assert.Null(operation.GetRawResponse());

        await operation.UpdateStatusAsync();

        Assert.Equal(Endpoint + "/emails/operations/" + OperationId + "?api-version=2025-09-01", Assert.Single(_http.Requests).Uri.AbsoluteUri);
        Assert.Equal(EmailSendStatus.Succeeded, operation.Status);
        Assert.True(operation.HasCompleted);
        Assert.Equal(200, operation.GetRawResponse()!.Status);
    }

    [Fact]
    public void EmailSendStatus_DifferentCase_IsEqual()
    {
        Assert.Equal(EmailSendStatus.Succeeded, new EmailSendStatus("succeeded"));
        Assert.NotEqual(EmailSendStatus.Succeeded, EmailSendStatus.Failed);
        Assert.Equal(EmailSendStatus.Running.GetHashCode(), new EmailSendStatus("RUNNING").GetHashCode());
    }

    private static EmailMessage OfficialMessage()
    {
        var recipients = new EmailRecipients(
            new[] { new EmailAddress("john.doe@domain.com", "John Doe"), new EmailAddress("jane.doe@domain2.com", "Jane Doe") },
            new[] { new EmailAddress("wendy@someotherdomain.com", "Wendy"), new EmailAddress("jimmy@anotherdomain.com", "Jimmy Johns") },
            new[] { new EmailAddress("bob@anotherdomain.com", "Bob"), new EmailAddress("mail@yetanotherdomain.com", "Another DisplayName") });
        var content = new EmailContent("An exciting offer especially for you!")
        {
            PlainText = "This exciting offer was created especially for you, our most loyal customer.",
            Html = "<html><head><title>Exciting offer!</title></head><body><h1>This exciting offer was created especially for you, our most loyal customer.</h1></body></html>",
        };
        var message = new EmailMessage("abc@domain.com", recipients, content) { UserEngagementTrackingDisabled = true };
        message.ReplyTo.Add(new EmailAddress("contoso-support@contoso.com", "Contoso Support"));
        message.Headers["ClientCorrelationId"] = "123";
        message.Headers["ClientCustomHeaderName"] = "ClientCustomHeaderValue";
        return message;
    }

    private EmailClient CreateClient(EmailClientOptions.ServiceVersion version = EmailClientOptions.ServiceVersion.V2025_09_01)
    {
        var options = new EmailClientOptions(version) { TimeProvider = _clock }.Use(_http, _delays, _clock);
        return new EmailClient(ConnectionString, options);
    }
}
