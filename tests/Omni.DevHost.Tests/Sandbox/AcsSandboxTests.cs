using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Messaging.EventGrid;
using Omni.Azure.Communication;
using Omni.Azure.Communication.Email;
using Omni.Azure.Communication.Messages;
using Omni.Azure.Communication.Sms;
using Omni.DevHost.Sandbox;

namespace Omni.DevHost.Tests.Sandbox;

/// <summary>The ACS sandbox driven by Omni's real ACS clients (HMAC-signed, endpoint with a path prefix over http).</summary>
public sealed class AcsSandboxTests : IAsyncLifetime
{
    private const string From = "+18005550100";
    private const string To = "+14255550123";
    private static readonly Guid Channel = Guid.Parse(SandboxEnvironment.AcsWhatsAppChannelRegistrationId);

    private readonly SandboxFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();

    public Task DisposeAsync() => _f.DisposeAsync();

    private SmsClient Sms(int maxRetries = 0) => new(_f.AcsConnection, new SmsClientOptions { Retry = { MaxRetries = maxRetries, Delay = TimeSpan.FromMilliseconds(10) } });

    [Fact]
    public async Task Sms_SignedByOurClient_IsAcceptedAndRecordedOnce()
    {
        Response<SmsSendResult> sent = await Sms().SendAsync(From, To, "Your code is 123456");

        Assert.Equal(202, sent.GetRawResponse().Status);
        Assert.True(sent.Value.Successful);
        Assert.Equal(202, sent.Value.HttpStatusCode);
        Assert.StartsWith("Outgoing_", sent.Value.MessageId);
        Assert.Equal("accepted", sent.Value.RepeatabilityResult);
        var call = Assert.Single(_f.Sandbox.Calls.List());
        Assert.Equal(("acs", "sms", To, From, "Your code is 123456"), (call.Provider, call.Channel, call.Recipient, call.From, call.Text));
        Assert.True(call.AuthOk);
        Assert.Equal(202, call.ResponseStatus);
        Assert.Equal(sent.Value.MessageId, call.ProviderMessageId);
        Assert.NotNull(call.IdempotencyId);
    }

    [Fact]
    public async Task Sms_SameRepeatabilityIdAgain_ReturnsTheOriginalResultWithoutANewCall()
    {
        var repeat = new RepeatableRequest(Guid.NewGuid(), DateTimeOffset.UtcNow);
        var first = await Sms().SendAsync(From, To, "hello", new SmsSendOptions { Repeatability = repeat });
        var second = await Sms().SendAsync(From, To, "hello", new SmsSendOptions { Repeatability = repeat });

        Assert.Equal(first.Value.MessageId, second.Value.MessageId);
        Assert.Equal("accepted", second.Value.RepeatabilityResult);
        var call = Assert.Single(_f.Sandbox.Calls.List());
        Assert.Equal(1, call.Replays);
        Assert.Equal(repeat.RequestId.ToString("D"), call.IdempotencyId);
    }

    [Fact]
    public async Task Sms_StaleRepeatabilityFirstSent_IsRejectedPerRecipient()
    {
        var stale = new RepeatableRequest(Guid.NewGuid(), DateTimeOffset.UtcNow.AddHours(-1));

        var sent = await Sms().SendAsync(From, To, "hello", new SmsSendOptions { Repeatability = stale });

        Assert.False(sent.Value.Successful);
        Assert.Equal(400, sent.Value.HttpStatusCode);
        Assert.Equal("rejected", sent.Value.RepeatabilityResult);
    }

    [Fact]
    public async Task Sms_WrongAccessKey_Is401InAcsErrorFormat()
    {
        var wrongKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("not the sandbox key"));
        var client = new SmsClient($"endpoint={_f.SandboxBase}_sandbox/acs/;accesskey={wrongKey}", new SmsClientOptions { Retry = { MaxRetries = 0 } });

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.SendAsync(From, To, "hello"));

        Assert.Equal(401, error.Status);
        Assert.Equal("Denied", error.ErrorCode);
        var call = Assert.Single(_f.Sandbox.Calls.List());
        Assert.False(call.AuthOk);
        Assert.Equal(401, call.ResponseStatus);
        Assert.Equal(To, call.Recipient);
    }

    [Fact]
    public async Task Sms_BodyChangedAfterSigning_Is401()
    {
        var uri = new Uri(_f.SandboxBase, "_sandbox/acs/sms?api-version=2021-03-07");
        var signedBody = """{"from":"+18005550100","smsRecipients":[{"to":"+14255550123"}],"message":"a"}""";
        var sentBody = """{"from":"+18005550100","smsRecipients":[{"to":"+14255550123"}],"message":"b"}""";
        var date = DateTimeOffset.UtcNow.ToString("r");
        var hash = CommunicationHmacSignature.ComputeContentHash(Encoding.UTF8.GetBytes(signedBody));
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(sentBody, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("x-ms-date", date);
        request.Headers.TryAddWithoutValidation("x-ms-content-sha256", hash);
        request.Headers.TryAddWithoutValidation("Authorization",
            CommunicationHmacSignature.CreateAuthorizationHeader(SandboxEnvironment.AcsAccessKey, "POST", uri, date, hash));

        using var response = await _f.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Denied", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("x-ms-content-sha256", Assert.Single(_f.Sandbox.Calls.List()).AuthError);
    }

    [Fact]
    public async Task Sms_OldDate_Is401()
    {
        var uri = new Uri(_f.SandboxBase, "_sandbox/acs/sms?api-version=2021-03-07");
        var body = Encoding.UTF8.GetBytes("""{"from":"+18005550100","smsRecipients":[{"to":"+14255550123"}],"message":"a"}""");
        var date = DateTimeOffset.UtcNow.AddMinutes(-20).ToString("r");
        var hash = CommunicationHmacSignature.ComputeContentHash(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        request.Headers.TryAddWithoutValidation("x-ms-date", date);
        request.Headers.TryAddWithoutValidation("x-ms-content-sha256", hash);
        request.Headers.TryAddWithoutValidation("Authorization",
            CommunicationHmacSignature.CreateAuthorizationHeader(SandboxEnvironment.AcsAccessKey, "POST", uri, date, hash));

        using var response = await _f.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("x-ms-date", Assert.Single(_f.Sandbox.Calls.List()).AuthError);
    }

    [Fact]
    public async Task Sms_MalformedBody_Is400NotA500()
    {
        var uri = new Uri(_f.SandboxBase, "_sandbox/acs/sms?api-version=2021-03-07");
        var body = Encoding.UTF8.GetBytes("""{"from":"+18005550100","smsRecipients":[]}""");
        var date = DateTimeOffset.UtcNow.ToString("r");
        var hash = CommunicationHmacSignature.ComputeContentHash(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        request.Headers.TryAddWithoutValidation("x-ms-date", date);
        request.Headers.TryAddWithoutValidation("x-ms-content-sha256", hash);
        request.Headers.TryAddWithoutValidation("Authorization",
            CommunicationHmacSignature.CreateAuthorizationHeader(SandboxEnvironment.AcsAccessKey, "POST", uri, date, hash));

        using var response = await _f.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("BadRequest", response.Headers.GetValues("x-ms-error-code").Single());
    }

    [Fact]
    public async Task Sms_TransientRule_Is503AndRetriedByTheClient()
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Provider = "acs", Channel = "sms", To = To, Response = SandboxResponse.Transient }]);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => Sms(maxRetries: 2).SendAsync(From, To, "hello"));

        Assert.Equal(503, error.Status);
        var calls = _f.Sandbox.Calls.List();
        Assert.Equal(3, calls.Count);
        Assert.All(calls, c => Assert.Equal((503, (int?)0), (c.ResponseStatus, c.Rule)));
    }

    [Theory]
    [InlineData(null, "Unreachable destination handset.")]
    [InlineData(SandboxPermanentReason.Unreachable, "Unreachable destination handset.")]
    [InlineData(SandboxPermanentReason.Unsubscribed, "Sender blocked for given recipient.")]
    [InlineData(SandboxPermanentReason.Invalid, "Invalid To phone number format.")]
    public async Task Sms_PermanentRule_IsAPerRecipient400InsideThe202WithTheReasonsWording(SandboxPermanentReason? reason, string errorMessage)
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { To = To, Response = SandboxResponse.Permanent, Permanent = reason }]);

        var results = await Sms().SendAsync(From, new[] { To, "+14255550124" }, "hello");

        Assert.Equal(202, results.GetRawResponse().Status);
        Assert.Equal((400, false), (results.Value[0].HttpStatusCode, results.Value[0].Successful));
        Assert.Equal(errorMessage, results.Value[0].ErrorMessage);
        Assert.Equal((202, true), (results.Value[1].HttpStatusCode, results.Value[1].Successful));
    }

    [Fact]
    public async Task Sms_LatencyRule_DelaysTheAnswer()
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Channel = "sms", LatencyMs = 400 }]);

        var watch = Stopwatch.StartNew();
        await Sms().SendAsync(From, To, "hello");

        Assert.True(watch.ElapsedMilliseconds >= 380, $"answered after {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Sms_FailureRateWithSeed_FailsExactlyTheDrawsBelowTheRate()
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { FailureRate = 0.5, Seed = 42 }]);
        var model = new Random(42);
        var expected = Enumerable.Range(0, 12).Select(_ => model.NextDouble() < 0.5).ToList();

        var actual = new List<bool>();
        for (var i = 0; i < 12; i++)
        {
            try
            {
                await Sms().SendAsync(From, To, $"message {i}");
                actual.Add(false);
            }
            catch (RequestFailedException e) when (e.Status == 503)
            {
                actual.Add(true);
            }
        }

        Assert.Equal(expected, actual);
        Assert.Contains(true, actual);
        Assert.Contains(false, actual);
    }

    [Fact]
    public async Task Sms_DeliveryReport_IsAnEventGridEventPostedWithTheSecret()
    {
        var sent = await Sms().SendAsync(From, To, "hello", new SmsSendOptions(enableDeliveryReport: true) { Tag = "omni-message-1" });

        var post = Assert.Single(await _f.WaitForReceivedAsync(1));
        Assert.Equal("POST", post.Method);
        Assert.Equal("/api/webhooks/acs", post.PathAndQuery);
        Assert.Equal(SandboxFixture.EventsSecret, post.Header("X-Omni-Secret"));
        Assert.Equal("Notification", post.Header("aeg-event-type"));
        var @event = Assert.Single(EventGridEvent.ParseMany(BinaryData.FromBytes(post.Body)));
        Assert.Equal("Microsoft.Communication.SMSDeliveryReportReceived", @event.EventType);
        using var data = JsonDocument.Parse(@event.Data.ToString());
        Assert.Equal(sent.Value.MessageId, data.RootElement.GetProperty("messageId").GetString());
        Assert.Equal("Delivered", data.RootElement.GetProperty("deliveryStatus").GetString());
        Assert.Equal(To, data.RootElement.GetProperty("to").GetString());
        Assert.Equal("omni-message-1", data.RootElement.GetProperty("tag").GetString());
        await _f.Sandbox.WhenReportsIdleAsync(TimeSpan.FromSeconds(5));
        Assert.True(Assert.Single(_f.Sandbox.Calls.List()).ReportPosted);
    }

    [Fact]
    public async Task Sms_ReportFailedRule_PostsAFailedDeliveryStatus()
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Report = SandboxReport.Failed, ReportDelayMs = 0 }]);

        await Sms().SendAsync(From, To, "hello", new SmsSendOptions(enableDeliveryReport: true));

        var @event = Assert.Single(EventGridEvent.ParseMany(BinaryData.FromBytes(Assert.Single(await _f.WaitForReceivedAsync(1)).Body)));
        using var data = JsonDocument.Parse(@event.Data.ToString());
        Assert.Equal("Failed", data.RootElement.GetProperty("deliveryStatus").GetString());
    }

    [Fact]
    public async Task Sms_DeliveryReportsOff_PostsNothing()
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { ReportDelayMs = 0 }]);

        await Sms().SendAsync(From, To, "hello", new SmsSendOptions(enableDeliveryReport: false));
        await Task.Delay(300);

        Assert.Empty(_f.Received);
        Assert.Contains("enableDeliveryReport", Assert.Single(_f.Sandbox.Calls.List()).ReportNote);
    }

    [Fact]
    public async Task Report_ReceiverAnswers500_IsRetriedUntilAccepted()
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { ReportDelayMs = 0 }]);
        _f.ReceiverStatuses.Enqueue(500);
        _f.ReceiverStatuses.Enqueue(500);

        await Sms().SendAsync(From, To, "hello", new SmsSendOptions(enableDeliveryReport: true));

        var posts = await _f.WaitForReceivedAsync(3);
        await _f.Sandbox.WhenReportsIdleAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(3, posts.Count);
        Assert.Equal(["0", "1", "2"], posts.Select(p => p.Header("aeg-delivery-count")));
        var ids = posts.Select(p => EventGridEvent.ParseMany(BinaryData.FromBytes(p.Body)).Single().Id).Distinct();
        Assert.Single(ids);
        var call = Assert.Single(_f.Sandbox.Calls.List());
        Assert.True(call.ReportPosted);
        Assert.Equal(3, call.ReportAttempts);
    }

    [Fact]
    public async Task Report_ReceiverAlwaysFails_IsGivenUpAfterTheRetries()
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { ReportDelayMs = 0 }]);
        for (var i = 0; i < 10; i++)
        {
            _f.ReceiverStatuses.Enqueue(503);
        }

        await Sms().SendAsync(From, To, "hello", new SmsSendOptions(enableDeliveryReport: true));

        await _f.WaitForReceivedAsync(4);
        await _f.Sandbox.WhenReportsIdleAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(200);
        Assert.Equal(4, _f.Received.Count);
        var call = Assert.Single(_f.Sandbox.Calls.List());
        Assert.False(call.ReportPosted);
        Assert.Contains("Given up", call.ReportNote);
    }

    [Fact]
    public async Task Email_SendPollAndReport_FollowTheAcsShapes()
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { ReportDelayMs = 300 }]);
        var client = new EmailClient(_f.AcsConnection);
        var operationId = Guid.NewGuid();
        var message = new EmailMessage(SandboxEnvironment.AcsEmailSender, "jane@example.com", new EmailContent("Hello") { PlainText = "Hi Jane" });

        var operation = await client.SendAsync(message, operationId);

        Assert.Equal(operationId.ToString("D"), operation.Id);
        Assert.Equal(EmailSendStatus.Running, operation.Status);
        Assert.Equal(_f.SandboxBase.Authority, operation.OperationLocation!.Authority);
        Assert.Equal(TimeSpan.FromSeconds(1), operation.RetryAfter);
        var @event = Assert.Single(EventGridEvent.ParseMany(BinaryData.FromBytes(Assert.Single(await _f.WaitForReceivedAsync(1)).Body)));
        Assert.Equal("Microsoft.Communication.EmailDeliveryReportReceived", @event.EventType);
        using var data = JsonDocument.Parse(@event.Data.ToString());
        Assert.Equal((operation.Id, "jane@example.com", "Delivered"),
            (data.RootElement.GetProperty("messageId").GetString(), data.RootElement.GetProperty("recipient").GetString(), data.RootElement.GetProperty("status").GetString()));
        await operation.UpdateStatusAsync();
        Assert.Equal(EmailSendStatus.Succeeded, operation.Status);
        var call = Assert.Single(_f.Sandbox.Calls.List());
        Assert.Equal(("email", "Hello", "Hi Jane", operation.Id), (call.Channel, call.Subject, call.Text, call.IdempotencyId));
    }

    [Fact]
    public async Task Email_SameOperationIdAgain_ReplaysWithoutANewCall()
    {
        var client = new EmailClient(_f.AcsConnection);
        var operationId = Guid.NewGuid();
        var message = new EmailMessage(SandboxEnvironment.AcsEmailSender, "jane@example.com", new EmailContent("Hello") { PlainText = "Hi" });

        await client.SendAsync(message, operationId);
        var again = await client.SendAsync(message, operationId);

        Assert.Equal(operationId.ToString("D"), again.Id);
        Assert.Equal(1, Assert.Single(_f.Sandbox.Calls.List()).Replays);
    }

    [Fact]
    public async Task Email_UnknownOperation_Is404()
    {
        var client = new EmailClient(_f.AcsConnection);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.GetSendStatusAsync(Guid.NewGuid().ToString()));

        Assert.Equal(404, error.Status);
    }

    [Fact]
    public async Task WhatsApp_TextAndReplay_OneCallOneReceiptAndAStatusEvent()
    {
        var client = new NotificationMessagesClient(_f.AcsConnection);
        var repeat = new RepeatableRequest(Guid.NewGuid(), DateTimeOffset.UtcNow);
        var content = new TextNotificationContent(Channel, ["14255550123"], "Hi on WhatsApp");

        var first = await client.SendAsync(content, repeat);
        var second = await client.SendAsync(content, repeat);

        var receipt = Assert.Single(first.Value.Receipts);
        Assert.Equal("14255550123", receipt.To);
        Assert.Equal(receipt.MessageId, Assert.Single(second.Value.Receipts).MessageId);
        Assert.Equal("accepted", second.GetRawResponse().Headers.TryGetValue("Repeatability-Result", out var r) ? r : null);
        var call = Assert.Single(_f.Sandbox.Calls.List());
        Assert.Equal(("whatsapp", "Hi on WhatsApp", 1), (call.Channel, call.Text, call.Replays));
        var @event = Assert.Single(EventGridEvent.ParseMany(BinaryData.FromBytes(Assert.Single(await _f.WaitForReceivedAsync(1)).Body)));
        Assert.Equal("Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated", @event.EventType);
        using var data = JsonDocument.Parse(@event.Data.ToString());
        Assert.Equal((receipt.MessageId, "Delivered"), (data.RootElement.GetProperty("messageId").GetString(), data.RootElement.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task WhatsApp_PermanentRule_Is400()
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Channel = "whatsapp", Response = SandboxResponse.Permanent }]);
        var client = new NotificationMessagesClient(_f.AcsConnection);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() =>
            client.SendAsync(new TextNotificationContent(Channel, ["14255550123"], "Hi")));

        Assert.Equal(400, error.Status);
        Assert.Equal(400, Assert.Single(_f.Sandbox.Calls.List()).ResponseStatus);
    }
}
