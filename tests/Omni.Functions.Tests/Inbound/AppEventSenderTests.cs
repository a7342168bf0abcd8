using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Omni.Channels.Outbound;
using Omni.Functions.Inbound;
using Omni.Hosting;

namespace Omni.Functions.Tests.Inbound;

/// <summary>SendAppEvent: the signed POST to AppEvents__Url, with an HttpMessageHandler standing in for the app's endpoint.</summary>
public sealed class AppEventSenderTests
{
    private const string Secret = "app-events-test-secret";
    private const string WebhooksSecret = "contact-webhooks-master-secret";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"id":"acs:1","kind":"message","provider":"acs","channel":"sms","text":"héllo","contactId":"c-1"}""");

    private sealed class Endpoint : HttpMessageHandler
    {
        public Queue<Func<HttpResponseMessage>> Answers { get; } = new();
        public List<(HttpRequestMessage Request, byte[] Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((request, await request.Content!.ReadAsByteArrayAsync(cancellationToken)));
            return Answers.Count > 0 ? Answers.Dequeue()() : new HttpResponseMessage(HttpStatusCode.NoContent);
        }
    }

    private sealed class Factory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }

    private static (SendAppEventFunction Function, Endpoint Endpoint, FakeTimeProvider Clock) Create(string? url = "https://app.example.com/events", string? secret = Secret)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AppEvents:Url"] = url,
            ["AppEvents:SigningSecret"] = secret,
            ["Webhooks:SigningSecret"] = WebhooksSecret,
        }).Build();
        var endpoint = new Endpoint();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 5, 4, 10, 0, 0, TimeSpan.Zero));
        var sender = new AppEventSender(InboundSettings.FromConfiguration(config), WebhookOptions.FromConfiguration(config), new Factory(endpoint), clock,
            NullLogger<AppEventSender>.Instance);
        return (new SendAppEventFunction(sender), endpoint, clock);
    }

    private static ServiceBusTriggerMessage Delivery(int count = 1) => new() { Body = Body, MessageId = "acs:1", DeliveryCount = count };

    [Fact]
    public async Task Send_PostsTheExactBytes_SignedLikeOutboundWebhooks()
    {
        var (function, endpoint, clock) = Create();

        await function.RunAsync(Delivery(), CancellationToken.None);

        var (request, body) = Assert.Single(endpoint.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(new Uri("https://app.example.com/events"), request.RequestUri);
        Assert.Equal(Body, body);
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        Assert.Equal("acs:1", request.Headers.GetValues("X-Omni-Event-Id").Single());
        var signature = request.Headers.GetValues("X-Omni-Signature").Single();
        var t = clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(t + ".").Concat(Body).ToArray()));
        Assert.Equal($"t={t},v1={expected}", signature);
        Assert.Equal("acs:1", request.Headers.GetValues("webhook-id").Single());
        Assert.Equal(t, request.Headers.GetValues("webhook-timestamp").Single());
    }

    [Fact]
    public async Task Send_VerifiesOnlyWithTheAppEventsSecret_NeverAContactWebhooksSecret()
    {
        var (function, endpoint, _) = Create();

        await function.RunAsync(Delivery(), CancellationToken.None);

        var (request, body) = Assert.Single(endpoint.Requests);
        Assert.True(Verifies(request, body, Secret));
        Assert.False(Verifies(request, body, WebhooksSecret));
        Assert.False(Verifies(request, body, StandardWebhook.DeriveTargetSecret(WebhooksSecret, request.RequestUri!)));
    }

    [Fact]
    public async Task Send_RotatingSecret_SignsWithCurrentAndPrevious()
    {
        var (function, endpoint, _) = Create(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw " + Secret);

        await function.RunAsync(Delivery(), CancellationToken.None);

        var (request, body) = Assert.Single(endpoint.Requests);
        Assert.Equal(2, request.Headers.GetValues("webhook-signature").Single().Split(' ').Length);
        Assert.True(Verifies(request, body, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        Assert.True(Verifies(request, body, Secret));
    }

    private static bool Verifies(HttpRequestMessage request, byte[] body, string secret) =>
        StandardWebhook.Verify(secret, request.Headers.GetValues("webhook-id").Single(), request.Headers.GetValues("webhook-timestamp").Single(),
            request.Headers.GetValues("webhook-signature").Single(), body);

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.MovedPermanently)]
    public async Task Send_NonSuccess_Throws_SoServiceBusRetries_ThenSucceeds(HttpStatusCode status)
    {
        var (function, endpoint, _) = Create();
        endpoint.Answers.Enqueue(() => new HttpResponseMessage(status));

        await Assert.ThrowsAsync<AppEventDeliveryException>(() => function.RunAsync(Delivery(1), CancellationToken.None));
        await function.RunAsync(Delivery(2), CancellationToken.None);

        Assert.Equal(2, endpoint.Requests.Count);
        Assert.Equal(endpoint.Requests[0].Body, endpoint.Requests[1].Body);
    }

    [Fact]
    public async Task Send_NetworkError_Throws()
    {
        var (function, endpoint, _) = Create();
        endpoint.Answers.Enqueue(() => throw new HttpRequestException(HttpRequestError.ConnectionError, "refused"));

        await Assert.ThrowsAsync<AppEventDeliveryException>(() => function.RunAsync(Delivery(), CancellationToken.None));
    }

    [Fact]
    public async Task Send_WithoutSigningSecret_NeverPostsUnsigned()
    {
        var (function, endpoint, _) = Create(secret: null);

        await Assert.ThrowsAsync<AppEventDeliveryException>(() => function.RunAsync(Delivery(), CancellationToken.None));
        Assert.Empty(endpoint.Requests);
    }

    [Fact]
    public async Task Send_PlainHttpTarget_RefusedUnlessPrivateTargetsAllowed()
    {
        var (function, endpoint, _) = Create(url: "http://app.example.com/events");

        await Assert.ThrowsAsync<AppEventDeliveryException>(() => function.RunAsync(Delivery(), CancellationToken.None));
        Assert.Empty(endpoint.Requests);
    }

    [Fact]
    public async Task Send_UrlUnset_CompletesWithoutPosting()
    {
        var (function, endpoint, _) = Create(url: null);

        await function.RunAsync(Delivery(), CancellationToken.None);

        Assert.Empty(endpoint.Requests);
    }

    [Fact]
    public void Settings_InvalidUrl_FailsAtStartup()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AppEvents:Url"] = "not a url" }).Build();

        Assert.Throws<InvalidOperationException>(() => InboundSettings.FromConfiguration(config));
    }
}
