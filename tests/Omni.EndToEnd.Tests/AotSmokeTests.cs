using System.Net;
using System.Text;
using System.Text.Json;
using Omni.DevHost.Sandbox;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// A DevHost running the published Native AOT handler (<see cref="PublishedApp"/>), its sandbox posting ACS events to
/// the webhook, so one message exercises the queues, a provider call and a provider webhook in the native binary.
/// </summary>
public sealed class AotDevHostFixture : DevHostFixture
{
    protected override AcsEventsDelivery AcsEvents => AcsEventsDelivery.Webhook;

    protected override Task<string> AppRootAsync() => PublishedApp.RootAsync();
}

/// <summary>
/// The deployable Native AOT handler, end to end through the DevHost: health, a message to <c>delivered</c> through the ACS
/// webhook, and Handlebars templates rendered in the native binary (escaping, loops, and the render limits).
/// Category Aot: <c>./omni aot-smoke</c> runs these against the app it published.
/// </summary>
[Trait("Category", PublishedApp.Category)]
public sealed class AotSmokeTests(AotDevHostFixture fixture) : IClassFixture<AotDevHostFixture>
{
    private Uri Api(string relative) => new(fixture.Server.BaseAddress, "api/" + relative);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task DevHost_RunsTheNativeExecutable()
    {
        var root = await PublishedApp.RootAsync();

        Assert.Equal(root, fixture.Server.Manifest.Root);
        Assert.Empty(Directory.GetFiles(root, "*.dll"));
    }

    [Fact]
    public async Task Health_IsHealthy()
    {
        using var response = await fixture.Http.GetAsync(Api("health"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("healthy", body.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Message_IsDelivered_ThroughTheProviderWebhook()
    {
        var phone = "+4474003" + Random.Shared.Next(0, 100_000).ToString("D5");
        using var posted = await fixture.Http.PostAsync(Api("messages"), Json($$"""
            { "to": { "sms": "{{phone}}" }, "category": "transactional", "urgency": "high", "content": { "text": "Native code 4821" } }
            """));
        Assert.True(posted.StatusCode is HttpStatusCode.Accepted, $"POST /api/messages: {(int)posted.StatusCode} {await posted.Content.ReadAsStringAsync()}");
        var id = JsonDocument.Parse(await posted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();

        var status = await DevHostFixture.EventuallyAsync(async () =>
        {
            using var response = await fixture.Http.GetAsync(Api($"messages/{id}"));
            return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString() : null;
        }, s => s == "delivered", "the SMS delivery report through the ACS webhook", TimeSpan.FromSeconds(90));

        Assert.Equal("delivered", status);
        var call = Assert.Single(fixture.Server.Sandbox.Calls.List(phone));
        Assert.True(call.AuthOk);
        Assert.Equal("Native code 4821", call.Text);
        Assert.True(call.ReportPosted);
    }

    [Fact]
    public async Task Template_RendersInTheNativeBinary_WithEscapingLoopsAndLimits()
    {
        var id = "aot-" + Guid.NewGuid().ToString("N")[..10];
        using (var put = await fixture.AdminHttp.PutAsync(Api($"templates/{id}"), Json("""
            {"defaultLocale":"en","locales":{"en":{
              "sms":{"text":"Hi {{name}}{{#if vip}} (VIP){{/if}}: {{#each items}}{{sku}}x{{qty}};{{/each}} {{items.length}} items, {{total}}"},
              "email":{"subject":"Order {{order.id}}","html":"<p>{{name}}</p>{{#each items}}<i>{{@index}}:{{sku}}</i>{{/each}}{{#each outer}}{{#each ../inner}}{{/each}}{{/each}}"},
              "inapp":{"text":"{{#each outer}}{{#each ../inner}}0123456789{{/each}}{{/each}}"}}}}
            """)))
        {
            Assert.True(put.StatusCode is HttpStatusCode.Created, $"PUT template: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
        }

        // Escaping, #if, #each with @index, a list's length, decimals as written.
        var small = await PreviewAsync(id, """
            {"name":"<Ada & Co>","vip":true,"total":1.50,"order":{"id":"A-7"},
             "items":[{"sku":"pen","qty":2},{"sku":"ink","qty":1}],"outer":[1,2],"inner":[1,2,3]}
            """);
        var channels = small.GetProperty("channels");
        Assert.Equal("Hi <Ada & Co> (VIP): penx2;inkx1; 2 items, 1.50", channels.GetProperty("sms").GetProperty("text").GetString());
        Assert.Equal("Order A-7", channels.GetProperty("email").GetProperty("subject").GetString());
        Assert.Equal("<p>&lt;Ada &amp; Co&gt;</p><i>0:pen</i><i>1:ink</i>", channels.GetProperty("email").GetProperty("html").GetString());
        Assert.Equal(string.Concat(Enumerable.Repeat("0123456789", 6)), channels.GetProperty("inapp").GetProperty("text").GetString());

        // The runtime limits stop a render in the native binary as they do on the JIT: items per loop, items per message, output.
        static string List(int count) => string.Join(",", Enumerable.Range(0, count));
        var perLoop = await PreviewAsync(id, $$"""{"name":"x","items":[{{List(1001)}}]}""", "sms");
        var perMessage = await PreviewAsync(id, $$"""{"name":"x","order":{"id":"1"},"outer":[{{List(200)}}],"inner":[{{List(200)}}]}""", "email");
        var output = await PreviewAsync(id, $$"""{"outer":[{{List(100)}}],"inner":[{{List(100)}}]}""", "inapp");
        Assert.Contains("a loop passed 1000 items", Detail(perLoop, "sms"));
        Assert.Contains("read more than 20000 items", Detail(perMessage, "email"));
        Assert.Contains("output passed 10000 characters", Detail(output, "inapp"));
    }

    private static string? Detail(JsonElement preview, string channel) =>
        preview.GetProperty("unusable").GetProperty(channel).GetProperty("detail").GetString();

    [Fact]
    public async Task Template_BeyondTheStaticLimits_IsRefusedWith422()
    {
        using var put = await fixture.AdminHttp.PutAsync(Api("templates/aot-deep"), Json("""
            {"defaultLocale":"en","locales":{"en":{"sms":{"text":"{{#each a}}{{#each b}}{{#each c}}x{{/each}}{{/each}}{{/each}}"}}}}
            """));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, put.StatusCode);
        Assert.Contains("nested 3 deep", await put.Content.ReadAsStringAsync());
    }

    private async Task<JsonElement> PreviewAsync(string id, string data, params string[] channels)
    {
        var list = string.Join(",", (channels.Length == 0 ? ["sms", "email", "inapp"] : channels).Select(c => $"\"{c}\""));
        using var response = await fixture.Http.PostAsync(Api($"templates/{id}/preview"), Json($$"""{"data":{{data}},"channels":[{{list}}]}"""));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"preview: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
