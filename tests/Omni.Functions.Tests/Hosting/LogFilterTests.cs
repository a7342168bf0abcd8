using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Omni.Functions.Tests.Telemetry;

namespace Omni.Functions.Tests.Hosting;

/// <summary>
/// Request URLs stay out of the logs: a contact's webhook URL (often a bearer-like secret in its path) through the
/// handler's HttpClient, and the incoming request lines of the handler and of the Functions host (host.json).
/// </summary>
public sealed class LogFilterTests : IDisposable
{
    private readonly FunctionAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Theory]
    [InlineData("webhooks")]
    [InlineData("twilio")]
    public async Task NamedHttpClient_SendingARequest_LogsNoUrl(string client)
    {
        var logs = new CapturingLoggerProvider();
        using var factory = _factory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(logs)));
        _ = factory.Server;
        const string token = "whk-path-token-5f2d9a";
        var http = factory.Services.GetRequiredService<IHttpClientFactory>().CreateClient(client);

        // Port 9 on loopback: refused (the webhook client also refuses private targets); only the logging matters.
        await Assert.ThrowsAnyAsync<Exception>(() => http.PostAsync($"https://127.0.0.1:9/hooks/{token}?sig={token}", new StringContent("{}")));
        factory.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Omni.Test").LogInformation("probe");

        Assert.Contains(logs.Entries, e => e.Message == "probe"); // the provider does receive Information entries
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains(token, StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Category.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal));
    }

    [Fact]
    public async Task IncomingRequest_WithAnAddressInItsQuery_IsNotLogged()
    {
        var logs = new CapturingLoggerProvider();
        using var factory = _factory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(logs)));

        using var response = await factory.CreateClient().GetAsync("/api/contacts?address=%2B447400987654");

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("447400987654", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Level < LogLevel.Warning && e.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DependencyUnavailableWarning_NamesTheRouteNotThePath()
    {
        // Storage is unreachable in this factory: the request fails with a 503 and the handler logs a warning.
        var logs = new CapturingLoggerProvider();
        using var factory = _factory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(logs)));
        const string id = "contact-id-7c41e9";

        using var response = await factory.CreateClient().GetAsync($"/api/contacts/{id}");

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var warning = Assert.Single(logs.Entries, e => e.Category.EndsWith("DependencyUnavailableHandler", StringComparison.Ordinal));
        Assert.Contains("/api/contacts/{id}", warning.Message);
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains(id, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Yarp")] // the host forwards proxied requests with YARP, which logs "Proxying to <url with query>"
    [InlineData("System.Net.Http.HttpClient")]
    [InlineData("Microsoft.AspNetCore")]
    public void HostJson_KeepsRequestUrlCategoriesAtWarning(string category)
    {
        var host = JsonNode.Parse(File.ReadAllText(FunctionAppLayoutTests.RepositoryFile("host.json")))!;
        var levels = host["logging"]!["logLevel"]!.AsObject();

        Assert.True(levels.TryGetPropertyValue(category, out var level), $"host.json logging.logLevel has no '{category}'");
        Assert.Contains(level!.GetValue<string>(), new[] { "Warning", "Error", "Critical", "None" });
    }
}
