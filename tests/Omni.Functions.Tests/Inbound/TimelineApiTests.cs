using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Omni.Core.Contacts;
using Omni.Core.Inbound;
using Omni.Core.Messages;
using Omni.Core.Routing;
using Omni.Storage.Messages;
using Omni.Storage.Timeline;

namespace Omni.Functions.Tests.Inbound;

/// <summary>GET /api/contacts/{id}/timeline through the app, on Azurite.</summary>
public sealed class TimelineApiTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 4, 10, 0, 0, TimeSpan.Zero);
    private readonly AzuriteFixture _storage;
    private readonly FunctionAppFactory _factory;
    private readonly HttpClient _http;

    public TimelineApiTests(AzuriteFixture storage)
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

    private async Task<string> CreateContactAsync()
    {
        var id = "c-" + Guid.NewGuid().ToString("N")[..12];
        var response = await _http.PutAsync($"/api/contacts/{id}", new StringContent(
            $$"""{ "addresses": { "email": { "value": "{{id}}@example.com" } } }""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return id;
    }

    /// <summary>Outbound at T0 (sms, email), inbound sms at T0+1m (a reply to it), outbound at T0+2m (email), inbound whatsapp at T0+3m.</summary>
    private async Task<string> SeedAsync(string contactId)
    {
        var messages = new TableMessageStore(_storage.CreateServiceClient());
        var timeline = new TableTimelineStore(_storage.CreateServiceClient());
        var first = "msg_" + Guid.NewGuid().ToString("N");
        foreach (var (id, at, plan) in new[] { (first, T0, new[] { Channel.Sms, Channel.Email }), ("msg_" + Guid.NewGuid().ToString("N"), T0.AddMinutes(2), new[] { Channel.Email }) })
        {
            await messages.CreateAsync(new MessageRecord
            {
                Id = id,
                ContactId = contactId,
                Request = new MessageRequest { Id = id, ContactId = contactId, Category = "support", Content = new MessageContentRequest { Text = "hi" } },
                Status = MessageStatus.Routed,
                AcceptedAt = at,
                UpdatedAt = at,
                Plan = [.. plan.Select(c => new PlannedStep(c, "addr"))],
            }, CancellationToken.None);
        }
        await timeline.AppendInboundAsync(new InboundTimelineEntry
        {
            ContactId = contactId, EventId = "twilio:SM1", Channel = Channel.Sms, Provider = "twilio", Text = "Yes please", At = T0.AddMinutes(1),
            ResponseToMessageId = first, ResponseTime = TimeSpan.FromSeconds(75),
        }, CancellationToken.None);
        await timeline.AppendInboundAsync(new InboundTimelineEntry
        {
            ContactId = contactId, EventId = "acs:wa1", Channel = Channel.WhatsApp, Provider = "acs", Text = "Hello", At = T0.AddMinutes(3),
        }, CancellationToken.None);
        return first;
    }

    [Fact]
    public async Task Get_NewestFirst_BothDirections_WithTheirFields()
    {
        var contact = await CreateContactAsync();
        var first = await SeedAsync(contact);

        var body = await _http.GetFromJsonAsync<JsonElement>($"/api/contacts/{contact}/timeline");

        var items = body.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["inbound", "outbound", "inbound", "outbound"], items.Select(i => i.GetProperty("kind").GetString()));
        Assert.Equal([T0.AddMinutes(3), T0.AddMinutes(2), T0.AddMinutes(1), T0], items.Select(i => i.GetProperty("at").GetDateTimeOffset()));
        var reply = items[2];
        Assert.Equal("sms", reply.GetProperty("channel").GetString());
        Assert.Equal("Yes please", reply.GetProperty("text").GetString());
        Assert.Equal("twilio", reply.GetProperty("provider").GetString());
        Assert.Equal("twilio:SM1", reply.GetProperty("eventId").GetString());
        Assert.Equal(first, reply.GetProperty("responseToMessageId").GetString());
        Assert.Equal(75, reply.GetProperty("responseTimeSeconds").GetDouble());
        var outbound = items[3];
        Assert.Equal(first, outbound.GetProperty("messageId").GetString());
        Assert.Equal("support", outbound.GetProperty("category").GetString());
        Assert.Equal("routed", outbound.GetProperty("status").GetString());
        Assert.Equal(["sms", "email"], outbound.GetProperty("channels").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(JsonValueKind.Null, body.GetProperty("continuation").ValueKind);
    }

    [Fact]
    public async Task Get_Filters_ByChannelAndTime()
    {
        var contact = await CreateContactAsync();
        await SeedAsync(contact);

        var sms = await _http.GetFromJsonAsync<JsonElement>($"/api/contacts/{contact}/timeline?channel=sms");
        var window = await _http.GetFromJsonAsync<JsonElement>($"/api/contacts/{contact}/timeline?from=2026-05-04T10:01:00Z&to=2026-05-04T10:02:00Z");

        Assert.Equal([T0.AddMinutes(1), T0], sms.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("at").GetDateTimeOffset()));
        Assert.Equal([T0.AddMinutes(2), T0.AddMinutes(1)], window.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("at").GetDateTimeOffset()));
    }

    [Fact]
    public async Task Get_Pages_WithTheContinuation()
    {
        var contact = await CreateContactAsync();
        await SeedAsync(contact);

        var page1 = await _http.GetFromJsonAsync<JsonElement>($"/api/contacts/{contact}/timeline?limit=3");
        var token = page1.GetProperty("continuation").GetString()!;
        var page2 = await _http.GetFromJsonAsync<JsonElement>($"/api/contacts/{contact}/timeline?limit=3&continuation={Uri.EscapeDataString(token)}");

        Assert.Equal(3, page1.GetProperty("items").GetArrayLength());
        Assert.Equal([T0], page2.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("at").GetDateTimeOffset()));
        Assert.Equal(JsonValueKind.Null, page2.GetProperty("continuation").ValueKind);
    }

    [Fact]
    public async Task Get_UnknownContact_404Problem()
    {
        var response = await _http.GetAsync("/api/contacts/c-nobody-" + Guid.NewGuid().ToString("N")[..8] + "/timeline");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("channel=fax", "channel")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-05-05T00:00:00Z&to=2026-05-04T00:00:00Z", "to")]
    [InlineData("continuation=bm90LW1pbmU", "continuation")]
    public async Task Get_BadFilter_400ProblemNamingTheField(string query, string field)
    {
        var contact = await CreateContactAsync();

        var response = await _http.GetAsync($"/api/contacts/{contact}/timeline?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task PostMessage_WithTheComplianceCategory_IsRefused()
    {
        var contact = await CreateContactAsync();

        var response = await _http.PostAsync("/api/messages", new StringContent(
            $$"""{ "contactId": "{{contact}}", "category": "compliance", "content": { "text": "hi" } }""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("reserved", problem.GetProperty("errors").GetProperty("category")[0].GetString(), StringComparison.Ordinal);
    }
}
