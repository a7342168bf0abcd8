using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Omni.EndToEnd.Tests;

/// <summary>functions/Contacts/Contacts.http, as a test: a contact round-trips through the DevHost, the handler and Azurite.</summary>
[Collection(DevHostCollection.Name)]
public sealed class ContactsEndToEndTests(DevHostFixture fixture)
{
    private Uri Api(string relative) => new(fixture.Server.BaseAddress, "api/" + relative);

    private static StringContent Json(string json, string mediaType = "application/json") => new(json, Encoding.UTF8, mediaType);

    [Fact]
    public async Task Contact_PutGetPatchFindConsentDelete_RoundTripsThroughTheLocalRunAndErasesOnlyWithTheMasterKey()
    {
        var id = "e2e-" + Guid.NewGuid().ToString("N")[..10];
        var mobile = "07400 1" + Random.Shared.Next(0, 100_000).ToString("D5");
        var e164 = "+44" + mobile.Replace(" ", "")[1..];
        var http = fixture.Http;

        using var create = new HttpRequestMessage(HttpMethod.Put, Api($"contacts/{id}"))
        {
            Content = Json($$"""{"displayName":"Grace Hopper","timeZone":"America/New_York","defaultRegion":"GB","addresses":{"sms":{"value":"{{mobile}}" } } }"""),
        };
        create.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any);
        using var created = await http.SendAsync(create);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        using var read = await http.GetAsync(Api($"contacts/{id}"));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(created.Headers.ETag, read.Headers.ETag);

        using var patch = new HttpRequestMessage(HttpMethod.Patch, Api($"contacts/{id}"))
        {
            Content = Json("""{"tags":["navy"],"addresses":{"email":{"value":"grace@example.org"}}}""", "application/merge-patch+json"),
        };
        patch.Headers.IfMatch.Add(read.Headers.ETag!);
        using var patched = await http.SendAsync(patch);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);

        using var lookup = await http.PostAsync(Api("contacts/lookup"), Json($$"""{"address":"{{e164}}"}"""));
        Assert.Equal(HttpStatusCode.OK, lookup.StatusCode);
        using var found = JsonDocument.Parse(await lookup.Content.ReadAsStringAsync());
        var contact = found.RootElement;
        Assert.Equal(id, contact.GetProperty("id").GetString());
        Assert.Equal("navy", contact.GetProperty("tags")[0].GetString());
        Assert.Equal("grace@example.org", contact.GetProperty("addresses").GetProperty("email").GetProperty("value").GetString());

        using var consent = await http.PostAsync(Api($"contacts/{id}/consent"),
            Json("""{"channel":"email","category":"marketing","state":"opted-in","source":"form","byContact":true,"evidence":"signup form","actor":"web"}"""));
        Assert.Equal(HttpStatusCode.Created, consent.StatusCode);

        // Erasure is admin-only: the function key is refused and erases nothing, the master key erases.
        using var refused = await http.DeleteAsync(Api($"contacts/{id}"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var stillThere = await http.GetAsync(Api($"contacts/{id}"));
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
        using var deleted = await fixture.AdminHttp.DeleteAsync(Api($"contacts/{id}"));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await http.GetAsync(Api($"contacts/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
    }
}
