using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Omni.DevHost.Sandbox;

namespace Omni.DevHost.Tests.Sandbox;

/// <summary>The Twilio sandbox driven as Twilio's REST API is: form POSTs with HTTP Basic auth.</summary>
public sealed class TwilioSandboxTests : IAsyncLifetime
{
    private const string To = "+14255550123";

    private readonly SandboxFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();

    public Task DisposeAsync() => _f.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(Dictionary<string, string> form,
        string sid = SandboxEnvironment.TwilioAccountSid, string token = SandboxEnvironment.TwilioAuthToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _f.TwilioMessagesUrl) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{sid}:{token}")));
        using var response = await _f.Http.SendAsync(request);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, json.RootElement.Clone());
    }

    private static Dictionary<string, string> Form(string to = To, string body = "Your code is 123456", string? callback = null)
    {
        var form = new Dictionary<string, string> { ["To"] = to, ["From"] = SandboxEnvironment.TwilioFrom, ["Body"] = body };
        if (callback is not null)
        {
            form["StatusCallback"] = callback;
        }
        return form;
    }

    [Fact]
    public async Task Send_WithBasicAuth_Is201WithTwiliosMessageResource()
    {
        var (status, body) = await SendAsync(Form());

        Assert.Equal(HttpStatusCode.Created, status);
        var sid = body.GetProperty("sid").GetString()!;
        Assert.Matches("^SM[0-9a-f]{32}$", sid);
        Assert.Equal("queued", body.GetProperty("status").GetString());
        Assert.Equal("1", body.GetProperty("num_segments").GetString());
        Assert.Equal(SandboxEnvironment.TwilioAccountSid, body.GetProperty("account_sid").GetString());
        Assert.Equal(To, body.GetProperty("to").GetString());
        Assert.Equal($"/2010-04-01/Accounts/{SandboxEnvironment.TwilioAccountSid}/Messages/{sid}.json", body.GetProperty("uri").GetString());
        var call = Assert.Single(_f.Sandbox.Calls.List());
        Assert.Equal(("twilio", "sms", To, "Your code is 123456", 201, sid), (call.Provider, call.Channel, call.Recipient, call.Text, call.ResponseStatus, call.ProviderMessageId));
        Assert.True(call.AuthOk);
    }

    [Fact]
    public async Task Send_LongUnicodeBody_CountsSegments()
    {
        var (_, body) = await SendAsync(Form(body: "😜" + string.Concat(Enumerable.Repeat("1234567890", 7))));

        Assert.Equal("2", body.GetProperty("num_segments").GetString());
    }

    [Fact]
    public async Task Send_WrongAuthToken_Is401InTwiliosErrorFormat()
    {
        var (status, body) = await SendAsync(Form(), token: "0000000000000000000000000000000f");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(20003, body.GetProperty("code").GetInt32());
        Assert.Equal(401, body.GetProperty("status").GetInt32());
        Assert.False(Assert.Single(_f.Sandbox.Calls.List()).AuthOk);
    }

    [Fact]
    public async Task Send_NoAuthorization_Is401()
    {
        using var response = await _f.Http.PostAsync(_f.TwilioMessagesUrl, new FormUrlEncodedContent(Form()));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Basic", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Send_InvalidTo_Is400With21211()
    {
        var (status, body) = await SendAsync(Form(to: "555-1234"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(21211, body.GetProperty("code").GetInt32());
        Assert.Equal("https://www.twilio.com/docs/errors/21211", body.GetProperty("more_info").GetString());
    }

    [Fact]
    public async Task Send_TransientRule_Is503()
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Provider = "twilio", Response = SandboxResponse.Transient }]);

        var (status, body) = await SendAsync(Form());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(503, body.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Send_PermanentRuleForOneRecipient_Is400OnlyForThatRecipient()
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Provider = "twilio", To = To, Response = SandboxResponse.Permanent }]);

        var (blocked, _) = await SendAsync(Form());
        var (other, _) = await SendAsync(Form(to: "+14255550999"));

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.Created), (blocked, other));
    }

    [Theory]
    [InlineData(null, 21614, "'To' number is not a valid mobile number")]
    [InlineData(SandboxPermanentReason.Unsubscribed, 21610, "Attempt to send to unsubscribed recipient")]
    [InlineData(SandboxPermanentReason.Invalid, 21211, "Invalid 'To' Phone Number: " + To)]
    public async Task Send_PermanentRule_IsTwilios400ForTheReason(SandboxPermanentReason? reason, int code, string message)
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { To = To, Response = SandboxResponse.Permanent, Permanent = reason }]);

        var (status, body) = await SendAsync(Form());

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal((code, message), (body.GetProperty("code").GetInt32(), body.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task StatusCallback_IsPostedFormEncodedWithAValidTwilioSignature()
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { ReportDelayMs = 50 }]);
        var callback = new Uri(_f.ReceiverBase, "api/webhooks/twilio").ToString();

        var (_, sent) = await SendAsync(Form(callback: callback));

        var post = Assert.Single(await _f.WaitForReceivedAsync(1));
        Assert.Equal("/api/webhooks/twilio", post.PathAndQuery);
        Assert.StartsWith("application/x-www-form-urlencoded", post.Header("Content-Type"));
        var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(post.Body)).ToDictionary(p => p.Key, p => p.Value.ToString());
        Assert.Equal(sent.GetProperty("sid").GetString(), form["MessageSid"]);
        Assert.Equal("delivered", form["MessageStatus"]);
        Assert.Equal(To, form["To"]);
        var data = new StringBuilder(callback);
        foreach (var key in form.Keys.Order(StringComparer.Ordinal))
        {
            data.Append(key).Append(form[key]);
        }
        var expected = Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData(
            Encoding.UTF8.GetBytes(SandboxEnvironment.TwilioAuthToken), Encoding.UTF8.GetBytes(data.ToString())));
        Assert.Equal(expected, post.Header("X-Twilio-Signature"));
    }

    [Fact]
    public async Task StatusCallback_ReportFailedRule_IsUndeliveredWithAnErrorCode()
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Report = SandboxReport.Failed, ReportDelayMs = 0 }]);

        await SendAsync(Form(callback: new Uri(_f.ReceiverBase, "api/webhooks/twilio").ToString()));

        var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(Assert.Single(await _f.WaitForReceivedAsync(1)).Body));
        Assert.Equal("undelivered", form["MessageStatus"].ToString());
        Assert.Equal("30003", form["ErrorCode"].ToString());
    }

    [Fact]
    public void TwilioSignature_OfficialVector()
    {
        var parameters = new Dictionary<string, string>
        {
            ["CallSid"] = "CA1234567890ABCDE",
            ["From"] = "+14158675309",
            ["Digits"] = "1234",
            ["To"] = "+18005551212",
            ["Caller"] = "+14158675309",
        };

        Assert.Equal("RSOYDt4T1cUTdK1PDd93/VVr8B8=", TwilioSignature.Compute("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", parameters));
    }
}
