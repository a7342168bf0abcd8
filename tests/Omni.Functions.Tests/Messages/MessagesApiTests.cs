using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using Omni.Azure.ServiceBus;

namespace Omni.Functions.Tests.Messages;

/// <summary>POST /api/messages, /api/messages/batch and GET /api/messages/{id} through the app, on Azurite.</summary>
public sealed class MessagesApiTests : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly FunctionAppFactory _factory;
    private readonly HttpClient _http;

    public MessagesApiTests(AzuriteFixture storage)
    {
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
        var response = await _http.PutAsync($"/api/contacts/{id}", Json($$"""
            { "addresses": { "sms": { "value": "07400 1{{Random.Shared.Next(0, 100_000):D5}}" }, "email": { "value": "{{id}}@example.com" } }, "defaultRegion": "GB" }
            """));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return id;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Message(string contactId, string text = "Your code is 123456") =>
        $$"""{ "contactId": "{{contactId}}", "category": "transactional", "urgency": "high", "content": { "text": "{{text}}" } }""";

    private static async Task<string> ProblemDetailAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
    }

    private List<ServiceBusMessage> Queued() => _factory.Sender.Invocations
        .Where(i => i.Method.Name == nameof(ServiceBusSender.SendMessageAsync))
        .Select(i => (ServiceBusMessage)i.Arguments[0]).ToList();

    private async Task<HttpResponseMessage> PostAsync(string body, string? key = null, string path = "/api/messages")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        return await _http.SendAsync(request);
    }

    [Fact]
    public async Task Post_Accepts_Records_AndQueuesTheMessage()
    {
        var contact = await CreateContactAsync();

        var response = await PostAsync(Message(contact));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetString()!;
        Assert.StartsWith("msg_", id, StringComparison.Ordinal);
        Assert.Equal("accepted", body.GetProperty("status").GetString());
        Assert.Equal($"/api/messages/{id}", body.GetProperty("statusUrl").GetString());
        Assert.Equal($"/api/messages/{id}", response.Headers.Location?.ToString());

        var queued = Assert.Single(Queued());
        Assert.Equal($"{id}:route", queued.MessageId);
        var request = JsonDocument.Parse(queued.Body.ToString()).RootElement;
        Assert.Equal(id, request.GetProperty("id").GetString());
        Assert.Equal(contact, request.GetProperty("contactId").GetString());
        _factory.ServiceBus.Verify(c => c.CreateSender("outbound"), Times.Once);

        var status = await _http.GetFromJsonAsync<JsonElement>($"/api/messages/{id}");
        Assert.Equal("accepted", status.GetProperty("status").GetString());
        Assert.Equal("high", status.GetProperty("urgency").GetString());
        Assert.Equal("escalate", status.GetProperty("strategy").GetString());
    }

    [Fact]
    public async Task SameIdempotencyKey_SameBody_GivesTheSameMessage_With200()
    {
        var contact = await CreateContactAsync();
        var key = Guid.NewGuid().ToString();

        var first = await PostAsync(Message(contact), key);
        var second = await PostAsync(Message(contact), key);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var firstId = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var secondId = (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        Assert.Equal(firstId, secondId);
        // Queued again with the same MessageId: Service Bus duplicate detection keeps one.
        Assert.All(Queued(), m => Assert.Equal($"{firstId}:route", m.MessageId));
    }

    [Fact]
    public async Task SameIdempotencyKey_SameJsonWithOtherWhitespaceAndOrder_GivesTheSameMessage()
    {
        var contact = await CreateContactAsync();
        var key = Guid.NewGuid().ToString();

        var first = await PostAsync(Message(contact), key);
        var second = await PostAsync($$"""
            {
              "content": { "text": "Your code is 123456" },
              "urgency": "high",
              "category": "transactional",
              "contactId": "{{contact}}"
            }
            """, key);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal((await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString(),
            (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task SameIdempotencyKey_RowFromBeforeCanonicalFingerprints_StillReplaysTheSameBytes()
    {
        var contact = await CreateContactAsync();
        var key = Guid.NewGuid().ToString();
        var body = Message(contact);
        var idempotency = _factory.Services.GetRequiredService<Omni.Core.Messages.IIdempotencyStore>();
        var legacyHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        var id = Omni.Core.Messages.MessageIds.New(DateTimeOffset.UtcNow);
        await idempotency.ClaimAsync("messages", key, legacyHash, id, DateTimeOffset.UtcNow, CancellationToken.None);

        var replay = await PostAsync(body, key);
        var other = await PostAsync(Message(contact, "another text"), key);

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(id, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
    }

    public static TheoryData<string> SchemaExamples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(ExamplesFolder(), "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }
        return data;
    }

    private static string ExamplesFolder() =>
        Path.Combine(Omni.DevHost.DevHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)!, "docs", "schemas", "examples");

    [Theory]
    [MemberData(nameof(SchemaExamples))]
    public async Task Post_SchemaExample_IsAccepted(string file)
    {
        var body = await File.ReadAllTextAsync(Path.Combine(ExamplesFolder(), file));
        if (JsonNode.Parse(body)!["contactId"]?.GetValue<string>() is { } contactId)
        {
            // The examples name fixed contacts: (re)create each with an address no other test uses.
            var put = await _http.PutAsync($"/api/contacts/{contactId}", Json($$"""{ "addresses": { "email": { "value": "{{Guid.NewGuid():N}}@example.com" } } }"""));
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        var response = await PostAsync(body);

        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The .NET and JavaScript Service Bus snippets in docs/messages.md send the same body, which the API accepts, under a valid id.</summary>
    [Fact]
    public async Task DocsServiceBusSnippets_SendAnAcceptedBody_UnderAValidMessageId()
    {
        var docs = await File.ReadAllTextAsync(Path.Combine(Omni.DevHost.DevHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)!, "docs", "messages.md"));
        var section = docs[docs.IndexOf("### From a backend with the Service Bus SDK", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n### ", 1, StringComparison.Ordinal)];
        var blocks = System.Text.RegularExpressions.Regex.Matches(section, "```(csharp|js)\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        static string Body(string code)
        {
            var start = code.IndexOf("{ \"contactId\"", StringComparison.Ordinal);
            var depth = 0;
            for (var i = start; i < code.Length; i++)
            {
                depth += code[i] switch { '{' => 1, '}' => -1, _ => 0 };
                if (depth == 0)
                {
                    return code[start..(i + 1)];
                }
            }
            throw new InvalidOperationException("Unbalanced braces in the snippet.");
        }
        static string MessageId(string code) =>
            System.Text.RegularExpressions.Regex.Match(code, "(?:MessageId = |messageId: )\"([^\"]+)\"").Groups[1].Value;

        var dotnet = Body(blocks["csharp"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(dotnet), JsonNode.Parse(Body(blocks["js"]))), "The two snippets send different bodies.");
        Assert.Equal(MessageId(blocks["csharp"]), MessageId(blocks["js"]));
        Assert.True(Omni.Core.Messages.MessageRequestValidator.IsValidId(MessageId(blocks["csharp"])));
        var put = await _http.PutAsync("/api/contacts/ada-lovelace", Json($$"""{ "addresses": { "email": { "value": "{{Guid.NewGuid():N}}@example.com" } } }"""));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());

        var response = await PostAsync(dotnet);

        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SameIdempotencyKey_DifferentBody_Is409()
    {
        var contact = await CreateContactAsync();
        var key = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(Message(contact), key)).StatusCode);

        var response = await PostAsync(Message(contact, "another text"), key);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Single(Queued());
    }

    [Theory]
    [InlineData("""{ "category": "transactional", "content": { "text": "x" } }""", "contactId")]
    [InlineData("""{ "contactId": "c-1", "to": { "sms": "+14155550100" }, "category": "transactional", "content": { "text": "x" } }""", "to")]
    [InlineData("""{ "contactId": "c-1", "category": "transactional", "urgency": "asap", "content": { "text": "x" } }""", "urgency")]
    [InlineData("""{ "contactId": "c-1", "category": "transactional", "strategy": "random", "content": { "text": "x" } }""", "strategy")]
    [InlineData("""{ "contactId": "c-1", "category": "transactional", "channel": "pigeon", "content": { "text": "x" } }""", "channel")]
    [InlineData("""{ "contactId": "c-1", "category": "transactional", "channels": ["sms"], "channel": "email", "content": { "text": "x" } }""", "channel")]
    [InlineData("""{ "contactId": "c-1", "category": "transactional", "content": { } }""", "content")]
    [InlineData("""{ "contactId": "c-1", "category": "transactional", "content": { "text": "x", "template": { "id": "otp" } } }""", "content.template")]
    [InlineData("""{ "contactId": "c-1", "category": "transactional", "content": { "text": "x" }, "sendAt": "2030-01-02T00:00:00Z", "expiresAt": "2030-01-01T00:00:00Z" }""", "expiresAt")]
    [InlineData("""{ "id": "mine", "contactId": "c-1", "category": "transactional", "content": { "text": "x" } }""", "id")]
    [InlineData("""{ "to": { "sms": "not a number" }, "category": "transactional", "content": { "text": "x" } }""", "to.sms")]
    [InlineData("""{ "contactId": "c-1", "category": "Marketing!", "content": { "text": "x" } }""", "category")]
    public async Task InvalidMessage_Is400_NamingTheField_AndNothingIsQueued(string body, string field)
    {
        var response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors: {problem.GetProperty("errors")}");
        Assert.Empty(Queued());
    }

    [Fact]
    public async Task UnknownField_Is400()
    {
        var response = await PostAsync("""{ "contactId": "c-1", "category": "transactional", "content": { "text": "x" }, "priority": 1 }""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(Queued());
    }

    [Fact]
    public async Task UnknownField_Is400_NamingItAndTheAllowedFields()
    {
        var detail = await ProblemDetailAsync(await PostAsync("""{ "contactId": "c-1", "category": "transactional", "content": { "text": "x", "txet": "y" }, "priority": 1 }"""));

        Assert.True(detail.Contains("unknown property 'txet' at $.content.txet; did you mean 'text'?", StringComparison.Ordinal), detail);
        Assert.Contains("subject", detail); // the allowed names of content
    }

    [Fact]
    public async Task UnknownTopLevelField_Is400_ListingTheAllowedFields()
    {
        var detail = await ProblemDetailAsync(await PostAsync("""{ "contactId": "c-1", "category": "transactional", "priority": 1, "content": { "text": "x" } }"""));

        Assert.Contains("unknown property 'priority' at $.priority", detail);
        Assert.Contains("urgency", detail);
    }

    [Theory]
    [InlineData("{ \"contactId\": \"c-1\", }", "line 1, byte 23", "unexpected '}' after ',' — trailing commas are not allowed")]
    [InlineData("{ \"contactId\": \"c-1\"", "line 1", "unexpected end of data")]
    [InlineData("{\n  \"contactId\": nope\n}", "line 2, byte 17", "invalid value starting with 'n'")]
    [InlineData("{ 'contactId': \"c-1\" }", "line 1, byte 3", "double quotes")]
    [InlineData("{ \"contactId\" \"c-1\" }", "line 1", "expected ':' after the property name")]
    public async Task MalformedJson_Is400_SayingWhereAndWhat(string body, string where, string what)
    {
        var detail = await ProblemDetailAsync(await PostAsync(body));

        Assert.True(detail.Contains(where, StringComparison.Ordinal) && detail.Contains(what, StringComparison.Ordinal), detail);
        Assert.DoesNotContain("c-1", detail); // the body is not echoed
    }

    [Fact]
    public async Task WrongKindOfValue_Is400_SayingWhatIsExpected()
    {
        var detail = await ProblemDetailAsync(await PostAsync("""{ "contactId": "c-1", "category": "transactional", "content": { "text": "x" }, "tags": "otp" }"""));

        Assert.True(detail.Contains("invalid value at $.tags: expected an array", StringComparison.Ordinal), detail);
    }

    [Fact]
    public async Task EmptyBody_Is400_SayingAMessageRequestIsExpected()
    {
        var detail = await ProblemDetailAsync(await PostAsync(""));

        Assert.Contains("empty", detail);
        Assert.Contains("docs/messages.md", detail);
    }

    [Fact]
    public async Task BadIdempotencyKey_Is400()
    {
        var contact = await CreateContactAsync();
        var response = await PostAsync(Message(contact), new string('k', 256));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task UnknownContact_Is422()
    {
        var response = await PostAsync(Message("c-nobody-" + Guid.NewGuid().ToString("N")[..8]));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(Queued());
    }

    [Fact]
    public async Task WrongMediaType_Is415()
    {
        var response = await _http.PostAsync("/api/messages", new StringContent("{}", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task ServiceBusDown_Is503_AndTheMessageIsRejectedWhenThereIsNoKey()
    {
        var contact = await CreateContactAsync();
        _factory.Sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new global::Azure.RequestFailedException(503, "unavailable"));

        var response = await PostAsync(Message(contact));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var id = (string)((ServiceBusMessage)_factory.Sender.Invocations.Single().Arguments[0]).MessageId!.Split(':')[0];
        var status = await _http.GetFromJsonAsync<JsonElement>($"/api/messages/{id}");
        Assert.Equal("rejected", status.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ServiceBusDown_WithAKey_KeepsTheMessage_AndTheRetryQueuesIt()
    {
        var contact = await CreateContactAsync();
        var key = Guid.NewGuid().ToString();
        _factory.Sender.SetupSequence(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new global::Azure.RequestFailedException(503, "unavailable"))
            .Returns(Task.CompletedTask);

        var failed = await PostAsync(Message(contact), key);
        var retried = await PostAsync(Message(contact), key);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var body = await retried.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("accepted", body.GetProperty("status").GetString());
        Assert.Equal(2, Queued().Count);
        Assert.Single(Queued().Select(m => m.MessageId).Distinct());
    }

    [Fact]
    public async Task Batch_AcceptsAll_InOrder()
    {
        var contact = await CreateContactAsync();
        var response = await PostAsync($$"""{ "messages": [ {{Message(contact, "one")}}, {{Message(contact, "two")}} ] }""", path: "/api/messages/batch");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var items = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        var queued = Queued();
        Assert.Equal(items.Select(i => i.GetProperty("id").GetString() + ":route"), queued.Select(q => q.MessageId));
        Assert.Equal(["one", "two"], queued.Select(q => JsonDocument.Parse(q.Body.ToString()).RootElement.GetProperty("content").GetProperty("text").GetString()));
    }

    [Fact]
    public async Task Batch_WithOneInvalidMessage_AcceptsNone()
    {
        var contact = await CreateContactAsync();
        var response = await PostAsync($$"""{ "messages": [ {{Message(contact)}}, { "contactId": "{{contact}}", "category": "transactional" } ] }""", path: "/api/messages/batch");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("messages[1].content", out _), errors.ToString());
        Assert.Empty(Queued());
    }

    [Fact]
    public async Task Batch_OfMoreThan100_Is400()
    {
        var one = Message("c-1");
        var response = await PostAsync($$"""{ "messages": [ {{string.Join(",", Enumerable.Repeat(one, 101))}} ] }""", path: "/api/messages/batch");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(Queued());
    }

    [Fact]
    public async Task Batch_IdempotencyKey_ReplaysTheSameIds()
    {
        var contact = await CreateContactAsync();
        var key = Guid.NewGuid().ToString();
        var body = $$"""{ "messages": [ {{Message(contact, "one")}}, {{Message(contact, "two")}} ] }""";

        var first = await PostAsync(body, key, "/api/messages/batch");
        var second = await PostAsync(body, key, "/api/messages/batch");
        var single = await PostAsync(Message(contact), key);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, single.StatusCode);
    }

    [Fact]
    public async Task ErasingTheContact_ErasesItsMessages()
    {
        var contact = await CreateContactAsync();
        var other = await CreateContactAsync();
        var mine = (await (await PostAsync(Message(contact))).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var theirs = (await (await PostAsync(Message(other))).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var stale = new HttpRequestMessage(HttpMethod.Delete, $"/api/contacts/{contact}");
        stale.Headers.TryAddWithoutValidation("If-Match", "\"not-the-etag\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await _http.SendAsync(stale)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"/api/messages/{mine}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync($"/api/contacts/{contact}")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/messages/{mine}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"/api/messages/{theirs}")).StatusCode);
    }

    [Fact]
    public async Task Get_UnknownMessage_Is404Problem()
    {
        var response = await _http.GetAsync("/api/messages/msg_nothing");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("sms", "+447400123456", "+44*******456")]
    [InlineData("email", "jane.doe@example.com", "j***@example.com")]
    [InlineData("webhook", "https://hooks.example.com/omni/secret-path", "https://hooks.example.com/***")]
    [InlineData("inapp", "u1", "**")]
    public void Mask_HidesAddresses(string channel, string address, string expected)
    {
        Assert.True(Omni.Core.Contacts.Channels.TryParse(channel, out var parsed));
        Assert.Equal(expected, Omni.Functions.Messages.MessageView.Mask(parsed, address));
    }
}
