using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using Omni.Azure.Communication.Sms;
using Omni.Channels.Outbound;
using Omni.Channels.Twilio;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Channels.Tests.Outbound;

public sealed class SmsSenderTests
{
    private const string AcsMessageId = "Outgoing_20200610203725bfd4ba70-70bf-4f77-925d-c0bdb5161bb3";
    private const string TwilioSid = "SM1f0e8ae6ade43cb3c0ce4525424e404f";
    private const string AccountSid = "AC2b5e8c7f0e1d4a3b9c6d5e4f3a2b1c0d";
    private const string AuthToken = "5f9d2c1b0a8e7f6d5c4b3a2910fedcba";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero));
    private readonly CapturingLogger<SmsSender> _log = new();

    private static HttpResponseMessage AcsAccepted() => FakeProvider.Json(HttpStatusCode.Accepted,
        $$"""{"value":[{"to":"{{Requests.Phone}}","messageId":"{{AcsMessageId}}","httpStatusCode":202,"repeatabilityResult":"accepted","successful":true}]}""");

    private static HttpResponseMessage AcsError(HttpStatusCode status, string code, string message, params (string, string)[] headers) =>
        FakeProvider.Json(status, $$$"""{"error":{"code":"{{{code}}}","message":"{{{message}}}"}}""", headers);

    private static HttpResponseMessage TwilioCreated(string numSegments = "1", string price = "null") => FakeProvider.Json(HttpStatusCode.Created,
        $$"""
        {"account_sid":"{{AccountSid}}","api_version":"2010-04-01","body":"{{Requests.SecretText}}","date_created":"Mon, 23 Nov 2026 09:30:00 +0000",
         "date_sent":null,"date_updated":"Mon, 23 Nov 2026 09:30:00 +0000","direction":"outbound-api","error_code":null,"error_message":null,
         "from":"+18005550199","messaging_service_sid":null,"num_media":"0","num_segments":"{{numSegments}}","price":{{price}},"price_unit":"USD",
         "sid":"{{TwilioSid}}","status":"queued","subresource_uris":{"media":"/2010-04-01/Accounts/{{AccountSid}}/Messages/{{TwilioSid}}/Media.json"},
         "to":"{{Requests.Phone}}","uri":"/2010-04-01/Accounts/{{AccountSid}}/Messages/{{TwilioSid}}.json"}
        """);

    private static HttpResponseMessage TwilioError(HttpStatusCode status, int code, string message, params (string, string)[] headers) =>
        FakeProvider.Json(status,
            $$"""{"code":{{code}},"message":"{{message}}","more_info":"https://www.twilio.com/docs/errors/{{code}}","status":{{(int)status}}}""", headers);

    private (SmsSender Sender, FakeProvider Acs, FakeProvider Twilio) Create(
        Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>> acs,
        Func<RecordedRequest, HttpResponseMessage> twilio,
        string providers = "acs,twilio",
        TimeSpan? acsTimeout = null)
    {
        var acsHandler = new FakeProvider(acs);
        var twilioHandler = new FakeProvider(twilio);
        var smsClient = new SmsClient(Acs.Endpoint, Acs.Key, Acs.WithTransport(AcsSmsOptions.CreateClientOptions(acsTimeout), acsHandler));
        var acsProvider = new AcsSmsProvider(new AcsSmsOptions { From = "+18005550100", HasConnection = true }, smsClient, _time);
        var twilioOptions = new TwilioOptions
        {
            AccountSid = AccountSid,
            AuthToken = AuthToken,
            From = "+18005550199",
            BaseUrl = new Uri("https://api.twilio.test"),
            PublicBaseUrl = new Uri("https://omni.example.net/"),
        };
        var twilioProvider = new TwilioSmsProvider(twilioOptions, new HttpClient(twilioHandler), _time);
        var options = new SmsSenderOptions { Providers = providers.Split(',') };
        return (new SmsSender(options, [twilioProvider, acsProvider], _log, _time), acsHandler, twilioHandler);
    }

    private (SmsSender Sender, FakeProvider Acs, FakeProvider Twilio) Create(
        Func<RecordedRequest, HttpResponseMessage> acs, Func<RecordedRequest, HttpResponseMessage> twilio, string providers = "acs,twilio") =>
        Create((r, _) => Task.FromResult(acs(r)), twilio, providers);

    private static HttpResponseMessage NotCalled(RecordedRequest _) => throw new InvalidOperationException("this provider must not be called");

    [Fact]
    public async Task SendAsync_AcsAccepts_QueuedWithAcsIdAndSignedDeterministicRequest()
    {
        var (sender, acs, twilio) = Create(_ => AcsAccepted(), NotCalled);

        SendResult first = await sender.SendAsync(Requests.Sms(), CancellationToken.None);
        SendResult again = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.Equal(SendOutcome.Accepted, first.Outcome);
        Assert.Equal("acs", first.Provider);
        Assert.Equal(AcsMessageId, first.ProviderMessageId);
        Assert.Equal(AttemptStatus.Queued, first.Status);
        Assert.Equal(1, first.Segments);
        Assert.Null(first.Cost);
        Assert.Equal("accepted", Assert.Single(first.Tries).Outcome);
        Assert.Equal(SendOutcome.Accepted, again.Outcome);
        Assert.Empty(twilio.Requests);

        RecordedRequest[] calls = acs.Requests.ToArray();
        Assert.Equal(2, calls.Length);
        Assert.Equal("/sms?api-version=2021-03-07", calls[0].Uri.PathAndQuery);
        Acs.AssertSigned(calls[0]);
        using JsonDocument body = JsonDocument.Parse(calls[0].Body);
        JsonElement root = body.RootElement;
        Assert.Equal("+18005550100", root.GetProperty("from").GetString());
        Assert.Equal(Requests.SecretText, root.GetProperty("message").GetString());
        JsonElement recipient = root.GetProperty("smsRecipients")[0];
        Assert.Equal(Requests.Phone, recipient.GetProperty("to").GetString());
        string repeatabilityId = recipient.GetProperty("repeatabilityRequestId").GetString()!;
        Assert.Equal(DeterministicGuid.Create("acs-sms", "msg-0001:0").ToString("D"), repeatabilityId);
        Assert.Equal("Mon, 23 Nov 2026 09:30:00 GMT", recipient.GetProperty("repeatabilityFirstSent").GetString());
        Assert.True(root.GetProperty("smsSendOptions").GetProperty("enableDeliveryReport").GetBoolean());
        Assert.Equal("msg-0001:0", root.GetProperty("smsSendOptions").GetProperty("tag").GetString());

        using JsonDocument retried = JsonDocument.Parse(calls[1].Body);
        Assert.Equal(repeatabilityId, retried.RootElement.GetProperty("smsRecipients")[0].GetProperty("repeatabilityRequestId").GetString());
    }

    [Fact]
    public async Task SendAsync_Acs503_FailsOverToTwilioWithBasicAuthAndForm()
    {
        var (sender, acs, twilio) = Create(
            _ => AcsError(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "The service is temporarily unavailable."),
            _ => TwilioCreated());

        SendResult result = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.Equal(SendOutcome.Accepted, result.Outcome);
        Assert.Equal("twilio", result.Provider);
        Assert.Equal(TwilioSid, result.ProviderMessageId);
        Assert.Equal(AttemptStatus.Queued, result.Status);
        Assert.Collection(result.Tries,
            t => { Assert.Equal("acs", t.Provider); Assert.Equal("transient", t.Outcome); Assert.Contains("503", t.Error); },
            t => { Assert.Equal("twilio", t.Provider); Assert.Equal("accepted", t.Outcome); });
        Assert.Single(acs.Requests);

        RecordedRequest call = Assert.Single(twilio.Requests);
        Assert.Equal(HttpMethod.Post, call.Method);
        Assert.Equal($"https://api.twilio.test/2010-04-01/Accounts/{AccountSid}/Messages.json", call.Uri.AbsoluteUri);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{AuthToken}")), call.Header("Authorization"));
        Assert.StartsWith("application/x-www-form-urlencoded", call.Header("Content-Type"));
        Dictionary<string, string> form = call.BodyText.Split('&')
            .Select(pair => pair.Split('='))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));
        Assert.Equal(Requests.Phone, form["To"]);
        Assert.Equal("+18005550199", form["From"]);
        Assert.Equal(Requests.SecretText, form["Body"]);
        Assert.Equal("https://omni.example.net/api/webhooks/twilio?m=msg-0001&s=0", form["StatusCallback"]);
        Assert.False(form.ContainsKey("MessagingServiceSid"));
    }

    [Fact]
    public async Task SendAsync_AcsTimesOut_TransientWithoutTryingTwilio()
    {
        var (sender, acs, twilio) = Create(
            async (_, ct) => { await Task.Delay(Timeout.Infinite, ct); return AcsAccepted(); },
            NotCalled,
            acsTimeout: TimeSpan.FromMilliseconds(200));

        SendResult result = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.Equal(SendOutcome.Transient, result.Outcome);
        Assert.Equal("acs", result.Provider);
        Assert.Null(result.ProviderMessageId);
        Assert.Equal("transient", Assert.Single(result.Tries).Outcome);
        Assert.Contains("timeout", result.Error);
        Assert.Single(acs.Requests);
        Assert.Empty(twilio.Requests);
    }

    [Fact]
    public async Task SendAsync_AcsConnectionRefused_FailsOver()
    {
        var (sender, _, twilio) = Create(
            _ => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused",
                new SocketException((int)SocketError.ConnectionRefused)),
            _ => TwilioCreated());

        SendResult result = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.Equal(SendOutcome.Accepted, result.Outcome);
        Assert.Equal("twilio", result.Provider);
        Assert.Equal(["acs", "twilio"], result.Tries.Select(t => t.Provider));
        Assert.Single(twilio.Requests);
    }

    [Fact]
    public async Task SendAsync_Twilio500_AmbiguousSoNoFailoverToAcs()
    {
        var (sender, acs, _) = Create(NotCalled, _ => TwilioError(HttpStatusCode.InternalServerError, 20500, "Internal Server Error"), "twilio,acs");

        SendResult result = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.Equal(SendOutcome.Transient, result.Outcome);
        Assert.Equal("twilio", result.Provider);
        Assert.Single(result.Tries);
        Assert.Empty(acs.Requests);
    }

    [Fact]
    public async Task SendAsync_AcsRefusesNumber_PermanentWithoutTwilio()
    {
        var (sender, _, twilio) = Create(
            _ => FakeProvider.Json(HttpStatusCode.Accepted,
                $$"""{"value":[{"to":"{{Requests.Phone}}","httpStatusCode":400,"errorMessage":"Invalid To phone number format.","successful":false}]}"""),
            NotCalled);

        SendResult result = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.Equal(SendOutcome.Permanent, result.Outcome);
        Assert.Equal(AttemptStatus.Failed, result.Status);
        Assert.Equal("acs 400: Invalid To phone number format.", result.Error);
        Assert.Equal("permanent", Assert.Single(result.Tries).Outcome);
        Assert.Empty(twilio.Requests);
    }

    [Fact]
    public async Task SendAsync_Twilio21610_PermanentNamingCarrierStop()
    {
        var (sender, _, _) = Create(
            _ => AcsError(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "unavailable"),
            _ => TwilioError(HttpStatusCode.BadRequest, 21610, "Attempt to send to unsubscribed recipient"));

        SendResult result = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.Equal(SendOutcome.Permanent, result.Outcome);
        Assert.Equal("twilio", result.Provider);
        Assert.StartsWith("twilio 21610:", result.Error);
        Assert.Contains("STOP", result.Error);
        Assert.Equal(2, result.Tries.Count);
    }

    [Theory]
    [InlineData(21610, "OptedOut", "recipient unsubscribed at the carrier (STOP)")]
    [InlineData(21614, "Undeliverable", "not a mobile number")]
    [InlineData(21211, "Undeliverable", "invalid number")]
    [InlineData(21217, "Undeliverable", "number does not appear to be valid")]
    public async Task SendAsync_TwilioRefusesTheNumber_ResultSaysWhatItMeansForTheAddress(int code, string kind, string description)
    {
        var (sender, _, _) = Create(NotCalled, _ => TwilioError(HttpStatusCode.BadRequest, code, "refused"), "twilio");

        SendResult result = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.Equal(SendOutcome.Permanent, result.Outcome);
        Assert.Equal(new AddressRefusal(Enum.Parse<AddressRefusalKind>(kind), "twilio", code.ToString(), description), result.Refusal);
    }

    [Theory]
    [InlineData("Sender blocked for given recipient.", "OptedOut", "recipient blocked the sender (STOP)")]
    [InlineData("Unreachable destination handset.", "Undeliverable", "unreachable number")]
    [InlineData("Invalid To phone number format.", "Undeliverable", "invalid number")]
    [InlineData("Something else.", "Undeliverable", "number refused by the provider")]
    public async Task SendAsync_AcsRefusesTheNumber_ResultSaysWhatItMeansForTheAddress(string errorMessage, string kind, string description)
    {
        var (sender, _, _) = Create(
            _ => FakeProvider.Json(HttpStatusCode.Accepted,
                $$"""{"value":[{"to":"{{Requests.Phone}}","httpStatusCode":400,"errorMessage":"{{errorMessage}}","successful":false}]}"""),
            NotCalled, "acs");

        SendResult result = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.Equal(new AddressRefusal(Enum.Parse<AddressRefusalKind>(kind), "acs", "400", description), result.Refusal);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, 20503)]
    [InlineData(HttpStatusCode.TooManyRequests, 20429)]
    [InlineData(HttpStatusCode.InternalServerError, 20500)]
    [InlineData(HttpStatusCode.BadRequest, 21606)]
    public async Task SendAsync_TwilioTransientAmbiguousOrSenderError_SaysNothingAboutTheAddress(HttpStatusCode status, int code)
    {
        var (sender, _, _) = Create(NotCalled, _ => TwilioError(status, code, "no"), "twilio");

        SendResult result = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.NotEqual(SendOutcome.Accepted, result.Outcome);
        Assert.Null(result.Refusal);
    }

    [Fact]
    public async Task SendAsync_Twilio21211_ErrorCarriesNoNumber()
    {
        var (sender, _, _) = Create(NotCalled,
            _ => TwilioError(HttpStatusCode.BadRequest, 21211, $"The 'To' number {Requests.Phone} is not a valid phone number."), "twilio");

        SendResult result = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.Equal(SendOutcome.Permanent, result.Outcome);
        Assert.DoesNotContain("4255550123", result.Error);
        Assert.DoesNotContain("4255550123", result.Tries[0].Error);
    }

    [Fact]
    public async Task SendAsync_BothRefuseForProviderReasons_PermanentWithTwoTries()
    {
        var (sender, _, _) = Create(
            _ => AcsError(HttpStatusCode.Unauthorized, "Denied", "Denied by the resource provider."),
            _ => TwilioError(HttpStatusCode.BadRequest, 21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination."));

        SendResult result = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.Equal(SendOutcome.Permanent, result.Outcome);
        Assert.Equal("twilio", result.Provider);
        Assert.Equal(["permanent", "permanent"], result.Tries.Select(t => t.Outcome));
        Assert.Contains("acs 401 Denied", result.Error);
        Assert.Contains("twilio 21606", result.Error);
        Assert.Null(result.RetryAfter);
    }

    [Fact]
    public async Task SendAsync_Acs429ThenTwilioRefuses_TransientWithRetryAfter()
    {
        var (sender, _, twilio) = Create(
            _ => AcsError(HttpStatusCode.TooManyRequests, "TooManyRequests", "Rate limit exceeded.", ("Retry-After", "30")),
            _ => TwilioError(HttpStatusCode.Unauthorized, 20003, "Authenticate"));

        SendResult result = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.Equal(SendOutcome.Transient, result.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(30), result.RetryAfter);
        Assert.Equal(["transient", "permanent"], result.Tries.Select(t => t.Outcome));
        Assert.Single(twilio.Requests);
    }

    [Fact]
    public async Task SendAsync_TwilioOnly429_TransientWithRetryAfter()
    {
        var (sender, _, _) = Create(NotCalled, _ => TwilioError(HttpStatusCode.TooManyRequests, 20429, "Too Many Requests", ("Retry-After", "17")), "twilio");

        SendResult result = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.Equal(SendOutcome.Transient, result.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(17), result.RetryAfter);
    }

    [Fact]
    public async Task SendAsync_TwilioReportsSegmentsAndPrice_Used()
    {
        var (sender, _, _) = Create(NotCalled, _ => TwilioCreated(numSegments: "3", price: "\"-0.02250\""), "twilio");

        SendResult result = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.Equal(3, result.Segments);
        Assert.Equal(0.0225m, result.Cost);
        Assert.Equal("USD", result.Currency);
    }

    [Fact]
    public async Task SendAsync_AcsLongGsmText_SegmentsFromSegmenter()
    {
        string text = "{" + new string('7', 159); // 161 septets: two GSM-7 parts
        var (sender, _, _) = Create(_ => AcsAccepted(), NotCalled);

        SendResult result = await sender.SendAsync(Requests.Sms(text), CancellationToken.None);

        Assert.Equal(2, result.Segments);
    }

    [Fact]
    public async Task SendAsync_Logs_NoNumberNoText()
    {
        var (sender, _, _) = Create(
            _ => AcsError(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", $"unavailable for {Requests.Phone}"),
            _ => TwilioError(HttpStatusCode.BadRequest, 21211, $"The 'To' number {Requests.Phone} is not a valid phone number."));

        await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        string logs = _log.All;
        Assert.Contains("msg-0001", logs);
        Assert.Contains("21211", logs);
        Assert.DoesNotContain("4255550123", logs);
        Assert.DoesNotContain("481516", logs);
    }

    [Fact]
    public void Constructor_SkipsUnconfiguredAndUnlistedProviders()
    {
        var unconfiguredTwilio = new TwilioSmsProvider(new TwilioOptions { AccountSid = AccountSid }, new HttpClient(), _time);
        var acs = new AcsSmsProvider(new AcsSmsOptions { From = "+18005550100", HasConnection = true },
            new SmsClient(Acs.Endpoint, Acs.Key), _time);

        var sender = new SmsSender(new SmsSenderOptions { Providers = ["twilio", "acs", "carrierpigeon"] }, [acs, unconfiguredTwilio], _log, _time);

        Assert.Equal(["acs"], sender.ActiveProviders);
    }

    [Fact]
    public async Task SendAsync_NoProvider_PermanentMisconfiguration()
    {
        var sender = new SmsSender(new SmsSenderOptions(), [], _log, _time);

        SendResult result = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.Equal(SendOutcome.Permanent, result.Outcome);
        Assert.Empty(result.Tries);
    }

    [Fact]
    public void Options_FromConfiguration_ReadAgreedNames()
    {
        IConfiguration configuration = new FlatConfiguration(new Dictionary<string, string?>
        {
            ["Sms:Providers"] = " Twilio , acs ",
            ["AcsSms:From"] = "+18005550100",
            ["AcsConnection"] = "endpoint=https://x.communication.azure.com/;accesskey=" + Acs.AccessKey,
            ["Twilio:AccountSid"] = AccountSid,
            ["Twilio:AuthToken"] = AuthToken,
            ["Twilio:MessagingServiceSid"] = "MG0123456789abcdef0123456789abcdef",
            ["Omni:PublicBaseUrl"] = "http://127.0.0.1:7071",
        });

        Assert.Equal(["twilio", "acs"], SmsSenderOptions.FromConfiguration(configuration).Providers);
        Assert.True(AcsSmsOptions.FromConfiguration(configuration).IsConfigured);
        TwilioOptions twilio = TwilioOptions.FromConfiguration(configuration);
        Assert.True(twilio.IsConfigured);
        Assert.Equal(TwilioOptions.DefaultBaseUrl, twilio.BaseUrl);
        Assert.Equal("http://127.0.0.1:7071/api/webhooks/twilio", twilio.StatusCallbackUrl);
        Assert.Equal(["acs", "twilio"], SmsSenderOptions.FromConfiguration(new FlatConfiguration([])).Providers);
    }

    private static HttpResponseMessage TwilioAmbiguous(string fault) => fault switch
    {
        "500" => TwilioError(HttpStatusCode.InternalServerError, 20500, "Internal Server Error"),
        "504" => FakeProvider.Json(HttpStatusCode.GatewayTimeout, "<html>gateway timeout</html>"),
        "408" => TwilioError(HttpStatusCode.RequestTimeout, 20408, "Request Timeout"),
        "timeout" => throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout", new TimeoutException()),
        _ => throw new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely.", new IOException("reset")),
    };

    [Theory]
    [InlineData("500")]
    [InlineData("504")]
    [InlineData("408")]
    [InlineData("timeout")]
    [InlineData("reset mid-response")]
    public async Task SendAsync_TwilioAmbiguous_IsUnconfirmed_AndNoOtherProviderIsTried(string fault)
    {
        var (sender, acs, twilio) = Create(NotCalled, _ => TwilioAmbiguous(fault), "twilio,acs");

        SendResult result = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.Equal(SendOutcome.Transient, result.Outcome);
        Assert.Equal(AttemptStatus.Pending, result.Status);
        Assert.Null(result.ProviderMessageId);
        ProviderTry only = Assert.Single(result.Tries);
        Assert.Equal(("twilio", ProviderTryOutcomes.Unconfirmed), (only.Provider, only.Outcome));
        Assert.StartsWith("twilio", only.Error);
        Assert.Single(twilio.Requests);
        Assert.Empty(acs.Requests);
    }

    [Fact]
    public async Task SendAsync_AcsRefusesThenTwilioAmbiguous_OnlyTheTwilioTryIsUnconfirmed()
    {
        var (sender, _, _) = Create(
            _ => AcsError(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "The service is temporarily unavailable."),
            _ => TwilioError(HttpStatusCode.InternalServerError, 20500, "Internal Server Error"));

        SendResult result = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.Equal(SendOutcome.Transient, result.Outcome);
        Assert.Equal([("acs", "transient"), ("twilio", "unconfirmed")], result.Tries.Select(t => (t.Provider, t.Outcome)));
    }

    [Fact]
    public async Task SendAsync_Twilio503_CertainlyNotAccepted_StaysTransient_AndFailsOver()
    {
        var (sender, acs, _) = Create(_ => AcsAccepted(), _ => TwilioError(HttpStatusCode.ServiceUnavailable, 20503, "Service Unavailable"), "twilio,acs");

        SendResult result = await sender.SendAsync(Requests.Sms(), CancellationToken.None);

        Assert.Equal(SendOutcome.Accepted, result.Outcome);
        Assert.Equal([("twilio", "transient"), ("acs", "accepted")], result.Tries.Select(t => (t.Provider, t.Outcome)));
        Assert.Single(acs.Requests);
    }

    /// <summary>Records what the sender journals, with how many Twilio requests had been made at that moment.</summary>
    private sealed class RecordingJournal(FakeProvider twilio, bool refuse = false) : ISendJournal
    {
        public List<string> Entries { get; } = [];

        public Task CallingAsync(string provider, CancellationToken cancellationToken)
        {
            Entries.Add($"calling {provider} after {twilio.Requests.Count} twilio request(s)");
            return refuse ? throw new InvalidOperationException("journal unavailable") : Task.CompletedTask;
        }

        public Task NotAcceptedAsync(string provider, string? error, CancellationToken cancellationToken)
        {
            Entries.Add($"not accepted by {provider} after {twilio.Requests.Count} twilio request(s): {error}");
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Journal_IsToldBeforeTheTwilioCall_NotForAcs_AndNothingAfterAnAcceptance()
    {
        var (sender, _, twilio) = Create(
            _ => AcsError(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "The service is temporarily unavailable."),
            _ => TwilioCreated());
        var journal = new RecordingJournal(twilio);

        SendResult result = await sender.SendAsync(Requests.Sms() with { Journal = journal }, CancellationToken.None);

        Assert.Equal(SendOutcome.Accepted, result.Outcome);
        Assert.Equal(["calling twilio after 0 twilio request(s)"], journal.Entries);
    }

    [Theory]
    [InlineData("500", false)]
    [InlineData("timeout", false)]
    [InlineData("503", true)]
    [InlineData("400", true)]
    public async Task Journal_IsToldWhenTwilioCertainlyDidNotTakeIt_NotWhenItMayHave(string answer, bool notAccepted)
    {
        var (sender, _, twilio) = Create(NotCalled, _ => answer switch
        {
            "503" => TwilioError(HttpStatusCode.ServiceUnavailable, 20503, "Service Unavailable"),
            "400" => TwilioError(HttpStatusCode.BadRequest, 21606, "The From phone number is not a valid, SMS-capable inbound phone number"),
            _ => TwilioAmbiguous(answer),
        }, "twilio");
        var journal = new RecordingJournal(twilio);

        await sender.SendAsync(Requests.Sms() with { Journal = journal }, CancellationToken.None);

        Assert.Equal("calling twilio after 0 twilio request(s)", journal.Entries[0]);
        if (notAccepted)
        {
            Assert.StartsWith("not accepted by twilio after 1 twilio request(s): twilio", Assert.Single(journal.Entries.Skip(1)), StringComparison.Ordinal);
        }
        else
        {
            Assert.Single(journal.Entries);
        }
    }

    [Fact]
    public async Task Journal_Failing_MeansTwilioIsNotCalled()
    {
        var (sender, _, twilio) = Create(NotCalled, _ => TwilioCreated(), "twilio");

        await Assert.ThrowsAsync<InvalidOperationException>(() => sender.SendAsync(Requests.Sms() with { Journal = new RecordingJournal(twilio, refuse: true) }, CancellationToken.None));

        Assert.Empty(twilio.Requests);
    }

    [Fact]
    public async Task SendAsync_TwilioStatusCallback_NamesTheMessageAndStep()
    {
        var (sender, _, twilio) = Create(NotCalled, _ => TwilioCreated(), "twilio");

        await sender.SendAsync(Requests.Sms(messageId: "01JD7.order-42_b", step: 3), CancellationToken.None);

        string form = Assert.Single(twilio.Requests).BodyText;
        string callback = Uri.UnescapeDataString(form.Split('&').Single(p => p.StartsWith("StatusCallback=", StringComparison.Ordinal))["StatusCallback=".Length..]);
        Assert.Equal("https://omni.example.net/api/webhooks/twilio?m=01JD7.order-42_b&s=3", callback);
        var query = new Uri(callback).Query.TrimStart('?').Split('&').Select(p => p.Split('=')).Select(p => new KeyValuePair<string, string>(p[0], p[1]));
        Assert.Equal(("01JD7.order-42_b", 3), TwilioCallbackHints.Read(query));
    }

    [Fact]
    public void TwilioOptions_ConfirmWindow_DefaultsToFiveMinutes_AndIsReadFromConfirmWindowSeconds()
    {
        Assert.Equal(TimeSpan.FromMinutes(5), TwilioOptions.FromConfiguration(new FlatConfiguration([])).ConfirmWindow);
        Assert.Equal(TimeSpan.FromSeconds(2.5), TwilioOptions.FromConfiguration(new FlatConfiguration(new Dictionary<string, string?> { ["Twilio:ConfirmWindowSeconds"] = "2.5" })).ConfirmWindow);
        Assert.Null(new TwilioOptions().StatusCallbackUrlFor("m-1", 0));
    }

    [Theory]
    [InlineData("m=abc&s=0", "abc", 0)]
    [InlineData("s=12&m=a.b-c_d", "a.b-c_d", 12)]
    [InlineData("m=abc", null, null)]
    [InlineData("m=abc&s=-1", null, null)]
    [InlineData("m=abc&s=1001", null, null)]
    [InlineData("m=abc&s=1x", null, null)]
    [InlineData("m=a%20b&s=1", null, null)]
    [InlineData("x=1", null, null)]
    public void TwilioCallbackHints_Read_OnlyWellFormedPairs(string query, string? messageId, int? step)
    {
        var pairs = query.Split('&').Select(p => p.Split('=')).Select(p => new KeyValuePair<string, string>(p[0], Uri.UnescapeDataString(p[1])));

        var hints = TwilioCallbackHints.Read(pairs);

        Assert.Equal(messageId, hints?.MessageId);
        Assert.Equal(step, hints?.Step);
    }
}
