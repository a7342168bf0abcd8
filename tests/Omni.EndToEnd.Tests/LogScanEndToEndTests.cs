using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Omni.DevHost.Sandbox;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// Nothing personal or secret reaches the handler's log. One run of the things that handle such data — contacts with
/// a phone number, an e-mail address and a webhook URL, look-ups (and a refused look-up by URL), sends with distinctive
/// texts, a template render, an inbound STOP through the ACS webhook with its secret, the DevHost's sandbox secrets,
/// erasure — then every line the handler wrote (stdout and stderr, every level) is searched for each of those values,
/// phone numbers in E.164, national and digits-only forms. The scenario is this test's own, so it holds whatever else
/// ran first on the shared DevHost; whatever did run is scanned too.
/// </summary>
[Collection(DevHostCollection.Name)]
public sealed partial class LogScanEndToEndTests(DevHostFixture fixture)
{
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(60);

    private Uri Api(string relative) => new(fixture.Server.BaseAddress, "api/" + relative);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task HandlerLog_AfterContactsSendsInboundStopTemplatesAndErasure_HoldsNoAddressTextUrlOrSecret()
    {
        var run = Random.Shared.Next(10_000, 100_000).ToString(CultureInfo.InvariantCulture);
        var id = "logscan-" + Guid.NewGuid().ToString("N")[..10];
        var national = $"07400 9{run}";
        var e164 = $"+4474009{run}";
        var email = $"Scan.Person{run}@Example.net";
        var webhook = $"https://hooks.example.net/omni/logscan-{run}-tok";
        var smsText = $"Parcel {run} arrives at the blue door";
        var emailText = $"Invoice {run} for the harpsichord";
        var templateValue = $"Cressida{run}";

        // A contact with every kind of address, found by its number in national form and by its e-mail.
        using (var created = await fixture.Http.PutAsync(Api($"contacts/{id}"), Json($$"""
            { "displayName": "Scan Person {{run}}", "timeZone": "Etc/UTC", "defaultRegion": "GB", "preferredChannels": ["sms", "email"],
              "addresses": { "sms": { "value": "{{national}}" }, "email": { "value": "{{email}}" }, "webhook": { "value": "{{webhook}}" } } }
            """)))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        foreach (var (address, channel) in new[] { (national, "sms"), (email.ToUpperInvariant(), "email") })
        {
            using var lookup = await fixture.Http.PostAsync(Api("contacts/lookup"), Json($$"""{ "address": "{{address}}", "channel": "{{channel}}", "region": "GB" }"""));
            Assert.Equal(HttpStatusCode.OK, lookup.StatusCode);
        }
        using (var refused = await fixture.Http.GetAsync(Api($"contacts?address={Uri.EscapeDataString(e164)}")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }
        using (var consent = await fixture.Http.PostAsync(Api($"contacts/{id}/consent"), Json($$"""
            { "channel": "email", "category": "marketing", "state": "opted-in", "source": "form", "byContact": true, "evidence": "form {{run}}", "actor": "web" }
            """)))
        {
            Assert.Equal(HttpStatusCode.Created, consent.StatusCode);
        }

        // Sends: an SMS to the contact, an e-mail to the address given inline; both delivered (sandbox reports). Strategy
        // "first": no escalation check is left scheduled on the shared DevHost.
        var sms = await SendAsync($$"""{ "contactId": "{{id}}", "category": "transactional", "urgency": "high", "strategy": "first", "content": { "text": "{{smsText}}" } }""");
        var mail = await SendAsync($$"""{ "to": { "email": "{{email}}" }, "category": "transactional", "content": { "text": "{{emailText}}", "subject": "Invoice {{run}}" } }""");
        foreach (var message in new[] { sms, mail })
        {
            await DevHostFixture.EventuallyAsync(() => StatusAsync(message), s => s == "delivered", $"message {message} delivered", Slow);
        }

        // A template render with personal data in it.
        var template = "logscan-" + run;
        using (var put = await fixture.AdminHttp.PutAsync(Api($"templates/{template}"), Json("""
            {"defaultLocale":"en","locales":{"en":{"default":{"text":"Hello {{name}}, your code is {{code}}","subject":"Hi {{name}}"}}}}
            """)))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        using (var preview = await fixture.Http.PostAsync(Api($"templates/{template}/preview"), Json($$"""
            { "data": { "name": "{{templateValue}}", "code": "{{run}}" }, "channels": ["sms", "email"] }
            """)))
        {
            Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
            Assert.Contains(templateValue, await preview.Content.ReadAsStringAsync());
        }

        // The contact texts STOP; the event arrives through the ACS webhook, its secret in the header.
        using (var stop = await fixture.PostSmsReceivedAsync(e164, "STOP"))
        {
            Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        }
        await DevHostFixture.EventuallyAsync(() => fixture.Server.Sandbox.Calls.List(e164).Count(c => c.ReportPosted), n => n >= 2,
            "the STOP confirmation SMS", Slow);

        // Erasure, once every queue is idle: a report still on its way would find the erased message gone and be retried
        // later, leaving scheduled work for the tests that follow on this DevHost.
        await DevHostFixture.EventuallyAsync(() => (int?)(fixture.Server.Sandbox.Reporter.Pending + fixture.Server.ServiceBus.Queues
                .Select(q => q.Snapshot(includeBodies: false)).Sum(q => q.Active + q.Scheduled + q.Locked)),
            n => n == 0, "the queues and the sandbox's reports to drain", Slow);
        using (var erased = await fixture.AdminHttp.DeleteAsync(Api($"contacts/{id}")))
        {
            Assert.Equal(HttpStatusCode.NoContent, erased.StatusCode);
        }

        var lines = fixture.HandlerOutput.Lines;
        Assert.NotEmpty(lines); // the capture works: the handler logs its sends (ids only)
        string[] secrets =
        [
            SandboxEnvironment.AcsEventsSecret, SandboxEnvironment.WebhooksSigningSecret, SandboxEnvironment.InAppSigningSecret,
            SandboxEnvironment.AppEventsSigningSecret, SandboxEnvironment.UnsubscribeSecret, SandboxEnvironment.ChatSecret,
            SandboxEnvironment.MetaAppSecret, SandboxEnvironment.MetaVerifyToken, SandboxEnvironment.TwilioAuthToken, SandboxEnvironment.AcsAccessKey,
            fixture.Server.Keys.FunctionKey, fixture.Server.Keys.MasterKey,
        ];
        string[] values =
        [
            e164, e164[1..], national, national.Replace(" ", "", StringComparison.Ordinal), email, email.ToLowerInvariant(),
            webhook, $"logscan-{run}-tok", smsText, emailText, templateValue, .. secrets,
        ];
        var found = lines.SelectMany(line => values.Where(v => line.Contains(v, StringComparison.OrdinalIgnoreCase)).Select(v => $"'{v}' in: {line}")).ToList();
        // Anything else this DevHost handled: E.164 numbers, e-mail addresses, and secrets in a query string.
        found.AddRange(lines.Where(line => PhoneNumber().IsMatch(line) || EmailAddress().IsMatch(line) || SecretInQuery().IsMatch(line))
            .Select(line => $"a number, address or URL secret in: {line}"));
        Assert.True(found.Count == 0, $"The handler logged personal data or secrets ({found.Count}):\n" + string.Join('\n', found.Distinct().Take(20)));
    }

    private async Task<string> SendAsync(string body)
    {
        using var response = await fixture.Http.PostAsync(Api("messages"), Json(body));
        Assert.True(response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, $"POST /api/messages: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return answer.RootElement.GetProperty("id").GetString()!;
    }

    private async Task<string?> StatusAsync(string messageId)
    {
        using var response = await fixture.Http.GetAsync(Api($"messages/{messageId}"));
        return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString() : null;
    }

    // The test numbers of this suite are UK mobiles (+447400…), in E.164 or as digits after a country code.
    [GeneratedRegex(@"\+?447400\d{5,}")]
    private static partial Regex PhoneNumber();

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.(com|org|net|example)\b", RegexOptions.IgnoreCase)]
    private static partial Regex EmailAddress();

    [GeneratedRegex(@"[?&](code|secret|sig|token)=", RegexOptions.IgnoreCase)]
    private static partial Regex SecretInQuery();
}
