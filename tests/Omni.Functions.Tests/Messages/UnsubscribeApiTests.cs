using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Omni.Channels.Outbound;
using Omni.Core.Contacts;

namespace Omni.Functions.Tests.Messages;

/// <summary>The one-click unsubscribe target of marketing email (RFC 8058) through the app, on Azurite.</summary>
public sealed class UnsubscribeApiTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private const string Secret = "unsubscribe-test-secret-0123456789";
    private readonly FunctionAppFactory _factory;
    private readonly WebApplicationFactory<Program> _app;
    private readonly HttpClient _http;

    public UnsubscribeApiTests(AzuriteFixture storage)
    {
        _factory = new FunctionAppFactory { StorageConnectionString = storage.ConnectionString };
        _app = _factory.WithWebHostBuilder(b => b.UseSetting("Omni:UnsubscribeSecret", Secret));
        _http = _app.CreateClient();
    }

    public void Dispose()
    {
        _http.Dispose();
        _app.Dispose();
        _factory.Dispose();
    }

    private async Task<string> CreateContactWithMarketingAsync()
    {
        var id = "c-" + Guid.NewGuid().ToString("N")[..12];
        var created = await _http.PutAsync($"/api/contacts/{id}", new StringContent($$"""{ "addresses": { "email": { "value": "{{id}}@example.com" } } }""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        foreach (var channel in new[] { "email", "sms" })
        {
            var consent = await _http.PostAsync($"/api/contacts/{id}/consent", new StringContent(
                $$"""{ "channel": "{{channel}}", "category": "marketing", "state": "opted-in", "source": "form", "byContact": true, "evidence": "signup", "actor": "web" }""",
                Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, consent.StatusCode);
        }
        return id;
    }

    private async Task<(string Email, string Sms, int Events)> MarketingConsentAsync(string id)
    {
        using var doc = JsonDocument.Parse(await _http.GetStringAsync($"/api/contacts/{id}/consent"));
        string State(string channel) => doc.RootElement.GetProperty("current").EnumerateArray()
            .First(c => c.GetProperty("channel").GetString() == channel && c.GetProperty("category").GetString() == "marketing")
            .GetProperty("state").GetString()!;
        return (State("email"), State("sms"), doc.RootElement.GetProperty("history").GetArrayLength());
    }

    [Fact]
    public async Task Get_ShowsAConfirmationPage_AndChangesNothing()
    {
        var id = await CreateContactWithMarketingAsync();
        var token = new UnsubscribeToken(Secret).Create(id, Channel.Email, "marketing");

        var page = await _http.GetAsync($"/api/unsubscribe/{token}");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<form method=\"post\"", html, StringComparison.Ordinal);
        Assert.Equal(("opted-in", "opted-in", 2), await MarketingConsentAsync(id));
    }

    [Fact]
    public async Task OneClickPost_OptsOutOfMarketingEmailOnly_Once()
    {
        var id = await CreateContactWithMarketingAsync();
        var token = new UnsubscribeToken(Secret).Create(id, Channel.Email, "marketing");
        var form = () => new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]);

        var first = await _http.PostAsync($"/api/unsubscribe/{token}", form());
        var second = await _http.PostAsync($"/api/unsubscribe/{token}", form());

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(("opted-out", "opted-in", 3), await MarketingConsentAsync(id));
        using var doc = JsonDocument.Parse(await _http.GetStringAsync($"/api/contacts/{id}/consent"));
        var last = doc.RootElement.GetProperty("history").EnumerateArray().Last();
        Assert.Equal("RFC 8058 one-click unsubscribe (List-Unsubscribe-Post)", last.GetProperty("evidence").GetString());
        Assert.True(last.GetProperty("byContact").GetBoolean());
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("")]
    public async Task InvalidOrForgedToken_Is400_AndChangesNothing(string suffix)
    {
        var id = await CreateContactWithMarketingAsync();
        var forged = new UnsubscribeToken("another-secret-0123456789abcdef").Create(id, Channel.Email, "marketing");
        foreach (var token in new[] { forged, forged[..^2] + "AA", "x" + suffix })
        {
            var response = await _http.PostAsync($"/api/unsubscribe/{token}", new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        Assert.Equal(("opted-in", "opted-in", 2), await MarketingConsentAsync(id));
    }
}
