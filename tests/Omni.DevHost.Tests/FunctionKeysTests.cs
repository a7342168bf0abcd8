using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Omni.DevHost.Http;

namespace Omni.DevHost.Tests;

/// <summary>
/// Function keys as the Functions host checks them before proxying, against a stand-in handler: anonymous needs none,
/// function the function key or the master key, admin the master key; <c>x-functions-key</c> or <c>code</c>; otherwise
/// 401 with an empty body. <c>--no-keys</c> (<see cref="DevHostOptions.RequireKeys"/> false) lets everything through.
/// </summary>
public sealed class FunctionKeysTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("omni-keys-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly List<DevHostServer> _servers = [];

    public Task InitializeAsync()
    {
        EchoHandlerApp.Write(_root,
            ("Open", "anonymous", "\"get\"", "open"),
            ("Api", "function", "\"get\"", "things"),
            ("Ops", "admin", "\"get\"", "ops"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
        Directory.Delete(_root, recursive: true);
    }

    private async Task<DevHostServer> StartAsync(Func<DevHostOptions, DevHostOptions>? configure = null)
    {
        var options = new DevHostOptions
        {
            AppRoot = _root,
            Port = 0,
            StorageConnectionString = "UseDevelopmentStorage=true",
            LocalSettingsFile = Path.Combine(_root, "local.settings.json"),
        };
        var server = await DevHostServer.StartAsync(configure is null ? options : configure(options),
            logging => logging.AddFilter(level => level >= LogLevel.Warning));
        _servers.Add(server);
        return server;
    }

    private async Task<HttpResponseMessage> GetAsync(DevHostServer server, string relative, string? headerKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, relative));
        if (headerKey is not null)
        {
            request.Headers.Add(FunctionKeys.HeaderName, headerKey);
        }
        return await _http.SendAsync(request);
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> AssertProxiedAsync(HttpResponseMessage response)
    {
        Assert.Equal((HttpStatusCode)207, response.StatusCode);
        using var seen = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return seen.RootElement.Clone();
    }

    [Fact]
    public async Task AnonymousFunction_NoKey_Proxied()
    {
        var server = await StartAsync();

        using var response = await GetAsync(server, "api/open");

        await AssertProxiedAsync(response);
    }

    [Fact]
    public async Task FunctionLevel_NoKey_Returns401WithEmptyBody()
    {
        var server = await StartAsync();

        using var response = await GetAsync(server, "api/things");

        await AssertRefusedAsync(response);
    }

    [Fact]
    public async Task FunctionLevel_WrongKeyInHeaderOrCode_Returns401()
    {
        var server = await StartAsync();

        using var header = await GetAsync(server, "api/things", headerKey: "not-the-key");
        using var code = await GetAsync(server, "api/things?code=not-the-key");

        await AssertRefusedAsync(header);
        await AssertRefusedAsync(code);
    }

    [Fact]
    public async Task FunctionLevel_FunctionKeyInHeader_ProxiedWithTheKeyStillOnIt()
    {
        var server = await StartAsync();

        using var response = await GetAsync(server, "api/things", headerKey: FunctionKeys.DefaultFunctionKey);

        var seen = await AssertProxiedAsync(response);
        Assert.Equal(FunctionKeys.DefaultFunctionKey, seen.GetProperty("headers").GetProperty(FunctionKeys.HeaderName).GetString());
    }

    [Fact]
    public async Task FunctionLevel_FunctionKeyInCode_ProxiedWithTheCodeStillOnIt()
    {
        var server = await StartAsync();

        using var response = await GetAsync(server, $"api/things?x=1&code={FunctionKeys.DefaultFunctionKey}");

        var seen = await AssertProxiedAsync(response);
        Assert.Equal($"/api/things?x=1&code={FunctionKeys.DefaultFunctionKey}", seen.GetProperty("url").GetString());
    }

    [Fact]
    public async Task FunctionLevel_WrongHeaderAndRightCode_Returns401BecauseTheHeaderWins()
    {
        var server = await StartAsync();

        using var response = await GetAsync(server, $"api/things?code={FunctionKeys.DefaultFunctionKey}", headerKey: "not-the-key");

        await AssertRefusedAsync(response);
    }

    [Fact]
    public async Task AdminLevel_FunctionKey_Returns401()
    {
        var server = await StartAsync();

        using var response = await GetAsync(server, "api/ops", headerKey: FunctionKeys.DefaultFunctionKey);

        await AssertRefusedAsync(response);
    }

    [Fact]
    public async Task MasterKey_AdminAndFunctionLevel_Proxied()
    {
        var server = await StartAsync();

        using var admin = await GetAsync(server, "api/ops", headerKey: FunctionKeys.DefaultMasterKey);
        using var function = await GetAsync(server, $"api/things?code={FunctionKeys.DefaultMasterKey}");

        await AssertProxiedAsync(admin);
        await AssertProxiedAsync(function);
    }

    [Fact]
    public async Task NoKeys_FunctionAndAdminLevelWithoutKey_Proxied()
    {
        var server = await StartAsync(o => o with { RequireKeys = false });

        using var function = await GetAsync(server, "api/things");
        using var admin = await GetAsync(server, "api/ops");

        await AssertProxiedAsync(function);
        await AssertProxiedAsync(admin);
        Assert.Equal("not checked (--no-keys): every /api route answers without a function key", server.Keys.Describe());
    }

    [Fact]
    public async Task LocalSettingsKeys_ReplaceTheDefaults_AndAreNotPrintedInTheBanner()
    {
        File.WriteAllText(Path.Combine(_root, "local.settings.json"), $$"""
            { "Values": { "{{FunctionKeys.FunctionKeySetting}}": "my-function-key", "{{FunctionKeys.MasterKeySetting}}": "my-master-key" } }
            """);
        var server = await StartAsync();

        using var defaultKey = await GetAsync(server, "api/things", headerKey: FunctionKeys.DefaultFunctionKey);
        using var defaultMaster = await GetAsync(server, "api/ops", headerKey: FunctionKeys.DefaultMasterKey);
        using var function = await GetAsync(server, "api/things", headerKey: "my-function-key");
        using var admin = await GetAsync(server, "api/ops?code=my-master-key");

        await AssertRefusedAsync(defaultKey);
        await AssertRefusedAsync(defaultMaster);
        await AssertProxiedAsync(function);
        await AssertProxiedAsync(admin);
        Assert.DoesNotContain("my-", server.Keys.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExplicitOptionKeys_WinOverLocalSettings()
    {
        File.WriteAllText(Path.Combine(_root, "local.settings.json"), $$"""{ "Values": { "{{FunctionKeys.FunctionKeySetting}}": "from-settings" } }""");
        var server = await StartAsync(o => o with { FunctionKey = "from-options" });

        using var settings = await GetAsync(server, "api/things", headerKey: "from-settings");
        using var options = await GetAsync(server, "api/things", headerKey: "from-options");

        await AssertRefusedAsync(settings);
        await AssertProxiedAsync(options);
    }
}
