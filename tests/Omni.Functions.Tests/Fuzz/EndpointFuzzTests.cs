using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Omni.Azure.Tables;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Moq;
using Omni.Azure.ServiceBus;
using Xunit.Abstractions;

namespace Omni.Functions.Tests.Fuzz;

/// <summary>
/// Every HTTP endpoint under hostile input (issue 10, "Bad input"): the answer is always a 4xx with the documented error
/// media type, never a 5xx, and nothing is written — no Table entity changes (Azurite is private to this class) and
/// Service Bus (mocked at the edge) sees no send. Webhooks get real secrets, so signed garbage reaches the parsers.
/// </summary>
public sealed class EndpointFuzzTests : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const string SeedContact = "fuzz-seed";
    private const string SeedTemplate = "fuzz-seed";
    private const string AcsSecret = "acs-secret-fuzz-0123456789abcdefghijkl";
    private const string TwilioToken = "twilio-token-fuzz-0123456789";
    private const string MetaSecret = "meta-secret-fuzz-0123456789";
    private const string ChatSecret = "chat-secret-fuzz-0123456789abcdefghijkl";

    private const string ContactBody = """{"displayName":"Fuzz Seed","locale":"en-GB","timeZone":"Europe/London","preferredChannels":["sms","email"],"tags":["vip"],"defaultRegion":"GB","addresses":{"sms":{"value":"+447400100001"},"email":{"value":"fuzz.seed@example.com"}}}""";
    // No contact has this number: a body the mutations leave valid is a 404, still a 4xx.
    private const string LookupBody = """{"address":"+447400100999","channel":"sms","region":"GB"}""";
    private const string PatchBody = """{"displayName":"Fuzz Patched","tags":["a"],"quietHours":{"start":"21:00","end":"08:00"}}""";
    private const string ConsentBody = """{"channel":"email","category":"marketing","state":"opted-in","source":"form","byContact":true,"evidence":"fuzz","actor":"fuzz"}""";
    private const string MessageBody = """{"contactId":"fuzz-seed","category":"transactional","urgency":"high","content":{"text":"Hello","subject":"Hi"},"correlationId":"c-1"}""";
    private const string TemplateBody = """{"description":"d","defaultLocale":"en","locales":{"en":{"default":{"text":"Hi {{firstName}}","subject":"S"}}}}""";
    private const string PreviewBody = """{"data":{"firstName":"Zoe"},"locale":"en","channels":["sms"],"smsSegmentBudget":1}""";
    private const string AcsBody = """[{"id":"e1","topic":"/t","subject":"/phonenumber/1","eventType":"Microsoft.Communication.SMSReceived","eventTime":"2026-01-01T00:00:00Z","data":{"messageId":"m1","from":"15555555555","to":"15555555555","message":"x","receivedTimestamp":"2026-01-01T00:00:00Z"},"dataVersion":"1.0","metadataVersion":"1"}]""";

    private readonly AzuriteFixture _storage;
    private readonly ITestOutputHelper _output;
    private readonly FunctionAppFactory _factory;
    private readonly WebApplicationFactory<Program> _app;
    private HttpClient _http = null!;

    public EndpointFuzzTests(AzuriteFixture storage, ITestOutputHelper output)
    {
        _storage = storage;
        _output = output;
        _factory = new FunctionAppFactory { StorageConnectionString = storage.ConnectionString };
        // Dead-letter actions on a real queue name reach the receiver: an empty dead-letter queue.
        var receiver = new Mock<ServiceBusReceiver>();
        receiver.Setup(r => r.PeekLockAsync(It.IsAny<TimeSpan?>(), It.IsAny<CancellationToken>())).ReturnsAsync((ServiceBusReceivedMessage?)null);
        _factory.ServiceBus.Setup(c => c.CreateReceiver(It.IsAny<string>(), It.IsAny<ServiceBusSubQueue>())).Returns(receiver.Object);
        _app = _factory.WithWebHostBuilder(b =>
        {
            // As deployed: in Development, minimal APIs throw on a query value that does not bind (500 via the exception handler).
            b.UseEnvironment("Production");
            b.UseSetting("AcsEvents:Secret", AcsSecret);
            b.UseSetting("Twilio:AuthToken", TwilioToken);
            b.UseSetting("Twilio:WebhookUrl", "https://omni.example.com/api/webhooks/twilio");
            b.UseSetting("Meta:AppSecret", MetaSecret);
            b.UseSetting("Meta:VerifyToken", "fuzz-verify-token");
            b.UseSetting("Chat:Secret", ChatSecret);
            b.UseSetting("Omni:UnsubscribeSecret", "unsubscribe-secret-fuzz-0123456789");
        });
    }

    public async Task InitializeAsync()
    {
        _http = _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        // Seeds, so that body fuzzing against existing resources reaches validation; written before the snapshot.
        using var contact = await _http.PutAsync($"/api/contacts/{SeedContact}", new StringContent(ContactBody, Encoding.UTF8, "application/json"));
        Assert.True(contact.IsSuccessStatusCode, $"seed contact: {(int)contact.StatusCode} {await contact.Content.ReadAsStringAsync()}");
        using var template = await _http.PutAsync($"/api/templates/{SeedTemplate}", new StringContent(TemplateBody, Encoding.UTF8, "application/json"));
        Assert.True(template.IsSuccessStatusCode, $"seed template: {(int)template.StatusCode} {await template.Content.ReadAsStringAsync()}");
        _factory.Sender.Invocations.Clear();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
        await _factory.DisposeAsync();
    }

    public static TheoryData<string> Groups => new()
    {
        "contacts", "consent", "timeline", "messages", "batch", "message-status", "templates", "preview", "stats", "dashboard",
        "unsubscribe", "webhook-acs", "webhook-twilio", "webhook-meta", "webhook-chat", "ops-deadletters", "wrong-methods",
    };

    [Theory]
    [MemberData(nameof(Groups))]
    public async Task HostileInput_Is4xxProblem_AndWritesNothing(string group)
    {
        var cases = Cases(group).ToList();
        var freshIds = Ids(group);
        var before = await SnapshotAsync();

        var failures = new List<string>();
        foreach (var c in cases)
        {
            using var request = new HttpRequestMessage(c.Method, c.Url) { Content = c.Body() };
            foreach (var (name, value) in c.Headers ?? [])
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
            using var response = await _http.SendAsync(request);
            var status = (int)response.StatusCode;
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            var body = await response.Content.ReadAsStringAsync();
            if (!c.Allows(status) || mediaType != c.MediaType)
            {
                failures.Add($"{c.Label} [{c.Method} {FuzzCases.Show(c.Url)}] → {status} {mediaType ?? "(no content type)"} {FuzzCases.Show(body)}");
            }
        }
        _output.WriteLine($"{group}: {cases.Count} cases, {failures.Count} failures; storage before: {before[..before.IndexOf('\n', StringComparison.Ordinal)]}");

        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases failed:\n" + string.Join("\n", failures.Take(60)));
        var sends = _factory.Sender.Invocations.Where(i => i.Method.Name.StartsWith("Send", StringComparison.Ordinal) || i.Method.Name.StartsWith("Schedule", StringComparison.Ordinal)).ToList();
        Assert.True(sends.Count == 0, $"Service Bus saw {sends.Count} send(s): {string.Join(", ", sends.Select(s => s.Method.Name))}");
        Assert.Equal(before, await SnapshotAsync());
        foreach (var (kind, id) in freshIds)
        {
            using var get = await _http.GetAsync($"/api/{kind}/{id}");
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        }
        Assert.True(cases.Count >= 10, $"only {cases.Count} cases for {group}");
    }

    /// <summary>Every entity of every table (keys and ETag): any insert, update or delete changes it.</summary>
    private async Task<string> SnapshotAsync()
    {
        var service = _storage.CreateServiceClient();
        var lines = new List<string>();
        await foreach (var table in service.QueryAsync())
        {
            await foreach (var entity in service.GetTableClient(table.Name).QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]))
            {
                lines.Add($"{table.Name}|{entity.PartitionKey}|{entity.RowKey}|{entity.ETag}");
            }
        }
        lines.Sort(StringComparer.Ordinal);
        return $"{lines.Count} entities\n" + string.Join("\n", lines);
    }

    private const string FreshContact = "fuzz-fresh-contact";
    private const string FreshTemplate = "fuzz-fresh-template";

    private static IEnumerable<(string Kind, string Id)> Ids(string group) => group switch
    {
        "contacts" or "consent" or "timeline" or "messages" or "batch" => [("contacts", FreshContact)],
        "templates" or "preview" => [("templates", FreshTemplate)],
        _ => [],
    };

    private static readonly HttpMethod Patch = HttpMethod.Patch;

    private static IEnumerable<FuzzCase> Cases(string group) => group switch
    {
        "contacts" => FuzzCases.JsonBody("PUT contact (new)", HttpMethod.Put, $"/api/contacts/{FreshContact}", ContactBody, 64 * 1024)
            .Concat(FuzzCases.JsonBody("PUT contact (existing)", HttpMethod.Put, $"/api/contacts/{SeedContact}", ContactBody, 64 * 1024))
            .Concat(FuzzCases.JsonBody("PATCH contact", Patch, $"/api/contacts/{SeedContact}", PatchBody, 64 * 1024, "application/merge-patch+json"))
            .Concat(FuzzCases.RouteValues("GET contact", HttpMethod.Get, id => $"/api/contacts/{id}"))
            .Concat(FuzzCases.RouteValues("PUT contact", HttpMethod.Put, id => $"/api/contacts/{id}", ContactBody))
            .Concat(FuzzCases.RouteValues("PATCH contact", Patch, id => $"/api/contacts/{id}", PatchBody, "application/merge-patch+json"))
            .Concat(FuzzCases.RouteValues("DELETE contact", HttpMethod.Delete, id => $"/api/contacts/{id}"))
            .Concat(FuzzCases.JsonBody("look a contact up", HttpMethod.Post, "/api/contacts/lookup", LookupBody, 16 * 1024))
            .Concat(FuzzCases.QueryValues("find contact in the URL", "/api/contacts", "address", ["", "%00", "%FF", "a%2Fb%23c", new string('9', 2000)])),
        "consent" => FuzzCases.JsonBody("POST consent", HttpMethod.Post, $"/api/contacts/{SeedContact}/consent", ConsentBody, 16 * 1024)
            .Concat(FuzzCases.RouteValues("GET consent", HttpMethod.Get, id => $"/api/contacts/{id}/consent"))
            .Concat(FuzzCases.RouteValues("POST consent", HttpMethod.Post, id => $"/api/contacts/{id}/consent", ConsentBody)),
        "timeline" => FuzzCases.RouteValues("GET timeline", HttpMethod.Get, id => $"/api/contacts/{id}/timeline")
            .Concat(FuzzCases.QueryValues("timeline", $"/api/contacts/{SeedContact}/timeline", "limit", ["-1", "0", "1e3", "99999999999", "abc", "%00", "1.5", "%EF%BC%91"]))
            .Concat(FuzzCases.QueryValues("timeline", $"/api/contacts/{SeedContact}/timeline", "from", ["abc", "2026-13-45", "%00", "99999-01-01"]))
            .Concat(FuzzCases.QueryValues("timeline", $"/api/contacts/{SeedContact}/timeline", "channel", ["pigeon", "%00", "SMS%00"]))
            .Concat(FuzzCases.QueryValues("timeline", $"/api/contacts/{SeedContact}/timeline", "continuation", ["garbage", "%00", "%FF%FE", "e30", new string('A', 5000)])),
        "messages" => FuzzCases.JsonBody("POST message", HttpMethod.Post, "/api/messages", MessageBody, 256 * 1024)
            .Concat(FuzzCases.JsonBody("POST message (unknown contact)", HttpMethod.Post, "/api/messages", MessageBody.Replace(SeedContact, FreshContact, StringComparison.Ordinal), 256 * 1024).Take(40))
            .Concat(IdempotencyKeys("/api/messages", MessageBody)),
        "batch" => FuzzCases.JsonBody("POST batch", HttpMethod.Post, "/api/messages/batch", $$"""{"messages":[{{MessageBody}}]}""", 4 * 1024 * 1024)
            .Append(new FuzzCase("POST batch: 101 messages", HttpMethod.Post, "/api/messages/batch",
                () => new StringContent($$"""{"messages":[{{string.Join(",", Enumerable.Repeat(MessageBody, 101))}}]}""", Encoding.UTF8, "application/json"), 400, FuzzCase.Problem))
            .Append(new FuzzCase("POST batch: 20000 nulls", HttpMethod.Post, "/api/messages/batch",
                () => new StringContent($$"""{"messages":[{{string.Join(",", Enumerable.Repeat("null", 20_000))}}]}""", Encoding.UTF8, "application/json"), 400, FuzzCase.Problem))
            .Append(new FuzzCase("POST batch: one valid, one null", HttpMethod.Post, "/api/messages/batch",
                () => new StringContent($$"""{"messages":[{{MessageBody}},null]}""", Encoding.UTF8, "application/json"), 400, FuzzCase.Problem))
            .Concat(IdempotencyKeys("/api/messages/batch", $$"""{"messages":[{{MessageBody}}]}""")),
        "message-status" => FuzzCases.RouteValues("GET message", HttpMethod.Get, id => $"/api/messages/{id}"),
        "templates" => FuzzCases.JsonBody("PUT template (new)", HttpMethod.Put, $"/api/templates/{FreshTemplate}", TemplateBody, 256 * 1024)
            .Concat(FuzzCases.JsonBody("PUT template (existing)", HttpMethod.Put, $"/api/templates/{SeedTemplate}", TemplateBody, 256 * 1024))
            .Concat(FuzzCases.RouteValues("GET template", HttpMethod.Get, id => $"/api/templates/{id}"))
            .Concat(FuzzCases.RouteValues("PUT template", HttpMethod.Put, id => $"/api/templates/{id}", TemplateBody))
            .Concat(FuzzCases.RouteValues("DELETE template", HttpMethod.Delete, id => $"/api/templates/{id}"))
            .Concat(FuzzCases.QueryValues("list templates", "/api/templates", "pageSize", ["-1", "0", "abc", "99999999999", "1e3", "1.5", "%00", "%EF%BC%91"]))
            .Concat(FuzzCases.QueryValues("list templates", "/api/templates", "continuation", ["garbage", "%00", "%FF%FE", new string('A', 5000)])),
        "preview" => FuzzCases.JsonBody("POST preview", HttpMethod.Post, $"/api/templates/{SeedTemplate}/preview", PreviewBody, 64 * 1024 + 4096, freeForm: ["data"])
            .Concat(FuzzCases.RouteValues("POST preview", HttpMethod.Post, id => $"/api/templates/{id}/preview", PreviewBody)),
        "stats" => PeriodCases("stats", "/api/stats/channels")
            .Concat(FuzzCases.QueryValues("stats", "/api/stats/channels", "granularity", ["week", "DAY", "%00", "1", "day%00"])),
        "dashboard" => PeriodCases("dashboard", "/api/dashboard"),
        "unsubscribe" => FuzzCases.RouteValues("GET unsubscribe", HttpMethod.Get, t => $"/api/unsubscribe/{t}", errorMediaType: "text/html")
            .Concat(FuzzCases.RouteValues("POST unsubscribe", HttpMethod.Post, t => $"/api/unsubscribe/{t}", "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded", "text/html"))
            .Concat(new[] { "abc.def", "a.b.c", "AAAA", "eyJjIjoiYSJ9.AAAA", new string('A', 4000) + ".x" }.Select(t =>
                new FuzzCase($"POST unsubscribe: forged token {FuzzCases.Show(t)}", HttpMethod.Post, $"/api/unsubscribe/{t}", () => null, 400, "text/html"))),
        "webhook-acs" => Webhook("ACS", "/api/webhooks/acs", [], AcsBody, _ => [new("X-Omni-Secret", AcsSecret)])
            .Append(new FuzzCase("ACS: OPTIONS without origin", HttpMethod.Options, "/api/webhooks/acs", () => null, 400, FuzzCase.Problem,
                [new("X-Omni-Secret", AcsSecret)]))
            .Append(new FuzzCase("ACS: OPTIONS with a wrong secret", HttpMethod.Options, "/api/webhooks/acs", () => null, 401, FuzzCase.Problem,
                [new("WebHook-Request-Origin", "eventgrid.azure.net"), new("X-Omni-Secret", "wrong-" + AcsSecret)])),
        "webhook-twilio" => Webhook("Twilio", "/api/webhooks/twilio", [new("X-Twilio-Signature", "bm90IGEgc2lnbmF0dXJl")], "Body=hi&From=%2B1", sign: null, mediaType: "application/x-www-form-urlencoded")
            .Concat(Webhook("Twilio JSON", "/api/webhooks/twilio", [new("X-Twilio-Signature", "bm90IGEgc2lnbmF0dXJl")], """{"MessageSid":"SM1"}""", sign: null))
            .Concat(TwilioSignedGarbage()),
        "webhook-meta" => Webhook("Meta", "/api/webhooks/meta", [new("X-Hub-Signature-256", "sha256=00")], """{"object":"whatsapp_business_account","entry":[]}""",
                body => [new("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(MetaSecret), body)))])
            .Concat(new[] { "", "hub.mode=subscribe", "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", "hub.mode=%00&hub.verify_token=%FF&hub.challenge=%00" }.Select(q =>
                new FuzzCase($"Meta: verify ?{q}", HttpMethod.Get, $"/api/webhooks/meta?{q}", () => null, 403, FuzzCase.Problem))),
        "webhook-chat" => Webhook("Chat", "/api/webhooks/chat", [new("X-Omni-Signature", "t=abc,v1=zz")], """{"id":"m","userId":"u","text":"t","sentAt":"2026-11-23T11:59:30Z"}""",
                body =>
                {
                    var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                    var mac = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(ChatSecret), (byte[])[.. Encoding.UTF8.GetBytes(t + "."), .. body]));
                    return [new("X-Omni-Signature", $"t={t},v1={mac}")];
                })
            .Concat(new[] { "", "t=,v1=", "t=99999999999999999999,v1=00", "v1=" + new string('0', 64), "t=-1,v1=" + new string('0', 64), "garbage\u0001" }.Select(h =>
                new FuzzCase($"Chat: signature header {FuzzCases.Show(h)}", HttpMethod.Post, "/api/webhooks/chat",
                    () => new StringContent("{}", Encoding.UTF8, "application/json"), 401, FuzzCase.Problem, [new("X-Omni-Signature", h)]))),
        "ops-deadletters" => FuzzCases.RouteValues("GET dead letters", HttpMethod.Get, q => $"/api/ops/deadletters/{q}")
            .Concat(FuzzCases.RouteValues("POST dead letter (queue)", HttpMethod.Post, q => $"/api/ops/deadletters/{q}/m1/replay"))
            .Concat(FuzzCases.RouteValues("POST dead letter (message id)", HttpMethod.Post, m => $"/api/ops/deadletters/outbound/{m}/replay"))
            .Concat(FuzzCases.RouteValues("POST dead letter (action)", HttpMethod.Post, a => $"/api/ops/deadletters/outbound/m1/{a}"))
            .Concat(FuzzCases.QueryValues("list dead letters", "/api/ops/deadletters/outbound", "max", ["-1", "0", "abc", "99999999999", "2147483648", "1e3", "1.5", "%00", "%EF%BC%91"])),
        "wrong-methods" => WrongMethods(),
        _ => throw new ArgumentOutOfRangeException(nameof(group)),
    };

    private static IEnumerable<FuzzCase> PeriodCases(string name, string path) =>
        new[] { "abc", "2026-13-45", "%00", "0001-01-01", "9999-12-31T23:59:59Z", "99999-01-01", "1e400", "-2026-01-01", "2026-01-01T25:00:00Z", "%FF%FE", new string('9', 3000) }
            .SelectMany(v => FuzzCases.QueryValues(name, path, "from", [v]).Concat(FuzzCases.QueryValues(name, path, "to", [v])))
            .Concat(FuzzCases.QueryValues(name, path, "from", ["2026-01-02&to=2026-01-01", "2020-01-01&to=2026-01-01", "2026-01-01&from=2026-01-02"]));

    private static IEnumerable<FuzzCase> IdempotencyKeys(string url, string body) =>
        new[] { "", " ", "a b", "\u0001", "é", new string('k', 256) }.Select(key => new FuzzCase(
            $"{url}: Idempotency-Key {FuzzCases.Show(key)} on a body naming an unknown contact", HttpMethod.Post, url,
            () => new StringContent(body.Replace(SeedContact, FreshContact, StringComparison.Ordinal), Encoding.UTF8, "application/json"), null, FuzzCase.Problem,
            [new("Idempotency-Key", key)]));

    /// <summary>
    /// A webhook: the JSON battery unsigned (401), then again correctly signed over each garbage body (400, 413 or 415
    /// where the provider's format has a media type; never 2xx and never a send).
    /// </summary>
    private static IEnumerable<FuzzCase> Webhook(string name, string url, KeyValuePair<string, string>[] badSignature, string sample,
        Func<byte[], KeyValuePair<string, string>[]>? sign, string mediaType = "application/json")
    {
        var shape = sample.StartsWith('{') ? sample : """{"a":"b"}""";
        foreach (var c in FuzzCases.JsonBody($"{name} unsigned", HttpMethod.Post, url, shape, 1024 * 1024, mediaType))
        {
            yield return c with { Status = null, AnyOf = [401, 413], Headers = badSignature };
        }
        // Signed: only what no provider sends (bytes that are not JSON of the right shape). Well-formed JSON the parser
        // does not act on is answered 200 by design (providers retry, then disable, a webhook that fails), and the
        // content type is not signed and not checked, so those kinds stay in the unsigned battery only.
        if (sign is null)
        {
            yield break;
        }
        string[] garbage = ["malformed", "root", "truncated", "oversized", "nesting", "utf8", "control", "surrogate"];
        foreach (var c in FuzzCases.JsonBody($"{name} signed", HttpMethod.Post, url, shape, 1024 * 1024, mediaType))
        {
            if (!garbage.Contains(c.Kind) || (c.Kind == "root" && c.Label.EndsWith("root []", StringComparison.Ordinal)))
            {
                continue;
            }
            if (c.Kind == "oversized")
            {
                yield return c with { Headers = badSignature, AnyOf = [413, 401] };
                continue;
            }
            // Sign exactly the bytes that will be sent.
            using var probe = c.Body();
            var bytes = probe is null ? [] : probe.ReadAsByteArrayAsync().GetAwaiter().GetResult();
            yield return c with { Status = null, AnyOf = [400], Headers = sign(bytes) };
        }
    }

    /// <summary>Correctly signed Twilio forms that are not an SMS or status callback.</summary>
    private static IEnumerable<FuzzCase> TwilioSignedGarbage()
    {
        var random = new Random(FuzzCases.Seed);
        List<KeyValuePair<string, string>[]> forms =
        [
            [new("MessageSid", "")],
            [new("MessageSid", "SM\u0000"), new("From", "%FF")],
            [new("MessageSid", new string('S', 5000)), new("MessageStatus", "exploded")],
        ];
        for (var i = 0; i < 5; i++)
        {
            forms.Add([.. Enumerable.Range(0, random.Next(1, 6)).Select(_ => new KeyValuePair<string, string>(
                new string((char)random.Next('A', 'Z' + 1), random.Next(1, 8)), new string((char)random.Next(0x20, 0x7f), random.Next(0, 20))))]);
        }
        foreach (var form in forms)
        {
            var data = new StringBuilder("https://omni.example.com/api/webhooks/twilio");
            foreach (var p in form.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                data.Append(p.Key).Append(p.Value);
            }
            var signature = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(TwilioToken), Encoding.UTF8.GetBytes(data.ToString())));
            yield return new FuzzCase($"Twilio signed form {FuzzCases.Show(string.Join("&", form.Select(p => p.Key)))}", HttpMethod.Post, "/api/webhooks/twilio",
                () => new FormUrlEncodedContent(form), 400, FuzzCase.Problem, [new("X-Twilio-Signature", signature)]);
        }
    }

    /// <summary>Every route with a method it does not map: 405 from routing.</summary>
    private static IEnumerable<FuzzCase> WrongMethods()
    {
        var routes = new (string Path, string[] Allowed)[]
        {
            ("/api/contacts", ["GET"]), ($"/api/contacts/{SeedContact}", ["GET", "PUT", "PATCH", "DELETE"]),
            ($"/api/contacts/{SeedContact}/consent", ["GET", "POST"]), ($"/api/contacts/{SeedContact}/timeline", ["GET"]),
            ("/api/messages", ["POST"]), ("/api/messages/batch", ["POST", "GET"]), ("/api/messages/m1", ["GET"]),
            ("/api/templates", ["GET"]), ($"/api/templates/{SeedTemplate}", ["GET", "PUT", "DELETE"]), ($"/api/templates/{SeedTemplate}/preview", ["POST"]),
            ("/api/stats/channels", ["GET"]), ("/api/dashboard", ["GET"]), ("/api/unsubscribe/t", ["GET", "POST"]),
            ("/api/webhooks/acs", ["POST", "OPTIONS"]), ("/api/webhooks/twilio", ["POST"]), ("/api/webhooks/meta", ["GET", "POST"]), ("/api/webhooks/chat", ["POST"]),
            ("/api/ops/deadletters", ["GET"]), ("/api/ops/deadletters/outbound", ["GET"]), ("/api/ops/deadletters/outbound/m1/replay", ["POST"]),
        };
        string[] methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];
        foreach (var (path, allowed) in routes)
        {
            foreach (var method in methods.Except(allowed))
            {
                yield return new FuzzCase($"{method} {path}", new HttpMethod(method), path,
                    () => method is "GET" or "DELETE" ? null : new StringContent("{}", Encoding.UTF8, "application/json"), 405, FuzzCase.Problem);
            }
        }
    }
}
