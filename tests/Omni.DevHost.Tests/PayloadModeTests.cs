using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Omni.DevHost.Tests;

/// <summary>
/// With request proxying off in host.json the DevHost invokes HTTP functions in payload mode, as the host does: the
/// handler gets <c>POST /{FunctionName}</c> with the request inside <c>Data.req</c>, and the caller gets what the
/// handler's <c>Outputs.res</c> says — or the host's bare 500 when the handler's answer is not a usable envelope (what
/// Omni's handler answers on purpose, since it needs proxying).
/// </summary>
public sealed class PayloadModeTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("omni-payload-mode-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private DevHostServer? _server;

    public async Task InitializeAsync()
    {
        EchoHandlerApp.Write(_root, proxying: false,
            ("Webhook", "anonymous", "\"post\"", "hooks/{provider}"),
            ("Refuse", "anonymous", "\"get\"", "refuse"));
        _server = await DevHostServer.StartAsync(new DevHostOptions
        {
            AppRoot = _root,
            Port = 0,
            StorageConnectionString = "UseDevelopmentStorage=true",
        }, logging => logging.AddFilter(level => level >= LogLevel.Warning));
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

    [Fact]
    public async Task Post_ProxyingOff_HandlerGetsTheHostsEnvelopeAndTheCallerItsOutput()
    {
        using var content = new StringContent("""{"text":"hi"}""", Encoding.UTF8, "application/json");

        using var response = await _http.PostAsync(new Uri(_server!.BaseAddress, "api/hooks/acs?x=1&x=2"), content);
        using var seen = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        using var envelope = JsonDocument.Parse(Convert.FromBase64String(seen.RootElement.GetProperty("body").GetString()!));
        var req = envelope.RootElement.GetProperty("Data").GetProperty("req");

        Assert.Equal((HttpStatusCode)207, response.StatusCode);
        Assert.Equal("stand-in", response.Headers.GetValues("x-handler").Single());
        Assert.Equal("/Webhook", seen.RootElement.GetProperty("url").GetString());
        Assert.Equal("POST", req.GetProperty("Method").GetString());
        Assert.EndsWith("/api/hooks/acs?x=1&x=2", req.GetProperty("Url").GetString(), StringComparison.Ordinal);
        Assert.Equal("1,2", req.GetProperty("Query").GetProperty("x").GetString());
        Assert.Equal("acs", req.GetProperty("Params").GetProperty("provider").GetString());
        Assert.Equal(JsonValueKind.Array, req.GetProperty("Headers").GetProperty("Content-Type").ValueKind);
        Assert.Equal("""{"text":"hi"}""", req.GetProperty("Body").GetString());
        Assert.Equal("Webhook", envelope.RootElement.GetProperty("Metadata").GetProperty("sys").GetProperty("MethodName").GetString());
    }

    [Fact]
    public async Task Get_HandlerAnswersNon2xx_CallerGetsTheHostsBare500()
    {
        using var response = await _http.GetAsync(new Uri(_server!.BaseAddress, "api/refuse"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }
}
