using System.Net;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Omni.Functions.Http;
using Omni.Hosting;

namespace Omni.Functions.Tests.Http;

/// <summary>
/// Caller roles: function-keys mode changes nothing (the host checks keys); Entra ID mode reads the principal App Service
/// authentication forwards and enforces one app role per endpoint, and refuses everything when the platform is not in front.
/// </summary>
public sealed class CallerAuthTests : IDisposable
{
    private readonly FunctionAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private HttpClient Client(params (string Key, string Value)[] settings) => _factory.WithWebHostBuilder(b =>
    {
        foreach (var (key, value) in settings)
        {
            b.UseSetting(key, value);
        }
    }).CreateClient();

    private HttpClient EntraClient() => Client(("Auth:Mode", "EntraId"), ("WEBSITE_AUTH_ENABLED", "True"));

    private static HttpRequestMessage Send(string? principal, string body = "{}")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (principal is not null)
        {
            request.Headers.Add("X-MS-CLIENT-PRINCIPAL", principal);
        }
        return request;
    }

    private static string Principal(params string[] roles) => ClientPrincipal.Encode("crm-app", roles);

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task FunctionKeysMode_NoPrincipal_ReachesTheEndpoint()
    {
        using var response = await Client().SendAsync(Send(principal: null));

        // The empty body fails validation: the request got past authorization, as before Entra ID mode existed.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task EntraId_NoPrincipal_Returns401Problem()
    {
        using var response = await EntraClient().SendAsync(Send(principal: null));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Contains("Bearer", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task EntraId_PrincipalNotBase64Json_Returns401WithoutEchoingIt()
    {
        const string garbage = "not-a-principal!!";
        using var response = await EntraClient().SendAsync(Send(garbage));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain(garbage, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task EntraId_WithoutTheRole_Returns403NamingTheMissingRole()
    {
        using var response = await EntraClient().SendAsync(Send(Principal(CallerRoles.ContactsRead)));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var detail = (await ProblemAsync(response)).GetProperty("detail").GetString()!;
        Assert.Contains("Messages.Send", detail);
        Assert.Contains("Contacts.Read", detail);
    }

    [Fact]
    public async Task EntraId_WithTheRole_ReachesTheEndpoint()
    {
        using var response = await EntraClient().SendAsync(Send(Principal(CallerRoles.MessagesSend)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task EntraId_RoleUnderRoleTyp_Counts()
    {
        // Entra ID's principal says role_typ is the long role URI; a claim of that type is a role too.
        var json = """{"auth_typ":"aad","name_typ":"name","role_typ":"http://schemas.microsoft.com/ws/2008/06/identity/claims/role","claims":[{"typ":"http://schemas.microsoft.com/ws/2008/06/identity/claims/role","val":"Messages.Send"}]}""";
        using var response = await EntraClient().SendAsync(Send(Convert.ToBase64String(Encoding.UTF8.GetBytes(json))));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/api/contacts/c-1", "Contacts.Read")]
    [InlineData("PUT", "/api/contacts/c-1", "Contacts.Write")]
    [InlineData("PATCH", "/api/contacts/c-1", "Contacts.Write")]
    [InlineData("DELETE", "/api/contacts/c-1", "Contacts.Erase")]
    [InlineData("POST", "/api/contacts/c-1/consent", "Contacts.Write")]
    [InlineData("GET", "/api/contacts/c-1/consent", "Contacts.Read")]
    [InlineData("GET", "/api/contacts/c-1/timeline", "Contacts.Read")]
    [InlineData("GET", "/api/messages/m-1", "Messages.Read")]
    [InlineData("POST", "/api/messages/batch", "Messages.Send")]
    [InlineData("PUT", "/api/templates/t-1", "Templates.Write")]
    [InlineData("DELETE", "/api/templates/t-1", "Templates.Write")]
    [InlineData("GET", "/api/templates", "Messages.Send, Templates.Write")]
    [InlineData("GET", "/api/ops/deadletters", "Operations")]
    [InlineData("GET", "/api/stats/channels", "Operations")]
    [InlineData("GET", "/api/dashboard", "Operations")]
    public async Task EntraId_EveryCallerFacingEndpoint_NeedsItsRole(string method, string path, string needed)
    {
        // A caller with every role but the ones the endpoint accepts.
        var others = CallerRoles.All.Where(r => !needed.Split(", ").Contains(r)).ToArray();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("X-MS-CLIENT-PRINCIPAL", Principal(others));

        using var response = await EntraClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(needed, (await ProblemAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task EntraId_WithoutPlatformAuthentication_ForgedPrincipalIsRefusedAndHealthSaysWhy()
    {
        // No WEBSITE_AUTH_ENABLED: nothing strips client-sent X-MS-CLIENT-PRINCIPAL headers, so none is believed.
        var client = Client(("Auth:Mode", "EntraId"));

        using var response = await client.SendAsync(Send(Principal([.. CallerRoles.All])));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("WEBSITE_AUTH_ENABLED", (await ProblemAsync(response)).GetProperty("detail").GetString());

        using var health = await client.GetAsync("/api/health");
        using var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
        var configuration = body.RootElement.GetProperty("checks").GetProperty("configuration");
        Assert.Equal("degraded", configuration.GetProperty("status").GetString());
        Assert.Contains("WEBSITE_AUTH_ENABLED", configuration.GetProperty("error").GetString());

        // Public routes keep answering: they verify their callers themselves.
        using var openApi = await client.GetAsync("/api/openapi.json");
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
    }

    [Fact]
    public async Task UnknownMode_RefusesCallerFacingEndpoints()
    {
        using var response = await Client(("Auth:Mode", "Keys")).SendAsync(Send(principal: null));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("FunctionKeys or EntraId", (await ProblemAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public void FunctionKeysMode_CallerFacingFunctionPublishedAnonymous_Refuses()
    {
        var root = Directory.CreateTempSubdirectory("omni-auth-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(root, "host.json"), """{"version":"2.0","customHandler":{"description":{"defaultExecutablePath":"x"}}}""");
            WriteFunction(root, "Health", "anonymous");
            WriteFunction(root, "SendMessage", "function");
            var keys = new ConfigurationBuilder().Build();

            Assert.Null(CallerAuthSettings.From(keys, FunctionAppManifest.Load(root)).Refusal);

            WriteFunction(root, "SendMessage", "anonymous");
            var refusal = CallerAuthSettings.From(keys, FunctionAppManifest.Load(root)).Refusal;
            Assert.Contains("SendMessage", refusal);
            Assert.DoesNotContain("Health", refusal);

            // In Entra ID mode that is the expected layout.
            var entra = new ConfigurationBuilder().AddInMemoryCollection([new("Auth:Mode", "EntraId"), new("WEBSITE_AUTH_ENABLED", "True")]).Build();
            Assert.Null(CallerAuthSettings.From(entra, FunctionAppManifest.Load(root)).Refusal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void WriteFunction(string root, string name, string authLevel)
    {
        Directory.CreateDirectory(Path.Combine(root, name));
        File.WriteAllText(Path.Combine(root, name, "function.json"),
            $$"""{"bindings":[{"type":"httpTrigger","direction":"in","name":"req","authLevel":"{{authLevel}}","methods":["get"],"route":"{{name.ToLowerInvariant()}}"},{"type":"http","direction":"out","name":"res"}]}""");
    }

    [Fact]
    public void ClientPrincipal_RoundTrips_RolesAndName()
    {
        var principal = ClientPrincipal.TryRead(ClientPrincipal.Encode("crm-app", [CallerRoles.ContactsRead, CallerRoles.ContactsWrite]))!;

        Assert.True(principal.Identity!.IsAuthenticated);
        Assert.Equal("crm-app", principal.Identity.Name);
        Assert.True(principal.IsInRole(CallerRoles.ContactsWrite));
        Assert.False(principal.IsInRole(CallerRoles.MessagesSend));
        Assert.Null(ClientPrincipal.TryRead(Convert.ToBase64String("""{"auth_typ":"aad"}"""u8.ToArray())));
        Assert.Null(ClientPrincipal.TryRead(new string('A', 20_000)));
        Assert.DoesNotContain(principal.Claims, c => c.Type == ClaimTypes.Role);
    }
}
