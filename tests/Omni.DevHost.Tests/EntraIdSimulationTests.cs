using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Omni.DevHost.Http;

namespace Omni.DevHost.Tests;

/// <summary>
/// <c>--entra</c> against a stand-in handler: client-sent principal headers never reach the handler; keyed functions need
/// a simulated token (keys no longer count) and get the principal the platform would forward; anonymous ones need nothing.
/// </summary>
public sealed class EntraIdSimulationTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("omni-entra-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private DevHostServer _server = null!;

    public async Task InitializeAsync()
    {
        EchoHandlerApp.Write(_root,
            ("Open", "anonymous", "\"get\"", "open"),
            ("Api", "function", "\"get\"", "things"),
            ("Ops", "admin", "\"get\"", "ops"));
        _server = await DevHostServer.StartAsync(new DevHostOptions
        {
            AppRoot = _root,
            Port = 0,
            StorageConnectionString = "UseDevelopmentStorage=true",
            LocalSettingsFile = Path.Combine(_root, "local.settings.json"),
            EntraId = true,
        }, logging => logging.AddFilter(level => level >= LogLevel.Warning));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private async Task<HttpResponseMessage> GetAsync(string relative, string? token = null, bool forge = false, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_server.BaseAddress, relative));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (forge)
        {
            foreach (var (name, value) in EntraIdSimulation.PrincipalHeaders("intruder", ["Operations"]))
            {
                request.Headers.Add(name, value);
            }
            request.Headers.Add("X-MS-TOKEN-AAD-ACCESS-TOKEN", "forged");
        }
        if (key is not null)
        {
            request.Headers.Add(FunctionKeys.HeaderName, key);
        }
        return await _http.SendAsync(request);
    }

    private static async Task<JsonElement> HeadersSeenAsync(HttpResponseMessage response)
    {
        Assert.Equal((HttpStatusCode)207, response.StatusCode);
        using var seen = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return seen.RootElement.GetProperty("headers").Clone();
    }

    [Fact]
    public async Task Anonymous_ForgedPrincipal_ProxiedWithoutIt()
    {
        using var response = await GetAsync("api/open", forge: true);

        var headers = await HeadersSeenAsync(response);
        Assert.False(headers.TryGetProperty("x-ms-client-principal", out _));
        Assert.False(headers.TryGetProperty("x-ms-client-principal-name", out _));
        Assert.False(headers.TryGetProperty("x-ms-token-aad-access-token", out _));
    }

    [Fact]
    public async Task Keyed_NoTokenOrOnlyAKeyOrAnotherToken_Returns401WithEmptyBody()
    {
        foreach (var (token, key) in new (string?, string?)[] { (null, null), (null, FunctionKeys.DefaultMasterKey), ("eyJhbGciOi.real.jwt", null) })
        {
            using var response = await GetAsync("api/ops", token, forge: true, key: key);

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Keyed_SimulatedToken_ProxiedWithThePrincipalInsteadOfTheForgedOne()
    {
        using var response = await GetAsync("api/ops", EntraIdSimulation.Token("billing", "Contacts.Read", "Messages.Send"), forge: true);

        var headers = await HeadersSeenAsync(response);
        Assert.Equal("billing", headers.GetProperty("x-ms-client-principal-name").GetString());
        Assert.Equal("aad", headers.GetProperty("x-ms-client-principal-idp").GetString());
        Assert.False(headers.TryGetProperty("x-ms-token-aad-access-token", out _));
        using var principal = JsonDocument.Parse(Convert.FromBase64String(headers.GetProperty("x-ms-client-principal").GetString()!));
        var roles = principal.RootElement.GetProperty("claims").EnumerateArray()
            .Where(c => c.GetProperty("typ").GetString() == "roles").Select(c => c.GetProperty("val").GetString()).ToList();
        Assert.Equal(["Contacts.Read", "Messages.Send"], roles);
    }

    [Theory]
    [InlineData("Bearer devhost.shop.Messages.Send+Messages.Read", "shop", "Messages.Send|Messages.Read")]
    [InlineData("bearer devhost.audit.", "audit", "")]
    [InlineData("Bearer devhost..Messages.Send", null, null)]
    [InlineData("Bearer devhost.sh op.Messages.Send", null, null)]
    [InlineData("Bearer other.shop.Messages.Send", null, null)]
    [InlineData("Basic devhost.shop.Messages.Send", null, null)]
    [InlineData("Bearer devhost.shop.Messages.Send\"", null, null)]
    public void Read_ParsesOnlyWellFormedTokens(string authorization, string? app, string? roles)
    {
        var read = EntraIdSimulation.Read(authorization);

        Assert.Equal(app, read?.App);
        Assert.Equal(roles, read is { } r ? string.Join('|', r.Roles) : null);
    }
}
