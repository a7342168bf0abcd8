using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Messaging.EventGrid;
using Microsoft.AspNetCore.WebUtilities;
using Omni.Azure.Communication;
using Omni.DevHost.Sandbox;

namespace Omni.DevHost.Tests.Sandbox;

/// <summary>
/// The sandbox fault rules (throttled, error, timeout, drop, malformed, accept, duplicateReports, reportOrder) driven over
/// the wire: HMAC-signed ACS requests and Basic-authenticated Twilio form posts, answers read raw so that status, headers
/// and the provider's error body are checked as a client sees them.
/// </summary>
public sealed class SandboxFaultTests : IAsyncLifetime
{
    private const string From = "+18005550100";
    private const string To = "+14255550123";
    private const string WhatsAppTo = "14255550123";
    private const string EmailTo = "jane@example.com";

    private readonly SandboxFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();

    public Task DisposeAsync() => _f.DisposeAsync();

    // ---- wire helpers -------------------------------------------------------------------------------------------

    private static string SmsBody(string to = To, string? repeatabilityId = null, bool report = true) => JsonSerializer.Serialize(new
    {
        from = From,
        smsRecipients = new object[]
        {
            repeatabilityId is null
                ? new { to }
                : new { to, repeatabilityRequestId = repeatabilityId, repeatabilityFirstSent = DateTimeOffset.UtcNow.ToString("r") },
        },
        message = "Your code is 123456",
        smsSendOptions = new { enableDeliveryReport = report, tag = "omni-test" },
    });

    private static string WhatsAppBody() => JsonSerializer.Serialize(new
    {
        channelRegistrationId = SandboxEnvironment.AcsWhatsAppChannelRegistrationId,
        to = new[] { WhatsAppTo },
        kind = "text",
        content = "Hi on WhatsApp",
    });

    private static string EmailBody() => JsonSerializer.Serialize(new
    {
        senderAddress = SandboxEnvironment.AcsEmailSender,
        content = new { subject = "Hello", plainText = "Hi Jane" },
        recipients = new { to = new[] { new { address = EmailTo } } },
    });

    /// <summary>An ACS request signed with the sandbox's access key, as Omni's clients sign it.</summary>
    private static HttpRequestMessage AcsRequest(Uri sandboxBase, string channel, string? idempotencyId = null)
    {
        var (path, body) = channel switch
        {
            "sms" => ("sms?api-version=2021-03-07", SmsBody(repeatabilityId: idempotencyId)),
            "email" => ("emails:send?api-version=2023-03-31", EmailBody()),
            _ => ("messages/notifications:send?api-version=2024-08-30", WhatsAppBody()),
        };
        var uri = new Uri(sandboxBase, "_sandbox/acs/" + path);
        var bytes = Encoding.UTF8.GetBytes(body);
        var date = DateTimeOffset.UtcNow.ToString("r");
        var hash = CommunicationHmacSignature.ComputeContentHash(bytes);
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("x-ms-date", date);
        request.Headers.TryAddWithoutValidation("x-ms-content-sha256", hash);
        request.Headers.TryAddWithoutValidation("Authorization",
            CommunicationHmacSignature.CreateAuthorizationHeader(SandboxEnvironment.AcsAccessKey, "POST", uri, date, hash));
        if (idempotencyId is not null && channel == "whatsapp")
        {
            request.Headers.TryAddWithoutValidation("Repeatability-Request-ID", idempotencyId);
            request.Headers.TryAddWithoutValidation("Repeatability-First-Sent", DateTimeOffset.UtcNow.ToString("r"));
        }
        if (idempotencyId is not null && channel == "email")
        {
            request.Headers.TryAddWithoutValidation("Operation-Id", idempotencyId);
        }
        return request;
    }

    private HttpRequestMessage TwilioRequest(string to = To, bool callback = true)
    {
        var form = new Dictionary<string, string> { ["To"] = to, ["From"] = SandboxEnvironment.TwilioFrom, ["Body"] = "Your code is 123456" };
        if (callback)
        {
            form["StatusCallback"] = new Uri(_f.ReceiverBase, "api/webhooks/twilio").ToString();
        }
        var request = new HttpRequestMessage(HttpMethod.Post, _f.TwilioMessagesUrl) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{SandboxEnvironment.TwilioAccountSid}:{SandboxEnvironment.TwilioAuthToken}")));
        return request;
    }

    private HttpRequestMessage Request(string provider, string channel, string? idempotencyId = null) =>
        provider == "twilio" ? TwilioRequest() : AcsRequest(_f.SandboxBase, channel, idempotencyId);

    private static string Recipient(string provider, string channel) => (provider, channel) switch
    {
        ("acs", "email") => EmailTo,
        ("acs", "whatsapp") => WhatsAppTo,
        _ => To,
    };

    private static async Task<(HttpStatusCode Status, HttpResponseHeaders Headers, JsonElement Body)> ReadAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, response.Headers, json.RootElement.Clone());
    }

    private static (string? Status, string EventId, string? MessageId) AcsReport(ReceivedRequest post)
    {
        var @event = Assert.Single(EventGridEvent.ParseMany(BinaryData.FromBytes(post.Body)));
        using var data = JsonDocument.Parse(@event.Data.ToString());
        var root = data.RootElement;
        var status = root.TryGetProperty("deliveryStatus", out var s) ? s.GetString() : root.GetProperty("status").GetString();
        return (status, @event.Id, root.GetProperty("messageId").GetString());
    }

    /// <summary>The only call, once its answer is recorded as none (status 0), or as it is after 5 s.</summary>
    private async Task<SandboxCall> SettledCallAsync()
    {
        var until = DateTime.UtcNow.AddSeconds(5);
        var call = Assert.Single(_f.Sandbox.Calls.List());
        while (call.ResponseStatus != 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(20);
            call = Assert.Single(_f.Sandbox.Calls.List());
        }
        return call;
    }

    private static Dictionary<string, string> TwilioReport(ReceivedRequest post) =>
        QueryHelpers.ParseQuery(Encoding.UTF8.GetString(post.Body)).ToDictionary(p => p.Key, p => p.Value.ToString());

    // ---- refusals: each in the provider's wire format --------------------------------------------------------------

    [Theory]
    [InlineData("sms")]
    [InlineData("email")]
    [InlineData("whatsapp")]
    public async Task Acs_Throttled_Is429WithRetryAfterAndTooManyRequests_NotAccepted(string channel)
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Provider = "acs", Response = SandboxResponse.Throttled, RetryAfterSeconds = 7 }]);

        using var request = AcsRequest(_f.SandboxBase, channel);
        using var response = await _f.Http.SendAsync(request);
        var (status, headers, body) = await ReadAsync(response);

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("7", headers.GetValues("Retry-After").Single());
        Assert.Equal("TooManyRequests", headers.GetValues("x-ms-error-code").Single());
        Assert.Equal("TooManyRequests", body.GetProperty("error").GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("message").GetString()));
        var call = Assert.Single(_f.Sandbox.Calls.List());
        Assert.Equal((channel, 429, false, "throttled", (string?)null), (call.Channel, call.ResponseStatus, call.Accepted, call.Fault, call.ProviderMessageId));
    }

    [Theory]
    [InlineData(SandboxResponse.Throttled, 429, 20429)]
    [InlineData(SandboxResponse.Error, 500, 20500)]
    [InlineData(SandboxResponse.Transient, 503, 20503)]
    public async Task Twilio_Refusal_IsTwiliosErrorDocument_NotAccepted(SandboxResponse response, int expectedStatus, int expectedCode)
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Provider = "twilio", Response = response, RetryAfterSeconds = 3 }]);

        using var request = TwilioRequest();
        using var answer = await _f.Http.SendAsync(request);
        var (status, headers, body) = await ReadAsync(answer);

        Assert.Equal(expectedStatus, (int)status);
        Assert.Equal(expectedCode, body.GetProperty("code").GetInt32());
        Assert.Equal(expectedStatus, body.GetProperty("status").GetInt32());
        Assert.Equal($"https://www.twilio.com/docs/errors/{expectedCode}", body.GetProperty("more_info").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
        Assert.Equal(response == SandboxResponse.Throttled ? new[] { "3" } : Array.Empty<string>(),
            headers.TryGetValues("Retry-After", out var after) ? after.ToArray() : Array.Empty<string>());
        var call = Assert.Single(_f.Sandbox.Calls.List());
        Assert.Equal((expectedStatus, false, response.ToString().ToLowerInvariant()), (call.ResponseStatus, call.Accepted, call.Fault));
        await Task.Delay(300);
        Assert.Empty(_f.Received);
    }

    [Theory]
    [InlineData("acs", "sms")]
    [InlineData("acs", "whatsapp")]
    public async Task Acs_Error_Is500InternalServerError(string provider, string channel)
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Provider = provider, Response = SandboxResponse.Error, ReportDelayMs = 0 }]);

        using var request = Request(provider, channel);
        using var response = await _f.Http.SendAsync(request);
        var (status, headers, body) = await ReadAsync(response);

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal("InternalServerError", body.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("InternalServerError", headers.GetValues("x-ms-error-code").Single());
        Assert.False(Assert.Single(_f.Sandbox.Calls.List()).Accepted);
        await Task.Delay(300);
        Assert.Empty(_f.Received);
    }

    // ---- faults after accepting: accept decides the call log and the report ----------------------------------------

    [Theory]
    [InlineData("acs", "sms", false)]
    [InlineData("acs", "sms", true)]
    [InlineData("acs", "email", true)]
    [InlineData("twilio", "sms", false)]
    [InlineData("twilio", "sms", true)]
    public async Task Error_WithAccept_Is500ButTheSendIsAcceptedAndReported(string provider, string channel, bool accept)
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Provider = provider, Response = SandboxResponse.Error, Accept = accept, ReportDelayMs = 0 }]);

        using var request = Request(provider, channel);
        using var response = await _f.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var call = Assert.Single(_f.Sandbox.Calls.List());
        Assert.Equal((accept, 500, "error"), (call.Accepted, call.ResponseStatus, call.Fault));
        Assert.Equal(accept, call.ProviderMessageId is not null);
        if (accept)
        {
            await _f.WaitForReceivedAsync(1);
        }
        await _f.Sandbox.WhenReportsIdleAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(200);
        Assert.Equal(accept ? 1 : 0, _f.Received.Count);
        Assert.Equal(accept, _f.Sandbox.Calls.List().Single().ReportPosted);
    }

    [Theory]
    [InlineData("acs", "sms", false)]
    [InlineData("acs", "sms", true)]
    [InlineData("acs", "whatsapp", true)]
    [InlineData("twilio", "sms", false)]
    [InlineData("twilio", "sms", true)]
    public async Task Drop_AbortsTheConnection_AcceptDecidesWhetherTheSendHappened(string provider, string channel, bool accept)
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Provider = provider, Response = SandboxResponse.Drop, Accept = accept, ReportDelayMs = 0 }]);

        using var request = Request(provider, channel);
        await Assert.ThrowsAsync<HttpRequestException>(() => _f.Http.SendAsync(request));

        // The sandbox records "no answer" right after aborting, which the client may see first.
        var call = await SettledCallAsync();
        Assert.Equal((accept, 0, "drop"), (call.Accepted, call.ResponseStatus, call.Fault));
        Assert.Equal(accept, call.ProviderMessageId is not null);
        await _f.Sandbox.WhenReportsIdleAsync(TimeSpan.FromSeconds(5));
        if (accept)
        {
            var post = Assert.Single(await _f.WaitForReceivedAsync(1));
            var reported = provider == "twilio" ? TwilioReport(post)["MessageSid"] : AcsReport(post).MessageId;
            Assert.Equal(call.ProviderMessageId, reported);
        }
        else
        {
            await Task.Delay(300);
            Assert.Empty(_f.Received);
        }
    }

    [Theory]
    [InlineData("acs", "sms")]
    [InlineData("acs", "email")]
    [InlineData("acs", "whatsapp")]
    [InlineData("twilio", "sms")]
    public async Task Malformed_IsTheSuccessStatusWithAnUnreadableBody_AndAccepted(string provider, string channel)
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Provider = provider, Response = SandboxResponse.Malformed, ReportDelayMs = 0 }]);

        using var request = Request(provider, channel);
        using var response = await _f.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(provider == "twilio" ? HttpStatusCode.Created : HttpStatusCode.Accepted, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        Assert.True(text.Length > 0, "a body is sent");
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(text));
        var call = Assert.Single(_f.Sandbox.Calls.List());
        Assert.Equal((true, "malformed"), (call.Accepted, call.Fault));
        Assert.NotNull(call.ProviderMessageId);
        // The body is the success JSON cut short: it starts like the real answer.
        Assert.StartsWith(provider == "twilio" ? "{\"account_sid\"" : channel switch { "sms" => "{\"value\"", "email" => "{\"id\"", _ => "{\"receipts\"" }, text);
        await _f.WaitForReceivedAsync(1);
    }

    [Theory]
    [InlineData("acs", "sms")]
    [InlineData("twilio", "sms")]
    public async Task Timeout_HoldsTheAnswerPastHoldMs_ThenAnswersTheSuccess(string provider, string channel)
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Provider = provider, Response = SandboxResponse.Timeout, HoldMs = 700, Report = SandboxReport.None }]);

        using var request = Request(provider, channel);
        var watch = Stopwatch.StartNew();
        using var response = await _f.Http.SendAsync(request);
        var elapsed = watch.ElapsedMilliseconds;

        Assert.True(elapsed >= 680, $"answered after {elapsed} ms, before holdMs");
        Assert.Equal(provider == "twilio" ? HttpStatusCode.Created : HttpStatusCode.Accepted, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var call = Assert.Single(_f.Sandbox.Calls.List());
        Assert.Equal((true, "timeout"), (call.Accepted, call.Fault));
        var answeredId = provider == "twilio"
            ? body.RootElement.GetProperty("sid").GetString()
            : body.RootElement.GetProperty("value")[0].GetProperty("messageId").GetString();
        Assert.Equal(call.ProviderMessageId, answeredId);
    }

    [Theory]
    [InlineData("acs", "sms", true)]
    [InlineData("acs", "sms", false)]
    [InlineData("twilio", "sms", true)]
    [InlineData("twilio", "sms", false)]
    public async Task Timeout_ClientGivesUpFirst_CallHasNoAnswer_AcceptDecidesTheReport(string provider, string channel, bool accept)
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Provider = provider, Response = SandboxResponse.Timeout, HoldMs = 3000, Accept = accept, ReportDelayMs = 0 }]);
        using var impatient = new HttpClient { Timeout = TimeSpan.FromMilliseconds(300) };

        using var request = Request(provider, channel);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient.SendAsync(request));

        // The sandbox notices the client left (it stops holding) and records that no answer was given.
        var call = await SettledCallAsync();
        Assert.Equal((accept, 0, "timeout"), (call.Accepted, call.ResponseStatus, call.Fault));
        await _f.Sandbox.WhenReportsIdleAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(200);
        Assert.Equal(accept ? 1 : 0, _f.Received.Count);
    }

    [Fact]
    public async Task Timeout_NotAccepted_Answers503AfterTheHold()
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Provider = "acs", Response = SandboxResponse.Timeout, HoldMs = 400, Accept = false }]);

        using var request = AcsRequest(_f.SandboxBase, "whatsapp");
        var watch = Stopwatch.StartNew();
        using var response = await _f.Http.SendAsync(request);

        Assert.True(watch.ElapsedMilliseconds >= 380, $"answered after {watch.ElapsedMilliseconds} ms");
        var (status, _, body) = await ReadAsync(response);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("ServiceUnavailable", body.GetProperty("error").GetProperty("code").GetString());
        var call = Assert.Single(_f.Sandbox.Calls.List());
        Assert.Equal((false, 503, "timeout", (string?)null), (call.Accepted, call.ResponseStatus, call.Fault, call.ProviderMessageId));
    }

    // ---- repeatability: a replay of an accepted send is its original answer, not a second send ----------------------

    [Theory]
    [InlineData("sms", SandboxResponse.Drop)]
    [InlineData("sms", SandboxResponse.Malformed)]
    [InlineData("email", SandboxResponse.Drop)]
    [InlineData("whatsapp", SandboxResponse.Drop)]
    [InlineData("whatsapp", SandboxResponse.Error)]
    public async Task Acs_ReplayAfterAnAmbiguousAcceptedSend_ReturnsTheOriginalAnswer_NotASecondAcceptedSend(string channel, SandboxResponse fault)
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Provider = "acs", Response = fault, Accept = fault == SandboxResponse.Malformed ? null : true, ReportDelayMs = 0 }]);
        var id = Guid.NewGuid().ToString("D");

        using (var first = AcsRequest(_f.SandboxBase, channel, id))
        {
            try
            {
                using var firstResponse = await _f.Http.SendAsync(first);
                Assert.Equal(fault == SandboxResponse.Malformed ? HttpStatusCode.Accepted : HttpStatusCode.InternalServerError, firstResponse.StatusCode);
            }
            catch (HttpRequestException) when (fault == SandboxResponse.Drop)
            {
            }
        }
        using var again = AcsRequest(_f.SandboxBase, channel, id);
        using var replay = await _f.Http.SendAsync(again);
        var (status, headers, body) = await ReadAsync(replay);

        Assert.Equal(HttpStatusCode.Accepted, status);
        var call = Assert.Single(_f.Sandbox.Calls.List());
        Assert.True(call.Accepted);
        Assert.Equal((1, id), (call.Replays, call.IdempotencyId));
        var answeredId = channel switch
        {
            "sms" => body.GetProperty("value")[0].GetProperty("messageId").GetString(),
            "email" => body.GetProperty("id").GetString(),
            _ => body.GetProperty("receipts")[0].GetProperty("messageId").GetString(),
        };
        Assert.Equal(call.ProviderMessageId, answeredId);
        if (channel == "whatsapp")
        {
            Assert.Equal("accepted", headers.GetValues("Repeatability-Result").Single());
        }
        // One send, so one report.
        await _f.WaitForReceivedAsync(1);
        await _f.Sandbox.WhenReportsIdleAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(200);
        Assert.Single(_f.Received);
    }

    [Fact]
    public async Task Acs_ReplayOfARefusedSend_IsANewSend()
    {
        var id = Guid.NewGuid().ToString("D");
        _f.Sandbox.Rules.Replace([new SandboxRule { Provider = "acs", Response = SandboxResponse.Throttled }]);
        using (var first = AcsRequest(_f.SandboxBase, "whatsapp", id))
        {
            using var refused = await _f.Http.SendAsync(first);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }
        _f.Sandbox.Rules.Replace([]);

        using var again = AcsRequest(_f.SandboxBase, "whatsapp", id);
        using var accepted = await _f.Http.SendAsync(again);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var calls = _f.Sandbox.Calls.List();
        Assert.Equal(new (bool, string?)[] { (false, "throttled"), (true, null) }, calls.Select(c => (c.Accepted, c.Fault)));
        Assert.All(calls, c => Assert.Equal(0, c.Replays));
    }

    // ---- reports: duplicates and order ------------------------------------------------------------------------------

    [Theory]
    [InlineData("sms", "Delivered")]
    [InlineData("email", "Delivered")]
    public async Task Acs_DuplicateReports_PostsEachReportTwice_WithItsOwnEventId(string channel, string expected)
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Provider = "acs", DuplicateReports = true, ReportDelayMs = 0 }]);

        using var request = AcsRequest(_f.SandboxBase, channel);
        using var response = await _f.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await _f.WaitForReceivedAsync(2);
        await _f.Sandbox.WhenReportsIdleAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(200);
        var reports = _f.Received.Select(AcsReport).ToList();
        Assert.Equal([expected, expected], reports.Select(r => r.Status));
        Assert.Equal(2, reports.Select(r => r.EventId).Distinct().Count());
        Assert.Equal(Assert.Single(_f.Sandbox.Calls.List()).ProviderMessageId, Assert.Single(reports.Select(r => r.MessageId).Distinct()));
    }

    [Fact]
    public async Task Reports_OfOneSend_KeepTheirOrder_WhenAnEarlierOneNeedsRetries()
    {
        // The first report (sent) is refused three times: retried after 50, 100 and 150 ms, it succeeds ~300 ms after its
        // first try, later than the next report's planned time (+150 ms). That one waits for it.
        _f.Sandbox.Rules.Replace([new SandboxRule { Channel = "whatsapp", Report = SandboxReport.Read, ReportOrder = SandboxReportOrder.InOrder, ReportDelayMs = 0 }]);
        _f.ReceiverStatuses.Enqueue(500);
        _f.ReceiverStatuses.Enqueue(500);
        _f.ReceiverStatuses.Enqueue(500);

        using var request = AcsRequest(_f.SandboxBase, "whatsapp");
        using var response = await _f.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await _f.WaitForReceivedAsync(6);
        await _f.Sandbox.WhenReportsIdleAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["Sent", "Sent", "Sent", "Sent", "Delivered", "Read"], _f.Received.Select(AcsReport).Select(r => r.Status));
    }

    [Theory]
    [InlineData(SandboxReportOrder.Final, false, SandboxReport.Read, new[] { "Read" })]
    [InlineData(SandboxReportOrder.InOrder, false, SandboxReport.Read, new[] { "Sent", "Delivered", "Read" })]
    [InlineData(SandboxReportOrder.Reversed, false, SandboxReport.Read, new[] { "Read", "Delivered", "Sent" })]
    [InlineData(SandboxReportOrder.Reversed, true, SandboxReport.Read, new[] { "Read", "Delivered", "Sent", "Read", "Delivered", "Sent" })]
    [InlineData(SandboxReportOrder.Reversed, false, SandboxReport.Delivered, new[] { "Delivered", "Sent" })]
    [InlineData(SandboxReportOrder.Reversed, false, SandboxReport.Failed, new[] { "Failed", "Sent" })]
    public async Task WhatsApp_ReportOrder_PostsTheStatusesInThatOrder(SandboxReportOrder order, bool duplicate, SandboxReport report, string[] expected)
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Channel = "whatsapp", Report = report, ReportOrder = order, DuplicateReports = duplicate, ReportDelayMs = 0 }]);

        using var request = AcsRequest(_f.SandboxBase, "whatsapp");
        using var response = await _f.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await _f.WaitForReceivedAsync(expected.Length);
        await _f.Sandbox.WhenReportsIdleAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(200);
        var reports = _f.Received.Select(AcsReport).ToList();
        Assert.Equal(expected, reports.Select(r => r.Status));
        Assert.Equal(expected.Length, reports.Select(r => r.EventId).Distinct().Count());
    }

    [Theory]
    [InlineData(SandboxReportOrder.Final, false, new[] { "delivered" })]
    [InlineData(SandboxReportOrder.InOrder, false, new[] { "sent", "delivered" })]
    [InlineData(SandboxReportOrder.Reversed, false, new[] { "delivered", "sent" })]
    [InlineData(SandboxReportOrder.Final, true, new[] { "delivered", "delivered" })]
    [InlineData(SandboxReportOrder.Reversed, true, new[] { "delivered", "sent", "delivered", "sent" })]
    public async Task Twilio_ReportOrderAndDuplicates_PostSignedCallbacksInThatOrder(SandboxReportOrder order, bool duplicate, string[] expected)
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Provider = "twilio", ReportOrder = order, DuplicateReports = duplicate, ReportDelayMs = 0 }]);

        using var request = TwilioRequest();
        using var response = await _f.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        await _f.WaitForReceivedAsync(expected.Length);
        await _f.Sandbox.WhenReportsIdleAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(200);
        var posts = _f.Received.ToList();
        Assert.Equal(expected, posts.Select(p => TwilioReport(p)["MessageStatus"]));
        var sid = Assert.Single(_f.Sandbox.Calls.List()).ProviderMessageId;
        Assert.All(posts, p => Assert.Equal(sid, TwilioReport(p)["MessageSid"]));
        // Each post is a delivery of its own (Twilio's idempotency token differs) and validly signed.
        Assert.Equal(expected.Length, posts.Select(p => p.Header("I-Twilio-Idempotency-Token")).Distinct().Count());
        var callback = new Uri(_f.ReceiverBase, "api/webhooks/twilio").ToString();
        Assert.All(posts, p => Assert.Equal(TwilioSignature.Compute(SandboxEnvironment.TwilioAuthToken, callback, TwilioReport(p)), p.Header("X-Twilio-Signature")));
    }

    // ---- reproducibility and validation ---------------------------------------------------------------------------

    [Fact]
    public async Task FaultRateWithSeed_IsReproducible_AndRestartsWhenTheRulesAreReplaced()
    {
        var rule = new SandboxRule { Provider = "twilio", Response = SandboxResponse.Throttled, FailureRate = 0.5, Seed = 11, Report = SandboxReport.None };
        var model = new Random(11);
        var expected = Enumerable.Range(0, 10).Select(_ => model.NextDouble() < 0.5 ? 429 : 201).ToList();

        var runs = new List<List<int>>();
        for (var run = 0; run < 2; run++)
        {
            _f.Sandbox.Rules.Replace([rule]);
            var statuses = new List<int>();
            for (var i = 0; i < 10; i++)
            {
                using var request = TwilioRequest(callback: false);
                using var response = await _f.Http.SendAsync(request);
                statuses.Add((int)response.StatusCode);
            }
            runs.Add(statuses);
        }

        Assert.Equal(expected, runs[0]);
        Assert.Equal(expected, runs[1]);
        Assert.Contains(429, expected);
        Assert.Contains(201, expected);
        var calls = _f.Sandbox.Calls.List();
        Assert.Equal(runs.SelectMany(r => r).Select(s => s == 201), calls.Select(c => c.Accepted));
        Assert.All(calls.Where(c => !c.Accepted), c => Assert.Equal("throttled", c.Fault));
    }

    [Fact]
    public void Evaluate_AcceptDefaults_PerFaultKind()
    {
        static bool Accepted(SandboxRule rule)
        {
            var rules = new SandboxRules();
            rules.Replace([rule]);
            return rules.Evaluate("acs", "sms", To).Accepted;
        }

        Assert.True(Accepted(new SandboxRule { Response = SandboxResponse.Timeout }));
        Assert.False(Accepted(new SandboxRule { Response = SandboxResponse.Timeout, Accept = false }));
        Assert.False(Accepted(new SandboxRule { Response = SandboxResponse.Drop }));
        Assert.True(Accepted(new SandboxRule { Response = SandboxResponse.Drop, Accept = true }));
        Assert.False(Accepted(new SandboxRule { Response = SandboxResponse.Error }));
        Assert.True(Accepted(new SandboxRule { Response = SandboxResponse.Error, Accept = true }));
        Assert.True(Accepted(new SandboxRule { Response = SandboxResponse.Malformed }));
        Assert.False(Accepted(new SandboxRule { Response = SandboxResponse.Throttled }));
        Assert.False(Accepted(new SandboxRule { Response = SandboxResponse.Transient }));
        // A refused send gets no report, whatever the rule asked for.
        var refused = new SandboxRules();
        refused.Replace([new SandboxRule { Response = SandboxResponse.Throttled, Report = SandboxReport.Read }]);
        Assert.Equal(SandboxReport.None, refused.Evaluate("acs", "sms", To).Report);
    }

    [Theory]
    [InlineData("""[{"response":"throttled","accept":true}]""", "accept")]
    [InlineData("""[{"response":"malformed","accept":false}]""", "accept")]
    [InlineData("""[{"accept":true}]""", "accept")]
    [InlineData("""[{"retryAfterSeconds":-1}]""", "retryAfterSeconds")]
    [InlineData("""[{"holdMs":200000}]""", "holdMs")]
    [InlineData("""[{"reportOrder":"sideways"}]""", "JSON")]
    public async Task Put_InvalidFaultRules_Is400Problem(string json, string mentioned)
    {
        using var response = await _f.Http.PutAsync(new Uri(_f.SandboxBase, "_devhost/sandbox/rules"), new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(mentioned, await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(_f.Sandbox.Rules.Current);
    }

    [Fact]
    public async Task PutThenGet_FaultFields_RoundTripInCamelCase()
    {
        var json = """[{"provider":"twilio","response":"timeout","holdMs":1500,"accept":false,"retryAfterSeconds":4,"duplicateReports":true,"reportOrder":"inOrder","report":"read"}]""";

        using var put = await _f.Http.PutAsync(new Uri(_f.SandboxBase, "_devhost/sandbox/rules"), new StringContent(json, Encoding.UTF8, "application/json"));
        var got = await _f.Http.GetStringAsync(new Uri(_f.SandboxBase, "_devhost/sandbox/rules"));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var rule = Assert.Single(_f.Sandbox.Rules.Current);
        Assert.Equal((SandboxResponse.Timeout, 1500, false, 4, true, SandboxReportOrder.InOrder, SandboxReport.Read),
            (rule.Response, rule.HoldMs, rule.Accept, rule.RetryAfterSeconds, rule.DuplicateReports, rule.ReportOrder, rule.Report));
        using var document = JsonDocument.Parse(got);
        var item = Assert.Single(document.RootElement.EnumerateArray().ToList());
        Assert.Equal(("timeout", "inOrder", "read"),
            (item.GetProperty("response").GetString(), item.GetProperty("reportOrder").GetString(), item.GetProperty("report").GetString()));
    }
}
