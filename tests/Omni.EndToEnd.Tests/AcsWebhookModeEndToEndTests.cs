using System.Net;
using System.Text;
using System.Text.Json;
using Omni.DevHost.Sandbox;

namespace Omni.EndToEnd.Tests;

/// <summary>A DevHost whose sandbox POSTs ACS events to the webhook (<c>--acs-events webhook</c>) instead of the acs-events queue.</summary>
public sealed class AcsWebhookDevHostFixture : DevHostFixture
{
    protected override AcsEventsDelivery AcsEvents => AcsEventsDelivery.Webhook;
}

/// <summary>
/// The webhook path for ACS events, kept for event subscriptions wired to <c>/api/webhooks/acs</c> by hand (the secret in
/// the <c>X-Omni-Secret</c> delivery header): the
/// sandbox's report travels through the DevHost's proxy to AcsEvents and marks the SMS delivered; acs-events stays unused.
/// </summary>
public sealed class AcsWebhookModeEndToEndTests(AcsWebhookDevHostFixture fixture) : IClassFixture<AcsWebhookDevHostFixture>
{
    [Fact]
    public async Task SandboxReport_InWebhookMode_ReachesAcsEventsAndMarksTheSmsDelivered()
    {
        var phone = "+4474002" + Random.Shared.Next(0, 100_000).ToString("D5");
        using var posted = await fixture.Http.PostAsync(new Uri(fixture.Server.BaseAddress, "api/messages"), new StringContent($$"""
            { "to": { "sms": "{{phone}}" }, "category": "transactional", "urgency": "high", "content": { "text": "Webhook mode" } }
            """, Encoding.UTF8, "application/json"));
        Assert.True(posted.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, $"POST /api/messages: {(int)posted.StatusCode}");
        var id = JsonDocument.Parse(await posted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();

        await DevHostFixture.EventuallyAsync(async () =>
        {
            using var response = await fixture.Http.GetAsync(new Uri(fixture.Server.BaseAddress, $"api/messages/{id}"));
            return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString() : null;
        }, status => status == "delivered", "the SMS delivery report through the webhook", TimeSpan.FromSeconds(60));

        var call = Assert.Single(fixture.Server.Sandbox.Calls.List(phone));
        Assert.True(call.ReportPosted);
        Assert.Equal("/api/webhooks/acs", fixture.Server.Sandbox.Options.AcsEventsUrl!.PathAndQuery);
        Assert.Equal(SandboxEnvironment.AcsEventsSecret, fixture.Server.Sandbox.Options.AcsEventsSecret);
        Assert.Null(fixture.Server.Sandbox.Options.AcsEventsQueue);
        var acsEvents = fixture.Queue("acs-events").Snapshot(includeBodies: false);
        Assert.Equal(0, acsEvents.Completed + acsEvents.Active);
    }
}
