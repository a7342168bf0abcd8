using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Omni.DevHost.Http;
using Omni.DevHost.Sandbox;

namespace Omni.EndToEnd.Tests;

/// <summary>A DevHost simulating App Service authentication in Entra ID mode (<c>--entra</c>).</summary>
public sealed class EntraIdDevHostFixture : DevHostFixture
{
    protected override bool EntraId => true;
}

/// <summary>
/// Caller roles through the DevHost, the real handler and Azurite: each endpoint needs its app role, a forged principal
/// header is stripped like the platform strips it, and provider webhooks and health still answer without a token.
/// </summary>
public sealed class EntraIdEndToEndTests(EntraIdDevHostFixture fixture) : IClassFixture<EntraIdDevHostFixture>
{
    private Uri Api(string relative) => new(fixture.Server.BaseAddress, "api/" + relative);

    private static HttpRequestMessage Request(HttpMethod method, Uri url, string? token, string? json = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return request;
    }

    private static string Message(string phone) => $$"""
        { "to": { "sms": "{{phone}}" }, "category": "transactional", "urgency": "high", "content": { "text": "Entra ID mode" } }
        """;

    private static async Task<string> DetailAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!;
    }

    [Fact]
    public async Task SendMessage_NeedsMessagesSend()
    {
        var phone = "+4474003" + Random.Shared.Next(0, 100_000).ToString("D5");

        using var noToken = await fixture.Http.SendAsync(Request(HttpMethod.Post, Api("messages"), token: null, Message(phone)));
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);

        using var reader = await fixture.Http.SendAsync(Request(HttpMethod.Post, Api("messages"), EntraIdSimulation.Token("crm", "Contacts.Read"), Message(phone)));
        Assert.Equal(HttpStatusCode.Forbidden, reader.StatusCode);
        Assert.Contains("Messages.Send", await DetailAsync(reader));

        using var sender = await fixture.Http.SendAsync(Request(HttpMethod.Post, Api("messages"), EntraIdSimulation.Token("shop", "Messages.Send"), Message(phone)));
        Assert.Equal(HttpStatusCode.Accepted, sender.StatusCode);
        var id = JsonDocument.Parse(await sender.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();

        // Reading the message log is its own role.
        using var unread = await fixture.Http.SendAsync(Request(HttpMethod.Get, Api($"messages/{id}"), EntraIdSimulation.Token("shop", "Messages.Send")));
        Assert.Equal(HttpStatusCode.Forbidden, unread.StatusCode);
        using var read = await fixture.Http.SendAsync(Request(HttpMethod.Get, Api($"messages/{id}"), EntraIdSimulation.Token("shop", "Messages.Send", "Messages.Read")));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task ForgedPrincipalHeader_IsStripped()
    {
        var phone = "+4474003" + Random.Shared.Next(0, 100_000).ToString("D5");
        using var forged = Request(HttpMethod.Post, Api("messages"), token: null, Message(phone));
        foreach (var (name, value) in EntraIdSimulation.PrincipalHeaders("intruder", ["Messages.Send"]))
        {
            forged.Headers.Add(name, value);
        }

        using var response = await fixture.Http.SendAsync(forged);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        // With a token for a role-less app, the forged roles do not ride along either.
        using var withToken = Request(HttpMethod.Post, Api("messages"), EntraIdSimulation.Token("intruder"), Message(phone));
        foreach (var (name, value) in EntraIdSimulation.PrincipalHeaders("intruder", ["Messages.Send"]))
        {
            withToken.Headers.Add(name, value);
        }
        using var refused = await fixture.Http.SendAsync(withToken);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task ContactsRead_CanReadButNotWriteOrErase()
    {
        var id = "e2e-" + Guid.NewGuid().ToString("N")[..10];
        var contact = """{"timeZone":"Etc/UTC","addresses":{"email":{"value":"entra@example.org"}}}""";
        var readerToken = EntraIdSimulation.Token("crm-reader", "Contacts.Read");

        using var refusedWrite = await fixture.Http.SendAsync(Request(HttpMethod.Put, Api($"contacts/{id}"), readerToken, contact));
        Assert.Equal(HttpStatusCode.Forbidden, refusedWrite.StatusCode);
        Assert.Contains("Contacts.Write", await DetailAsync(refusedWrite));

        using var created = await fixture.Http.SendAsync(Request(HttpMethod.Put, Api($"contacts/{id}"), EntraIdSimulation.Token("crm-sync", "Contacts.Write"), contact));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        using var read = await fixture.Http.SendAsync(Request(HttpMethod.Get, Api($"contacts/{id}"), readerToken));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        // Erasure is an admin function in function-keys mode; here it needs Contacts.Erase, which Contacts.Write does not give.
        using var refusedErase = await fixture.Http.SendAsync(Request(HttpMethod.Delete, Api($"contacts/{id}"), EntraIdSimulation.Token("crm-sync", "Contacts.Write")));
        Assert.Equal(HttpStatusCode.Forbidden, refusedErase.StatusCode);
        using var erased = await fixture.Http.SendAsync(Request(HttpMethod.Delete, Api($"contacts/{id}"), EntraIdSimulation.Token("privacy", "Contacts.Erase")));
        Assert.Equal(HttpStatusCode.NoContent, erased.StatusCode);
    }

    [Fact]
    public async Task Smoke_WithAToken_PassesAndSendsAMessage()
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestPaths.RepositoryRoot };
        foreach (var arg in new[] { Path.Combine(TestPaths.RepositoryRoot, "omni"), "smoke", fixture.Server.BaseAddress.ToString(),
                     "--token", EntraIdSimulation.Token("smoke", "Operations", "Messages.Send", "Messages.Read"),
                     "--send-to", $"smoke-{Guid.NewGuid():N}@example.org" })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["OMNI_FUNCTION_KEY"] = "";
        using var smoke = Process.Start(start)!;
        var output = smoke.StandardOutput.ReadToEndAsync();
        var error = smoke.StandardError.ReadToEndAsync();
        await smoke.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));

        Assert.True(smoke.ExitCode == 0, $"exit {smoke.ExitCode}\n{await output}\n{await error}");
        Assert.Contains("smoke: ok: GET /api/stats/channels without a token 401", await output);
        Assert.Contains("smoke: ok: GET /api/stats/channels with the token 200", await output);
        Assert.EndsWith("smoke: passed", (await output).TrimEnd());
    }

    [Fact]
    public async Task WebhooksAndHealth_AnswerWithoutAToken()
    {
        using var verify = await fixture.Http.GetAsync(Api(
            $"webhooks/meta?hub.mode=subscribe&hub.verify_token={SandboxEnvironment.MetaVerifyToken}&hub.challenge=entra-challenge"));
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        Assert.Equal("entra-challenge", await verify.Content.ReadAsStringAsync());

        using var health = await fixture.Http.GetAsync(Api("health"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        // The handler runs in Entra ID mode with the platform's sign in its environment: nothing to report.
        using var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
        Assert.Equal("healthy", body.RootElement.GetProperty("checks").GetProperty("configuration").GetProperty("status").GetString());
    }
}
