using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Functions.Tests.Messages;

/// <summary>
/// What was sent, as GET /api/messages/{id} and the contact's timeline show it: messages go through the real pipeline
/// (<see cref="PipelineHarness"/>) into the app's tables, then are read through the app.
/// </summary>
public sealed class SentContentApiTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly PipelineHarness _pipeline;
    private readonly FunctionAppFactory _factory;
    private readonly HttpClient _http;

    public SentContentApiTests(AzuriteFixture storage)
    {
        _pipeline = new PipelineHarness(storage);
        _factory = new FunctionAppFactory { StorageConnectionString = storage.ConnectionString };
        _http = _factory.CreateClient();
    }

    public void Dispose()
    {
        _http.Dispose();
        _factory.Dispose();
    }

    /// <summary>Sends <paramref name="content"/> by SMS (strategy first, high urgency) and returns the message id.</summary>
    private async Task<(string Id, Contact Contact)> SendAsync(MessageContentRequest content, string category = "transactional")
    {
        var contact = await _pipeline.CreateContactAsync();
        var id = await _pipeline.AcceptAsync(new MessageRequest
        {
            ContactId = contact.Id, Category = category, Urgency = "high", Strategy = "first", Content = content,
        });
        await _pipeline.RunQueuesAsync();
        return (id, contact);
    }

    private static string Hash(string body) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)))[..16];

    private async Task<(string Raw, JsonElement Json)> GetAsync(string path)
    {
        var raw = await _http.GetStringAsync(path);
        return (raw, JsonDocument.Parse(raw).RootElement);
    }

    private static JsonElement OnlyAttemptContent(JsonElement view) =>
        Assert.Single(view.GetProperty("attempts").EnumerateArray().ToList()).GetProperty("content");

    private static JsonElement OutboundRow(JsonElement timeline, string id) =>
        Assert.Single(timeline.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == id);

    [Fact]
    public async Task GetMessage_SentText_ShowsKindMaskedPreviewAndHash()
    {
        const string text = "Your order 1234 ships today. Questions? Reply to this message.";
        var (id, contact) = await SendAsync(new MessageContentRequest { Text = text });

        var (raw, view) = await GetAsync($"/api/messages/{id}");

        var content = OnlyAttemptContent(view);
        Assert.Equal("text", content.GetProperty("kind").GetString());
        Assert.Equal("Your order #### ships today. Questions?…", content.GetProperty("preview").GetString());
        Assert.Equal(Hash(text), content.GetProperty("hash").GetString());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("template").ValueKind);
        Assert.DoesNotContain("1234", raw, StringComparison.Ordinal);

        var (_, timeline) = await GetAsync($"/api/contacts/{contact.Id}/timeline");
        var row = OutboundRow(timeline, id);
        Assert.Equal(content.GetRawText(), row.GetProperty("content").GetRawText());
    }

    [Fact]
    public async Task GetMessage_SecurityCode_ShowsOnlyKindAndHash_InTheViewAndTheTimeline()
    {
        const string text = "Your sign-in code is 482913. It expires in 10 minutes.";
        var (id, contact) = await SendAsync(new MessageContentRequest { Text = text, Subject = "Code 482913" }, category: "security");

        var (raw, view) = await GetAsync($"/api/messages/{id}");
        var (timelineRaw, timeline) = await GetAsync($"/api/contacts/{contact.Id}/timeline");

        var content = OnlyAttemptContent(view);
        Assert.Equal(Hash(text), content.GetProperty("hash").GetString());
        Assert.Equal(JsonValueKind.Null, content.GetProperty("preview").ValueKind);
        Assert.Equal(JsonValueKind.Null, content.GetProperty("subject").ValueKind);
        Assert.Equal(content.GetRawText(), OutboundRow(timeline, id).GetProperty("content").GetRawText());
        Assert.DoesNotContain("482913", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("482913", timelineRaw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMessage_Template_ShowsIdVersionLocaleAndDataKeys_NeverTheValues()
    {
        var templateId = "welcome-" + Guid.NewGuid().ToString("N")[..8];
        var stored = await _pipeline.Templates.PutAsync(new Omni.Core.Content.Template
        {
            Id = templateId,
            DefaultLocale = "en",
            Locales = new Dictionary<string, IReadOnlyDictionary<string, Omni.Core.Content.TemplatePart>>
            {
                ["en"] = new Dictionary<string, Omni.Core.Content.TemplatePart> { ["default"] = new("Hi {{firstName}}, welcome to {{brand.name}}.", "Welcome") },
            },
        }, null, "*", CancellationToken.None);
        var (id, contact) = await SendAsync(new MessageContentRequest
        {
            Template = new TemplateReference { Id = templateId, Data = JsonDocument.Parse("""{"firstName":"Zoë","referrer":{"name":"Ada"}}""").RootElement },
        });

        var (raw, view) = await GetAsync($"/api/messages/{id}");
        var (timelineRaw, timeline) = await GetAsync($"/api/contacts/{contact.Id}/timeline");

        var template = view.GetProperty("template");
        Assert.Equal(templateId, template.GetProperty("id").GetString());
        Assert.Equal(stored.Stored!.ETag, template.GetProperty("version").GetString());
        Assert.Equal("en", template.GetProperty("locale").GetString());
        Assert.Equal(["firstName", "referrer"], template.GetProperty("dataKeys").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(Hash("Hi Zoë, welcome to Acme."), OnlyAttemptContent(view).GetProperty("hash").GetString());
        Assert.Equal(template.GetRawText(), OutboundRow(timeline, id).GetProperty("template").GetRawText());
        Assert.DoesNotContain("Ada", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("Ada", timelineRaw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErasingTheContact_ErasesWhatWasSent()
    {
        var (id, contact) = await SendAsync(new MessageContentRequest { Text = "See you at 10:30." });
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"/api/messages/{id}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync($"/api/contacts/{contact.Id}")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/messages/{id}")).StatusCode);
        Assert.Null(await _pipeline.Messages.GetAsync(id, CancellationToken.None));
        Assert.Empty(await _pipeline.Messages.CountRecentByCategoryAsync(contact.Id, DateTimeOffset.MinValue, CancellationToken.None)); // no timeline row left
    }
}
