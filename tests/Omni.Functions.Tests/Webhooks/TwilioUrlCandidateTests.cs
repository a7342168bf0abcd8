using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Omni.Channels.Inbound;
using Omni.Functions.Webhooks;

namespace Omni.Functions.Tests.Webhooks;

/// <summary>
/// Which public URLs the Twilio signature is checked against, with Twilio's official vector V8 (twilio-csharp
/// RequestValidatorTest): signed over https://mycompany.com/myapp.php?foo=1&amp;bar=2 with auth token 12345. The request
/// reaches the handler as the Functions host proxies it: Host 127.0.0.1:{port}.
/// </summary>
public sealed class TwilioUrlCandidateTests
{
    private const string Token = "12345";
    private const string V8Signature = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

    private static readonly KeyValuePair<string, string>[] V8Params =
    [
        new("CallSid", "CA1234567890ABCDE"), new("From", "+14158675309"), new("Digits", "1234"),
        new("To", "+18005551212"), new("Caller", "+14158675309"),
    ];

    private static bool Verifies(Dictionary<string, string?> settings, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("127.0.0.1", 7071);
        context.Request.Path = "/myapp.php";
        context.Request.QueryString = new QueryString("?foo=1&bar=2");
        foreach (var (name, value) in headers)
        {
            context.Request.Headers.Append(name, value);
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return TwilioWebhook.IsValidFormRequest(Token, WebhooksApi.TwilioUrls(context.Request, configuration), V8Params, V8Signature);
    }

    [Theory]
    [InlineData("https://mycompany.com")]
    [InlineData("https://mycompany.com/")]
    [InlineData("https://mycompany.com:443")]
    public void ConfiguredPublicBaseUrl_Verifies(string baseUrl) =>
        Assert.True(Verifies(new() { ["Omni:PublicBaseUrl"] = baseUrl }));

    [Fact]
    public void AppServiceHostName_Verifies() =>
        Assert.True(Verifies(new() { ["Omni:PublicBaseUrl"] = "https://custom.example.org", ["WEBSITE_HOSTNAME"] = "mycompany.com" }));

    [Fact]
    public void HostOnlyInXForwardedHost_IsRefused() =>
        Assert.False(Verifies(new() { ["Omni:PublicBaseUrl"] = "https://omni.example.org" },
            ("X-Forwarded-Host", "mycompany.com"), ("X-Forwarded-Proto", "https")));

    [Theory]
    [InlineData("mycompany.com", true)]
    [InlineData("attacker.example, mycompany.com", true)]
    [InlineData("mycompany.com, omni.example.org", false)]
    public void TrustedForwardedHost_OnlyTheRightMostValue(string forwardedHost, bool verifies) =>
        Assert.Equal(verifies, Verifies(new() { ["Omni:PublicBaseUrl"] = "https://omni.example.org", ["Twilio:TrustForwardedHost"] = "true" },
            ("X-Forwarded-Host", forwardedHost), ("X-Forwarded-Proto", "https")));

    [Fact]
    public void TrustedForwardedHost_RepeatedHeaders_TheLastOneCounts()
    {
        var settings = new Dictionary<string, string?> { ["Twilio:TrustForwardedHost"] = "true" };
        Assert.False(Verifies(settings, ("X-Forwarded-Host", "mycompany.com"), ("X-Forwarded-Host", "proxy.example"), ("X-Forwarded-Proto", "https")));
        Assert.True(Verifies(settings, ("X-Forwarded-Host", "proxy.example"), ("X-Forwarded-Host", "mycompany.com"), ("X-Forwarded-Proto", "https")));
    }
}
