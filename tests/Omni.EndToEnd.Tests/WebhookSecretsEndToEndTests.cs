using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Omni.DevHost.Sandbox;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// <c>POST /api/ops/webhook-secrets</c> is admin-only (function WebhookSecrets, authLevel admin): the host refuses the
/// function key before the handler sees the request, and the master key gets the secret of the URL, the one a contact
/// write with that webhook address answers too.
/// </summary>
[Collection(DevHostCollection.Name)]
public sealed class WebhookSecretsEndToEndTests(DevHostFixture fixture)
{
    private Uri Api(string relative) => new(fixture.Server.BaseAddress, "api/" + relative);

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    [Fact]
    public async Task IssueWebhookSecret_FunctionKeyIs401_MasterKeyGetsTheContactWritesSecret()
    {
        var url = $"https://receiver.example.com/omni/{Guid.NewGuid():N}";
        var expected = "whsec_" + Convert.ToBase64String(HMACSHA256.HashData(
            Encoding.UTF8.GetBytes(SandboxEnvironment.WebhooksSigningSecret), Encoding.UTF8.GetBytes("omni-webhook:" + url)));

        using var refused = await fixture.Http.PostAsync(Api("ops/webhook-secrets"), Json(new { url }));
        using var anonymous = await new HttpClient().PostAsync(Api("ops/webhook-secrets"), Json(new { url }));
        using var issued = await fixture.AdminHttp.PostAsync(Api("ops/webhook-secrets"), Json(new { url }));
        using var contact = await fixture.Http.PutAsync(Api($"contacts/e2e-{Guid.NewGuid():N}"), Json(new { addresses = new { webhook = new { value = url } } }));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.DoesNotContain("whsec_", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        using var body = JsonDocument.Parse(await issued.Content.ReadAsStringAsync());
        Assert.Equal(expected, body.RootElement.GetProperty("secret").GetString());
        Assert.Equal(HttpStatusCode.Created, contact.StatusCode);
        using var written = JsonDocument.Parse(await contact.Content.ReadAsStringAsync());
        Assert.Equal(expected, written.RootElement.GetProperty("webhookSecret").GetString());
    }
}
