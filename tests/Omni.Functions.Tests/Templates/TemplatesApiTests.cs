using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Omni.Functions.Tests.Templates;

/// <summary>The templates API through the custom-handler app, on real Table Storage (Azurite).</summary>
public sealed class TemplatesApiTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly WebApplicationFactory<Program> _factory;
    private readonly HttpClient _http;

    public TemplatesApiTests(AzuriteFixture storage)
    {
        _factory = new FunctionAppFactory { StorageConnectionString = storage.ConnectionString }
            .WithWebHostBuilder(b => b
                .UseSetting("Brand:Name", "Acme & Sons")
                .UseSetting("Brand:SupportUrl", "https://help.example.com"));
        _http = _factory.CreateClient();
    }

    public void Dispose()
    {
        _http.Dispose();
        _factory.Dispose();
    }

    private static string NewId() => "t-" + Guid.NewGuid().ToString("N")[..12];

    private static StringContent Json(string json, string mediaType = "application/json") => new(json, Encoding.UTF8, mediaType);

    private const string OrderShipped = """
        {
          "description": "Order shipped",
          "defaultLocale": "en",
          "locales": {
            "en": {
              "default": { "text": "Hi {{firstName}}, order {{orderId}} has shipped. {{brand.name}}", "subject": "Order {{orderId}} shipped" },
              "email": { "html": "<p>Hi {{firstName}}, order <b>{{orderId}}</b> shipped.</p><p>{{brand.name}}</p>" }
            },
            "fr": { "default": { "text": "Bonjour {{firstName}}, la commande {{orderId}} est partie.", "subject": "Commande {{orderId}}" } }
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

    [Fact]
    public async Task Put_New_Returns201WithETagAndGetReturnsIt()
    {
        var id = NewId();

        using var put = await _http.PutAsync($"/api/templates/{id}", Json(OrderShipped));
        using var get = await _http.GetAsync($"/api/templates/{id}");

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal($"/api/templates/{id}", put.Headers.Location?.OriginalString);
        Assert.NotNull(put.Headers.ETag);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(put.Headers.ETag, get.Headers.ETag);
        var body = await BodyAsync(get);
        Assert.Equal(id, body.GetProperty("id").GetString());
        Assert.Equal("en", body.GetProperty("defaultLocale").GetString());
        Assert.Equal("Commande {{orderId}}", body.GetProperty("locales").GetProperty("fr").GetProperty("default").GetProperty("subject").GetString());
    }

    [Fact]
    public async Task Put_Existing_Returns200AndStaleIfMatchReturns412()
    {
        var id = NewId();
        using var first = await _http.PutAsync($"/api/templates/{id}", Json(OrderShipped));
        using var second = await _http.PutAsync($"/api/templates/{id}", Json(OrderShipped.Replace("Order shipped", "v2")));
        using var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/templates/{id}") { Content = Json(OrderShipped.Replace("Order shipped", "v3")) };
        stale.Headers.IfMatch.Add(first.Headers.ETag!);
        using var createOnly = new HttpRequestMessage(HttpMethod.Put, $"/api/templates/{id}") { Content = Json(OrderShipped) };
        createOnly.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        await AssertProblemAsync(await _http.SendAsync(stale), HttpStatusCode.PreconditionFailed);
        await AssertProblemAsync(await _http.SendAsync(createOnly), HttpStatusCode.PreconditionFailed);
        Assert.Equal("v2", (await BodyAsync(await _http.GetAsync($"/api/templates/{id}"))).GetProperty("description").GetString());
    }

    [Fact]
    public async Task Put_InvalidTemplate_Returns400PerFieldAndWritesNothing()
    {
        var id = NewId();
        const string bad = """
            {
              "defaultLocale": "de",
              "locales": {
                "en": { "sms": { "text": "Hi {{name" }, "fax": { "text": "x" }, "email": { "subject": "two\nlines" } },
                "en_GB": { "default": { "text": "x" } }
              }
            }
            """;

        using var response = await _http.PutAsync($"/api/templates/{id}", Json(bad));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest,
            "defaultLocale", "locales.en.sms.text", "locales.en.fax", "locales.en.email.subject", "locales.en_GB");
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/templates/{id}")).StatusCode);
    }

    [Theory]
    [InlineData("""{"defaultLocale":"en","locales":{"en":{"default":{"text":"x"}}},"extra":1}""")]
    [InlineData("""{"defaultLocale":"en","locales":{"en":{"default":{"text":"x","body":"y"}}}}""")]
    [InlineData("""{"defaultLocale":"en","locales":""")]
    [InlineData("""[]""")]
    public async Task Put_MalformedOrUnknownFields_Returns400(string json)
    {
        using var response = await _http.PutAsync($"/api/templates/{NewId()}", Json(json));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Put_WrongMediaType_Returns415_AndTooLarge_Returns413_AndBadId_Returns400()
    {
        await AssertProblemAsync(await _http.PutAsync($"/api/templates/{NewId()}", Json(OrderShipped, "text/plain")), HttpStatusCode.UnsupportedMediaType);
        var huge = """{"defaultLocale":"en","locales":{"en":{"default":{"text":"X"}}}}""".Replace("X", new string('x', 300_000));
        await AssertProblemAsync(await _http.PutAsync($"/api/templates/{NewId()}", Json(huge)), HttpStatusCode.RequestEntityTooLarge);
        await AssertProblemAsync(await _http.PutAsync("/api/templates/bad%20id", Json(OrderShipped)), HttpStatusCode.BadRequest, "id");
    }

    [Fact]
    public async Task Delete_Returns204ThenGetAndDeleteReturn404()
    {
        var id = NewId();
        await _http.PutAsync($"/api/templates/{id}", Json(OrderShipped));

        using var deleted = await _http.DeleteAsync($"/api/templates/{id}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await AssertProblemAsync(await _http.GetAsync($"/api/templates/{id}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await _http.DeleteAsync($"/api/templates/{id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task List_PagesThroughWithContinuation()
    {
        var prefix = "l" + Guid.NewGuid().ToString("N")[..8] + "-";
        foreach (var i in Enumerable.Range(0, 3))
        {
            await _http.PutAsync($"/api/templates/{prefix}{i}", Json(OrderShipped));
        }

        var seen = new List<string>();
        string? continuation = null;
        for (var pages = 0; pages < 1000; pages++)
        {
            var url = "/api/templates?pageSize=2" + (continuation is null ? "" : "&continuation=" + Uri.EscapeDataString(continuation));
            using var response = await _http.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await BodyAsync(response);
            var items = body.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetString()!).ToList();
            Assert.True(items.Count <= 2);
            seen.AddRange(items);
            continuation = body.TryGetProperty("continuation", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            if (continuation is null)
            {
                break;
            }
        }

        Assert.Equal([prefix + "0", prefix + "1", prefix + "2"], seen.Where(s => s.StartsWith(prefix, StringComparison.Ordinal)));
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
    }

    [Theory]
    [InlineData("?pageSize=0", "pageSize")]
    [InlineData("?pageSize=101", "pageSize")]
    [InlineData("?continuation=%00%01", "continuation")]
    public async Task List_BadQuery_Returns400(string query, string field)
    {
        await AssertProblemAsync(await _http.GetAsync("/api/templates" + query), HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Preview_RendersPerChannelWithLocaleBrandEscapingAndSmsSegments()
    {
        var id = NewId();
        await _http.PutAsync($"/api/templates/{id}", Json(OrderShipped));

        using var response = await _http.PostAsync($"/api/templates/{id}/preview", Json("""
            { "data": { "firstName": "<Zoé>", "orderId": "A-17" }, "locale": "en-GB", "channels": ["sms", "email"] }
            """));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await BodyAsync(response);
        Assert.Equal("en", body.GetProperty("locale").GetString());
        var sms = body.GetProperty("channels").GetProperty("sms");
        Assert.Equal("Hi <Zoé>, order A-17 has shipped. Acme & Sons", sms.GetProperty("text").GetString());
        Assert.Equal(1, sms.GetProperty("sms").GetProperty("segments").GetInt32());
        Assert.Equal("gsm7", sms.GetProperty("sms").GetProperty("encoding").GetString());
        var email = body.GetProperty("channels").GetProperty("email");
        Assert.Equal("Order A-17 shipped", email.GetProperty("subject").GetString());
        Assert.Equal("<p>Hi &lt;Zoé&gt;, order <b>A-17</b> shipped.</p><p>Acme &amp; Sons</p>", email.GetProperty("html").GetString());
    }

    [Fact]
    public async Task Preview_FrenchWithBudget_ShortensSmsAndReportsUnusableChannels()
    {
        var id = NewId();
        await _http.PutAsync($"/api/templates/{id}", Json(OrderShipped));
        var longName = string.Join(' ', Enumerable.Repeat("Zoé", 120));

        using var response = await _http.PostAsync($"/api/templates/{id}/preview", Json($$"""
            { "data": { "firstName": "{{longName}}", "orderId": "A-17" }, "locale": "fr-CA", "channels": ["sms"], "smsSegmentBudget": 2 }
            """));

        var body = await BodyAsync(response);
        Assert.Equal("fr", body.GetProperty("locale").GetString());
        var sms = body.GetProperty("channels").GetProperty("sms");
        Assert.True(sms.GetProperty("sms").GetProperty("shortened").GetBoolean());
        Assert.True(sms.GetProperty("sms").GetProperty("originalSegments").GetInt32() > 2);
        Assert.Equal(2, sms.GetProperty("sms").GetProperty("segments").GetInt32());
        Assert.EndsWith("Zoé...", sms.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Preview_ChannelWithoutContent_IsListedAsUnusable()
    {
        var id = NewId();
        await _http.PutAsync($"/api/templates/{id}", Json("""{"defaultLocale":"en","locales":{"en":{"sms":{"text":"Code {{code}}"}}}}"""));

        var body = await BodyAsync(await _http.PostAsync($"/api/templates/{id}/preview", Json("""{"data":{"code":"123"}}""")));

        Assert.Equal("Code 123", body.GetProperty("channels").GetProperty("sms").GetProperty("text").GetString());
        Assert.Equal("missingBody", body.GetProperty("unusable").GetProperty("email").GetProperty("reason").GetString());
        Assert.Equal("missingBody", body.GetProperty("unusable").GetProperty("whatsapp").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Put_LoopsNestedBeyondTheLimit_Returns422SayingWhatIsAllowedAndWritesNothing()
    {
        var id = NewId();
        var sixLoops = string.Concat(Enumerable.Repeat("{{#each @root.a}}", 6)) + "x" + string.Concat(Enumerable.Repeat("{{/each}}", 6));

        using var response = await _http.PutAsync($"/api/templates/{id}", Json("""{"defaultLocale":"en","locales":{"en":{"email":{"html":"SIX"}}}}""".Replace("SIX", sixLoops, StringComparison.Ordinal)));

        await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, "locales.en.email.html");
        var error = (await BodyAsync(response)).GetProperty("errors").GetProperty("locales.en.email.html")[0].GetString();
        Assert.Contains("nested 3 deep; at most 2 are allowed", error);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/templates/{id}")).StatusCode);
    }

    [Fact]
    public async Task Preview_DataThatExplodes_StopsAtTheLimitWithTheReason()
    {
        var id = NewId();
        await _http.PutAsync($"/api/templates/{id}", Json("""
            {"defaultLocale":"en","locales":{"en":{"email":{"subject":"Pairs","html":"{{#each a}}{{#each @root.a}}<p>{{this}} and {{../this}} go well together.</p>{{/each}}{{/each}}"}}}}
            """));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        using var response = await _http.PostAsync($"/api/templates/{id}/preview",
            Json($$"""{"data":{"a":[{{string.Join(',', Enumerable.Range(0, 900))}}]},"channels":["email"]}"""));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var email = (await BodyAsync(response)).GetProperty("unusable").GetProperty("email");
        Assert.Equal("renderError", email.GetProperty("reason").GetString());
        Assert.Equal("locales.en.email.html: the template's output passed 100000 characters; rendering stopped.", email.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Preview_Errors_AreProblems()
    {
        var id = NewId();
        await _http.PutAsync($"/api/templates/{id}", Json(OrderShipped));

        await AssertProblemAsync(await _http.PostAsync($"/api/templates/{NewId()}/preview", Json("{}")), HttpStatusCode.NotFound);
        await AssertProblemAsync(await _http.PostAsync($"/api/templates/{id}/preview", Json("""{"data":[1],"locale":"en_GB","channels":["fax","sms","sms"],"smsSegmentBudget":-1}""")),
            HttpStatusCode.BadRequest, "data", "locale", "channels[0]", "channels[2]", "smsSegmentBudget");
        await AssertProblemAsync(await _http.PostAsync($"/api/templates/{id}/preview", Json("""{"datum":{}}""")), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await _http.PostAsync($"/api/templates/{id}/preview", Json("{}", "text/plain")), HttpStatusCode.UnsupportedMediaType);
        var big = """{"data":{"x":"X"}}""".Replace("X", new string('x', 30_000));
        await AssertProblemAsync(await _http.PostAsync($"/api/templates/{id}/preview", Json(big)), HttpStatusCode.RequestEntityTooLarge);
    }
}
