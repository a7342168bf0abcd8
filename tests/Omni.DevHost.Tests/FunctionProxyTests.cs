using Microsoft.Extensions.Logging;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Diagnostics;
using Omni.DevHost.Http;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Tests;

/// <summary>
/// The DevHost's HTTP side against a stand-in handler (a few lines of Node that report what they received), so the
/// proxy is checked on its own (keys: <see cref="FunctionKeysTests"/>): byte-exact bodies, verbatim query strings, Host rewritten, X-Forwarded-* added, and the
/// handler's response passed back untouched — what webhook signature checks depend on.
/// </summary>
public sealed class FunctionProxyTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("omni-proxy-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private DevHostServer? _server;

    public async Task InitializeAsync()
    {
        EchoHandlerApp.Write(_root, ("Webhook", "function", "\"get\", \"post\"", "hooks/{provider}"));
        await StartServerAsync(HandlerForwarder.HostActivityTimeout);
    }

    private async Task StartServerAsync(TimeSpan activityTimeout)
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _server = await DevHostServer.StartAsync(new DevHostOptions
        {
            AppRoot = _root,
            Port = 0,
            StorageConnectionString = "UseDevelopmentStorage=true",
            HandlerActivityTimeout = activityTimeout,
        }, logging => logging.AddFilter(level => level >= LogLevel.Warning));
        // The function is authLevel function: the caller sends the key, as in Azure.
        _server.Keys.AddTo(_http);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        Directory.Delete(_root, recursive: true);
    }

    private Uri Url(string relative) => new(_server!.BaseAddress, relative);

    [Fact]
    public async Task Post_ArbitraryBytes_HandlerReceivesThemExactlyWithPathAndQueryVerbatim()
    {
        // A BOM, invalid UTF-8 and a NUL: anything that re-encoding as text would change.
        byte[] body = [0xEF, 0xBB, 0xBF, (byte)'{', 0xFF, 0xFE, 0x00, (byte)'}'];
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await _http.PostAsync(Url("api/hooks/twilio?x=1&x=2&sig=a%2Bb"), content);
        using var seen = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(body, Convert.FromBase64String(seen.RootElement.GetProperty("body").GetString()!));
        Assert.Equal("POST", seen.RootElement.GetProperty("method").GetString());
        Assert.Equal("/api/hooks/twilio?x=1&x=2&sig=a%2Bb", seen.RootElement.GetProperty("url").GetString());
    }

    [Fact]
    public async Task Request_HostRewrittenAndPublicAddressForwarded()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url("api/hooks/meta"));
        request.Headers.Add("X-Hub-Signature-256", "sha256=abc");

        using var response = await _http.SendAsync(request);
        using var seen = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var headers = seen.RootElement.GetProperty("headers");

        Assert.StartsWith("127.0.0.1:", headers.GetProperty("host").GetString());
        Assert.NotEqual(_server!.BaseAddress.Authority, headers.GetProperty("host").GetString());
        Assert.Equal(_server.BaseAddress.Authority, headers.GetProperty("x-forwarded-host").GetString());
        Assert.Equal("http", headers.GetProperty("x-forwarded-proto").GetString());
        Assert.Equal("sha256=abc", headers.GetProperty("x-hub-signature-256").GetString());
        Assert.True(Guid.TryParse(headers.GetProperty("x-azure-functions-invocationid").GetString(), out _));
    }

    [Fact]
    public async Task Request_ClientForwardedHeaders_ReplacedByTheDevHostsOwnView()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url("api/hooks/meta"));
        request.Headers.Add("X-Forwarded-Host", "attacker.example");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        request.Headers.Add("X-Forwarded-Prefix", "/elsewhere");
        request.Headers.Add("Forwarded", "for=203.0.113.7;host=attacker.example;proto=https");
        request.Headers.Add("X-Azure-Functions-InvocationId", "client-chosen");
        request.Headers.Add("x-ms-invocation-id", "client-chosen");

        using var response = await _http.SendAsync(request);
        using var seen = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var headers = seen.RootElement.GetProperty("headers");

        var handler = await _server!.Handler.WaitUntilReadyAsync(CancellationToken.None);
        Assert.Equal(handler.Authority, headers.GetProperty("host").GetString());
        Assert.Equal(_server.BaseAddress.Authority, headers.GetProperty("x-forwarded-host").GetString());
        Assert.Equal("http", headers.GetProperty("x-forwarded-proto").GetString());
        Assert.Equal("127.0.0.1", headers.GetProperty("x-forwarded-for").GetString());
        Assert.False(headers.TryGetProperty("x-forwarded-prefix", out _));
        Assert.False(headers.TryGetProperty("forwarded", out _));
        var invocationId = headers.GetProperty("x-azure-functions-invocationid").GetString();
        Assert.True(Guid.TryParse(invocationId, out _));
        Assert.Equal(invocationId, headers.GetProperty("x-ms-invocation-id").GetString());
        Assert.Equal(DevHostServer.HostVersion, headers.GetProperty("x-azure-functions-hostversion").GetString());
    }

    [Fact]
    public async Task Request_HandlerListensAgainWithinTheRetries_Answered()
    {
        // Back after 200 ms, well inside the ~1.85 s of connect retries even on a loaded machine.
        using (var gone = await _http.GetAsync(Url("api/hooks/vanish?for=200")))
        {
            Assert.Equal(HttpStatusCode.OK, gone.StatusCode);
        }

        using var response = await _http.GetAsync(Url("api/hooks/acs"));

        Assert.Equal((HttpStatusCode)207, response.StatusCode);
    }

    [Fact]
    public async Task Request_HandlerRefusesConnections_BareStatus500AfterTheRetries()
    {
        using (var gone = await _http.GetAsync(Url("api/hooks/vanish")))
        {
            Assert.Equal(HttpStatusCode.OK, gone.StatusCode);
        }

        var clock = Stopwatch.StartNew();
        using var response = await _http.GetAsync(Url("api/hooks/acs"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        // Ten attempts 50, 100, 200, then 250 ms apart: 1.85 s of waiting before giving up.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.8), $"gave up after {clock.Elapsed}");
    }

    [Fact]
    public async Task Request_HandlerNeverAnswers_BareStatus500AtTheActivityTimeout()
    {
        await StartServerAsync(TimeSpan.FromSeconds(1));

        var clock = Stopwatch.StartNew();
        using var response = await _http.GetAsync(Url("api/hooks/hang"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"timed out after {clock.Elapsed}");
    }

    [Fact]
    public async Task Response_StatusAndHeadersPassedBackUnchanged()
    {
        using var response = await _http.GetAsync(Url("api/hooks/acs"));

        Assert.Equal((HttpStatusCode)207, response.StatusCode);
        Assert.Equal("stand-in", response.Headers.GetValues("x-handler").Single());
    }

    [Fact]
    public async Task MethodNotInFunctionJson_NotProxied()
    {
        using var response = await _http.DeleteAsync(Url("api/hooks/acs"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task RouteNotInAnyFunctionJson_Returns404()
    {
        using var response = await _http.GetAsync(Url("api/elsewhere"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task ServiceBusSend_UnknownQueue_Returns404Problem()
    {
        using var response = await _http.PostAsync(Url("anything/messages"), new StringContent("{}"));

        // No trigger names the queue and queues.json is not given: the queue does not exist.
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(_server!.ServiceBus.Queues);
    }
}
