using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Omni.Core.Contacts;

namespace Omni.Functions.Tests;

/// <summary>The contacts and consent API through the custom-handler app, on real Table Storage (Azurite).</summary>
public sealed class ContactsApiTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly FunctionAppFactory _factory;
    private readonly HttpClient _http;
    private readonly AzuriteFixture _storage;

    public ContactsApiTests(AzuriteFixture storage)
    {
        _storage = storage;
        _factory = new FunctionAppFactory { StorageConnectionString = storage.ConnectionString };
        _http = _factory.CreateClient();
    }

    public void Dispose()
    {
        _http.Dispose();
        _factory.Dispose();
    }

    private static string NewId() => "c-" + Guid.NewGuid().ToString("N")[..12];

    // Unique per test: a fixed number would belong to another test's contact.
    private static string NewUkMobile() => "07400 1" + Random.Shared.Next(0, 100_000).ToString("D5");

    private static string UniqueEmail() => $"Ada.Lovelace+{Guid.NewGuid():N}@Example.COM";

    private static StringContent Json(string json, string mediaType = "application/json") => new(json, Encoding.UTF8, mediaType);

    private static string Ada(string mobile, string? email = null) => $$"""
        {
          "displayName": "Ada Lovelace",
          "locale": "en-GB",
          "timeZone": "Europe/London",
          "quietHours": { "start": "21:00", "end": "08:00" },
          "preferredChannels": ["whatsapp", "sms", "email"],
          "tags": ["vip"],
          "defaultRegion": "GB",
          "addresses": {
            "sms": { "value": "{{mobile}}" },
            "email": { "value": "{{email ?? UniqueEmail()}}" }
          }
        }
        """;

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, params string[] fields)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await BodyAsync(response);
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        foreach (var field in fields)
        {
            Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}' in {body}");
        }
    }

    private static string E164(string ukMobile) => "+44" + ukMobile.Replace(" ", "")[1..];

    [Fact]
    public async Task Put_NewContact_Returns201WithNormalisedAddressesAndAnETag()
    {
        var id = NewId();
        var mobile = NewUkMobile();
        var tag = Guid.NewGuid().ToString("N");

        using var response = await _http.PutAsync($"/api/contacts/{id}", Json(Ada(mobile, $"Ada.Lovelace+{tag}@Example.COM")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/api/contacts/{id}", response.Headers.Location?.OriginalString);
        Assert.NotNull(response.Headers.ETag);
        var body = await BodyAsync(response);
        Assert.Equal(E164(mobile), body.GetProperty("addresses").GetProperty("sms").GetProperty("value").GetString());
        Assert.Equal($"Ada.Lovelace+{tag}@example.com", body.GetProperty("addresses").GetProperty("email").GetProperty("value").GetString());
        Assert.Equal("21:00", body.GetProperty("quietHours").GetProperty("start").GetString());
        Assert.Equal(["whatsapp", "sms", "email"], body.GetProperty("preferredChannels").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Get_AfterPut_ReturnsTheSameContactAndETag()
    {
        var id = NewId();
        using var put = await _http.PutAsync($"/api/contacts/{id}", Json(Ada(NewUkMobile())));

        using var get = await _http.GetAsync($"/api/contacts/{id}");

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(put.Headers.ETag, get.Headers.ETag);
        Assert.Equal("Ada Lovelace", (await BodyAsync(get)).GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task Get_Missing_Returns404Problem()
    {
        using var response = await _http.GetAsync($"/api/contacts/{NewId()}");

        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Put_IfNoneMatchStarOnExisting_Returns412AndKeepsTheOriginal()
    {
        var id = NewId();
        await _http.PutAsync($"/api/contacts/{id}", Json(Ada(NewUkMobile())));
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/contacts/{id}") { Content = Json("""{"displayName":"Someone else"}""") };
        request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any);

        using var response = await _http.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.PreconditionFailed);
        Assert.Equal("Ada Lovelace", (await BodyAsync(await _http.GetAsync($"/api/contacts/{id}"))).GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task Put_StaleIfMatch_Returns412()
    {
        var id = NewId();
        using var first = await _http.PutAsync($"/api/contacts/{id}", Json(Ada(NewUkMobile())));
        var staleETag = first.Headers.ETag!;
        await _http.PutAsync($"/api/contacts/{id}", Json("""{"displayName":"Changed"}"""));
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/contacts/{id}") { Content = Json("""{"displayName":"Lost update"}""") };
        request.Headers.IfMatch.Add(staleETag);

        using var response = await _http.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.PreconditionFailed);
        Assert.Equal("Changed", (await BodyAsync(await _http.GetAsync($"/api/contacts/{id}"))).GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task Put_InvalidFields_Returns400WithAMessagePerFieldAndWritesNothing()
    {
        var id = NewId();
        const string body = """
            {
              "timeZone": "Mars/Olympus_Mons",
              "quietHours": { "start": "25:00", "end": "08:00" },
              "preferredChannels": ["pigeon"],
              "addresses": { "sms": { "value": "12" }, "email": { "value": "not an email" }, "fax": { "value": "1" } }
            }
            """;

        using var response = await _http.PutAsync($"/api/contacts/{id}", Json(body));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest,
            "timeZone", "quietHours", "preferredChannels[0]", "addresses.sms.value", "addresses.email.value", "addresses.fax");
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/contacts/{id}")).StatusCode);
    }

    [Theory]
    [InlineData("""{"displayName": "x", "favouriteColour": "blue"}""", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("""{"displayName": """, "application/json", HttpStatusCode.BadRequest)]
    [InlineData("""[]""", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("""{"displayName": "x"}""", "text/plain", HttpStatusCode.UnsupportedMediaType)]
    public async Task Put_BadBody_Returns4xxProblemAndWritesNothing(string body, string mediaType, HttpStatusCode status)
    {
        var id = NewId();

        using var response = await _http.PutAsync($"/api/contacts/{id}", Json(body, mediaType));

        await AssertProblemAsync(response, status);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/contacts/{id}")).StatusCode);
    }

    [Fact]
    public async Task Put_OversizedBody_Returns413()
    {
        var huge = $$"""{"displayName": "{{new string('x', 70_000)}}"}""";

        using var response = await _http.PutAsync($"/api/contacts/{NewId()}", Json(huge));

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("-starts-with-dash")]
    [InlineData("has%20space")]
    [InlineData("has%23hash")]
    public async Task Put_InvalidId_Returns400(string id)
    {
        using var response = await _http.PutAsync($"/api/contacts/{id}", Json("{}"));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "id");
    }

    [Fact]
    public async Task Put_AddressOfAnotherContact_Returns409AndDoesNotCreateTheContact()
    {
        var mobile = NewUkMobile();
        await _http.PutAsync($"/api/contacts/{NewId()}", Json(Ada(mobile)));
        var second = NewId();

        using var response = await _http.PutAsync($"/api/contacts/{second}",
            Json($$"""{"defaultRegion":"GB","addresses":{"sms":{"value":"{{mobile}}" } } }"""));

        await AssertProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/contacts/{second}")).StatusCode);
    }

    [Fact]
    public async Task Patch_MergePatch_ChangesOnlyTheGivenFieldsAndNullRemovesAnAddress()
    {
        var id = NewId();
        var tag = Guid.NewGuid().ToString("N");
        await _http.PutAsync($"/api/contacts/{id}", Json(Ada(NewUkMobile(), $"Ada.Lovelace+{tag}@Example.COM")));

        using var response = await _http.PatchAsync($"/api/contacts/{id}",
            Json("""{"preferredChannels":["email"],"addresses":{"sms":null}}""", "application/merge-patch+json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await BodyAsync(response);
        Assert.Equal(["email"], body.GetProperty("preferredChannels").EnumerateArray().Select(e => e.GetString()));
        Assert.False(body.GetProperty("addresses").TryGetProperty("sms", out _));
        Assert.Equal($"Ada.Lovelace+{tag}@example.com", body.GetProperty("addresses").GetProperty("email").GetProperty("value").GetString());
        Assert.Equal("Ada Lovelace", body.GetProperty("displayName").GetString());
        Assert.Equal("Europe/London", body.GetProperty("timeZone").GetString());
    }

    [Fact]
    public async Task Get_AddressSuppressedByAProvider_ShowsItAndAMergePatchOfSuppressedNullLiftsIt()
    {
        var id = NewId();
        var mobile = NewUkMobile();
        await _http.PutAsync($"/api/contacts/{id}", Json(Ada(mobile)));
        var store = new Omni.Storage.Contacts.TableContactStore(_storage.CreateServiceClient(), TimeProvider.System);
        var at = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
        Assert.True(await store.SetSuppressionAsync(id, Channel.Sms, E164(mobile),
            AddressSuppression.From(AddressRefusals.ForTwilio(21614)!, at), CancellationToken.None));

        var shown = (await BodyAsync(await _http.GetAsync($"/api/contacts/{id}"))).GetProperty("addresses").GetProperty("sms").GetProperty("suppressed");
        using var renamed = await _http.PatchAsync($"/api/contacts/{id}", Json("""{"displayName":"Ada"}""", "application/merge-patch+json"));
        var kept = (await BodyAsync(renamed)).GetProperty("addresses").GetProperty("sms").GetProperty("suppressed");
        using var lifted = await _http.PatchAsync($"/api/contacts/{id}", Json("""{"addresses":{"sms":{"suppressed":null}}}""", "application/merge-patch+json"));

        Assert.Equal(("not a mobile number", at, "twilio", "21614"),
            (shown.GetProperty("reason").GetString(), shown.GetProperty("at").GetDateTimeOffset(), shown.GetProperty("provider").GetString(), shown.GetProperty("code").GetString()));
        Assert.Equal(shown.ToString(), kept.ToString());
        Assert.Equal(HttpStatusCode.OK, lifted.StatusCode);
        var sms = (await BodyAsync(lifted)).GetProperty("addresses").GetProperty("sms");
        Assert.Equal(E164(mobile), sms.GetProperty("value").GetString());
        Assert.True(!sms.TryGetProperty("suppressed", out var none) || none.ValueKind == JsonValueKind.Null);
        Assert.False((await store.GetAsync(id, CancellationToken.None))!.Contact.Addresses[Channel.Sms].IsSuppressed);
    }

    [Fact]
    public async Task Patch_AsApplicationJson_Returns415NamingMergePatch()
    {
        var id = NewId();
        await _http.PutAsync($"/api/contacts/{id}", Json(Ada(NewUkMobile())));

        using var response = await _http.PatchAsync($"/api/contacts/{id}", Json("""{"displayName":"x"}"""));

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        var detail = (await BodyAsync(response)).GetProperty("detail").GetString();
        Assert.Contains("application/merge-patch+json", detail);
        Assert.Contains("RFC 7396", detail);
    }

    [Fact]
    public async Task Put_ShortDigitsWithoutCountryCode_Returns400SayingInvalidAndAskingForE164()
    {
        using var response = await _http.PutAsync($"/api/contacts/{NewId()}", Json("""{"addresses":{"sms":{"value":"12345"}}}"""));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "addresses.sms.value");
        var error = (await BodyAsync(response)).GetProperty("errors").GetProperty("addresses.sms.value")[0].GetString();
        Assert.StartsWith("'12345' is not a valid phone number; use E.164", error);
        Assert.DoesNotContain("national", error);
    }

    [Fact]
    public async Task Patch_ReadOnlyField_Returns400()
    {
        var id = NewId();
        await _http.PutAsync($"/api/contacts/{id}", Json(Ada(NewUkMobile())));

        using var response = await _http.PatchAsync($"/api/contacts/{id}", Json("""{"createdAt":"2020-01-01T00:00:00Z"}""", "application/merge-patch+json"));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Patch_Missing_Returns404()
    {
        using var response = await _http.PatchAsync($"/api/contacts/{NewId()}", Json("""{"displayName":"x"}""", "application/merge-patch+json"));

        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    private Task<HttpResponseMessage> LookupAsync(string address, string? channel = null) =>
        _http.PostAsync("/api/contacts/lookup", Json(new System.Text.Json.Nodes.JsonObject { ["address"] = address, ["channel"] = channel }.ToJsonString()));

    [Fact]
    public async Task Lookup_ByAddressInAnotherFormat_FindsTheContactUntilTheAddressIsRemoved()
    {
        var id = NewId();
        var mobile = NewUkMobile();
        var tag = Guid.NewGuid().ToString("N");
        await _http.PutAsync($"/api/contacts/{id}", Json(Ada(mobile, $"Ada.Lovelace+{tag}@Example.COM")));

        using var found = await LookupAsync(E164(mobile));
        using var byEmail = await LookupAsync($"ada.lovelace+{tag}@EXAMPLE.com", "email");
        await _http.PatchAsync($"/api/contacts/{id}", Json("""{"addresses":{"sms":null}}""", "application/merge-patch+json"));
        using var afterRemoval = await LookupAsync(E164(mobile));

        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        Assert.Equal(id, (await BodyAsync(found)).GetProperty("id").GetString());
        Assert.NotNull(found.Headers.ETag);
        // Replies come with whatever casing the sender's mail client uses: e-mail lookups ignore case.
        Assert.Equal(id, (await BodyAsync(byEmail)).GetProperty("id").GetString());
        await AssertProblemAsync(afterRemoval, HttpStatusCode.NotFound);
        Assert.DoesNotContain(E164(mobile)[1..], await afterRemoval.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("""{}""", "address")]
    [InlineData("""{"address":"  "}""", "address")]
    [InlineData("""{"address":"+447400123456","channel":"pigeon"}""", "channel")]
    [InlineData("""{"address":"07400 123456","region":"G"}""", "region")]
    [InlineData("""{"address":"not a number"}""", "address")]
    public async Task Lookup_InvalidBody_Returns400NamingTheField(string body, string field)
    {
        using var response = await _http.PostAsync("/api/contacts/lookup", Json(body));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Lookup_NotJson_Returns415()
    {
        using var response = await _http.PostAsync("/api/contacts/lookup", Json("address=%2B447400123456", "application/x-www-form-urlencoded"));

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("/api/contacts?address=%2B447400123456")]
    [InlineData("/api/contacts?address=ada%40example.com&channel=email")]
    [InlineData("/api/contacts?address=")]
    public async Task Find_WithTheAddressInTheUrl_Returns400NamingThePostLookupAndNotEchoingIt(string url)
    {
        using var response = await _http.GetAsync(url);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        var detail = (await BodyAsync(response)).GetProperty("detail").GetString()!;
        Assert.Contains("never go in URLs", detail);
        Assert.Contains("POST /api/contacts/lookup", detail);
        Assert.DoesNotContain("447400123456", detail);
        Assert.DoesNotContain("ada@", detail);
    }

    [Fact]
    public async Task Find_WithoutAddress_Returns400NamingThePostLookup()
    {
        using var response = await _http.GetAsync("/api/contacts");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("POST /api/contacts/lookup", (await BodyAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Delete_ErasesTheContactItsIndexAndItsConsent()
    {
        var id = NewId();
        var mobile = NewUkMobile();
        await _http.PutAsync($"/api/contacts/{id}", Json(Ada(mobile)));
        await _http.PostAsync($"/api/contacts/{id}/consent",
            Json("""{"channel":"sms","state":"opted-out","source":"keyword","byContact":true,"evidence":"STOP","actor":"contact"}"""));

        using var response = await _http.DeleteAsync($"/api/contacts/{id}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/contacts/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/contacts/{id}/consent")).StatusCode);
        await AssertProblemAsync(await LookupAsync(E164(mobile)), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.DeleteAsync($"/api/contacts/{id}")).StatusCode);
    }

    private static string State(JsonElement consent, string channel, string category) =>
        consent.GetProperty("current").EnumerateArray()
            .Single(s => s.GetProperty("channel").GetString() == channel && s.GetProperty("category").GetString() == category)
            .GetProperty("state").GetString()!;

    [Fact]
    public async Task Consent_StopThenBusinessOptInThenContactOptIn_OptOutIsStickyUntilTheContactOptsIn()
    {
        var id = NewId();
        await _http.PutAsync($"/api/contacts/{id}", Json(Ada(NewUkMobile())));

        using var stop = await _http.PostAsync($"/api/contacts/{id}/consent",
            Json("""{"channel":"sms","state":"opted-out","source":"keyword","byContact":true,"evidence":"Inbound SMS: STOP","actor":"contact"}"""));
        Assert.Equal(HttpStatusCode.Created, stop.StatusCode);
        Assert.Equal("opted-out", State(await BodyAsync(stop), "sms", "marketing"));
        Assert.Equal("opted-out", State(await BodyAsync(stop), "sms", "transactional"));
        Assert.Equal("unknown", State(await BodyAsync(stop), "email", "marketing"));

        using var businessOptIn = await _http.PostAsync($"/api/contacts/{id}/consent",
            Json("""{"channel":"sms","category":"marketing","state":"opted-in","source":"import","evidence":"CRM import 2026-11","actor":"crm"}"""));
        Assert.Equal("opted-out", State(await BodyAsync(businessOptIn), "sms", "marketing"));

        using var contactOptIn = await _http.PostAsync($"/api/contacts/{id}/consent",
            Json("""{"channel":"sms","state":"opted-in","source":"keyword","byContact":true,"evidence":"Inbound SMS: START","actor":"contact"}"""));
        var body = await BodyAsync(contactOptIn);
        Assert.Equal("opted-in", State(body, "sms", "marketing"));
        Assert.Equal(3, body.GetProperty("history").GetArrayLength());

        var read = await BodyAsync(await _http.GetAsync($"/api/contacts/{id}/consent"));
        Assert.Equal("opted-in", State(read, "sms", "transactional"));
    }

    [Fact]
    public async Task Consent_InvalidRecord_Returns400WithFieldErrors()
    {
        var id = NewId();
        await _http.PutAsync($"/api/contacts/{id}", Json(Ada(NewUkMobile())));

        using var response = await _http.PostAsync($"/api/contacts/{id}/consent",
            Json("""{"channel":"carrier-pigeon","state":"maybe","source":"rumour","evidence":"","actor":"x"}"""));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "channel", "state", "source");
    }

    [Fact]
    public async Task Consent_ForMissingContact_Returns404()
    {
        using var response = await _http.PostAsync($"/api/contacts/{NewId()}/consent",
            Json("""{"state":"opted-out","source":"api","evidence":"asked by phone","actor":"support-desk"}"""));

        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }
}
