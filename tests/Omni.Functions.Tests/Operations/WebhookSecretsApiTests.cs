using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Omni.Channels;
using Omni.Channels.Outbound;
using Omni.Core.Content;
using Omni.Core.Contacts;
using Omni.Core.Routing;
using Omni.Functions.Tests.Telemetry;

namespace Omni.Functions.Tests.Operations;

/// <summary>
/// Handing a contact webhook's receiver its secret: the contact write that sets the address answers it once, and
/// <c>POST /api/ops/webhook-secrets</c> re-issues it. Checked against a post Omni's own WebhookSender signs (the receiver
/// is a stand-in at the network edge). The admin key requirement is the host's (functions/WebhookSecrets/function.json),
/// exercised end to end in Omni.EndToEnd.Tests.
/// </summary>
public sealed class WebhookSecretsApiTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private const string Master = "webhooks-master-secret-0123456789abcdef";
    private const string OldMaster = "webhooks-old-master-secret-0123456789ab";

    private readonly FunctionAppFactory _factory;
    private readonly CapturingLoggerProvider _logs = new();

    public WebhookSecretsApiTests(AzuriteFixture storage) =>
        _factory = new FunctionAppFactory { StorageConnectionString = storage.ConnectionString };

    public void Dispose() => _factory.Dispose();

    private HttpClient Client(string? signingSecret = Master) => _factory.WithWebHostBuilder(b =>
    {
        if (signingSecret is not null)
        {
            b.UseSetting("Webhooks:SigningSecret", signingSecret);
        }
        b.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(_logs));
    }).CreateClient();

    private static StringContent Json(string json, string mediaType = "application/json") => new(json, Encoding.UTF8, mediaType);

    private static StringContent WithWebhook(string url, string? displayName = null, string mediaType = "application/json") =>
        Json(displayName is null
            ? JsonSerializer.Serialize(new { addresses = new { webhook = new { value = url } } })
            : JsonSerializer.Serialize(new { displayName, addresses = new { webhook = new { value = url } } }), mediaType);

    private static string NewId() => "c-" + Guid.NewGuid().ToString("N")[..12];

    private static string Hook() => $"https://receiver.example.com/omni/{Guid.NewGuid():N}";

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private static async Task<(string? Secret, string? Previous)> IssueAsync(HttpClient http, string url)
    {
        using var response = await http.PostAsync("/api/ops/webhook-secrets", Json(JsonSerializer.Serialize(new { url })));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var body = await BodyAsync(response);
        Assert.Equal(url, body.GetProperty("url").GetString());
        return (body.GetProperty("secret").GetString(), body.GetProperty("previous").GetString());
    }

    /// <summary>What the receiver at <paramref name="url"/> gets when Omni posts to it: body and headers, signed by the real sender.</summary>
    private static async Task<HttpRequestMessage> ReceivedPostAsync(string url, string setting)
    {
        var receiver = new CapturingHandler();
        var sender = new WebhookSender(new WebhookOptions { SigningSecret = setting, AllowPrivateTargets = true }, new HttpClient(receiver),
            NullLogger<WebhookSender>.Instance, TimeProvider.System);
        var result = await sender.SendAsync(new ChannelSendRequest("msg-1", 0, Channel.Webhook, url, new RenderedContent("Your parcel is here"),
            "transactional", Urgency.Normal, "contact-1", null, []), CancellationToken.None);
        Assert.Equal(SendOutcome.Accepted, result.Outcome);
        return receiver.Received!;
    }

    private static async Task<bool> VerifiesAsync(string secret, HttpRequestMessage post)
    {
        string Header(string name) => post.Headers.GetValues(name).Single();
        var body = await post.Content!.ReadAsByteArrayAsync();
        return StandardWebhook.Verify(secret, Header(StandardWebhook.IdHeader), Header(StandardWebhook.TimestampHeader), Header(StandardWebhook.SignatureHeader), body);
    }

    [Fact]
    public async Task ContactWrite_NewWebhookAddress_AnswersItsSecretOnce_AndItVerifiesOmnisPost()
    {
        using var http = Client();
        var id = NewId();
        var url = Hook();

        using var created = await http.PutAsync($"/api/contacts/{id}", WithWebhook(url));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("no-store", created.Headers.CacheControl?.ToString());
        var secret = (await BodyAsync(created)).GetProperty("webhookSecret").GetString()!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);

        using var unchanged = await http.PutAsync($"/api/contacts/{id}", WithWebhook(url, "Ada"));
        Assert.Equal(HttpStatusCode.OK, unchanged.StatusCode);
        Assert.False((await BodyAsync(unchanged)).TryGetProperty("webhookSecret", out _));
        using var read = await http.GetAsync($"/api/contacts/{id}");
        Assert.False((await BodyAsync(read)).TryGetProperty("webhookSecret", out _));

        var post = await ReceivedPostAsync(url, Master);
        Assert.True(await VerifiesAsync(secret, post));
        Assert.Equal((secret, null), await IssueAsync(http, url));
    }

    [Fact]
    public async Task ContactPatch_ChangedWebhookAddress_AnswersTheNewUrlsSecret_OtherFieldsDoNot()
    {
        using var http = Client();
        var id = NewId();
        using var created = await http.PutAsync($"/api/contacts/{id}", WithWebhook(Hook()));
        var first = (await BodyAsync(created)).GetProperty("webhookSecret").GetString();
        var moved = Hook();

        using var renamed = await http.PatchAsync($"/api/contacts/{id}", Json("""{"displayName":"Ada"}""", "application/merge-patch+json"));
        using var changed = await http.PatchAsync($"/api/contacts/{id}", WithWebhook(moved, mediaType: "application/merge-patch+json"));

        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.False((await BodyAsync(renamed)).TryGetProperty("webhookSecret", out _));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var second = (await BodyAsync(changed)).GetProperty("webhookSecret").GetString()!;
        Assert.NotEqual(first, second);
        Assert.True(await VerifiesAsync(second, await ReceivedPostAsync(moved, Master)));
    }

    [Fact]
    public async Task Issue_AnotherUrlsSecret_DoesNotVerify()
    {
        using var http = Client();
        var url = Hook();
        var (other, _) = await IssueAsync(http, Hook());
        var (own, _) = await IssueAsync(http, url);

        var post = await ReceivedPostAsync(url, Master);

        Assert.True(await VerifiesAsync(own!, post));
        Assert.False(await VerifiesAsync(other!, post));
    }

    [Fact]
    public async Task Issue_WhileRotating_AnswersCurrentAndPrevious_BothVerify()
    {
        using var http = Client($"{Master} {OldMaster}");
        var url = Hook();

        var (current, previous) = await IssueAsync(http, url);
        var post = await ReceivedPostAsync(url, $"{Master} {OldMaster}");

        Assert.NotNull(previous);
        Assert.NotEqual(current, previous);
        Assert.True(await VerifiesAsync(current!, post));
        Assert.True(await VerifiesAsync(previous!, post));
        Assert.False(await VerifiesAsync(previous!, await ReceivedPostAsync(url, Master)));
    }

    [Theory]
    [InlineData("""{}""", 400)]
    [InlineData("""{"url":"http://receiver.example.com/hook"}""", 400)]
    [InlineData("""{"url":"not a url"}""", 400)]
    [InlineData("""{"url":"https://receiver.example.com/hook","extra":1}""", 400)]
    [InlineData("""[1]""", 400)]
    public async Task Issue_BadInput_IsAProblem(string body, int status)
    {
        using var http = Client();

        using var response = await http.PostAsync("/api/ops/webhook-secrets", Json(body));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Issue_NoMasterSecret_Is409()
    {
        using var http = Client(signingSecret: null);

        using var response = await http.PostAsync("/api/ops/webhook-secrets", Json($$"""{"url":"{{Hook()}}"}"""));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Secrets_NeverAppearInTheLogs()
    {
        using var http = Client($"{Master} {OldMaster}");
        var url = Hook();
        using var created = await http.PutAsync($"/api/contacts/{NewId()}", WithWebhook(url));
        var (current, previous) = await IssueAsync(http, url);

        Assert.DoesNotContain(_logs.Entries, e => e.Message.Contains(current!, StringComparison.Ordinal) || e.Message.Contains(previous!, StringComparison.Ordinal)
            || e.Message.Contains(Master, StringComparison.Ordinal) || e.Message.Contains("whsec_", StringComparison.Ordinal));
    }

    private sealed class CapturingHandler : HttpMessageHandler
    {
        public HttpRequestMessage? Received { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            // Keep a copy: the sender disposes its message once answered.
            var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Content = new ByteArrayContent(await request.Content!.ReadAsByteArrayAsync(cancellationToken)) };
            foreach (var header in request.Headers)
            {
                copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
            Received = copy;
            return new HttpResponseMessage(HttpStatusCode.NoContent);
        }
    }
}
