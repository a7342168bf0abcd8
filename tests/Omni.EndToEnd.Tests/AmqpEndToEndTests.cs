using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Messaging.ServiceBus;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// An app sending with the official Service Bus SDK (AMQP) to the DevHost's listener: its message request on
/// <c>outbound</c> is routed by the real function app and sent through the sandbox, as one posted to the API is.
/// </summary>
[Collection(DevHostCollection.Name)]
public sealed class AmqpEndToEndTests(DevHostFixture fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task MessageRequestSentWithTheSdk_IsRoutedAndDelivered()
    {
        var contact = "e2e-amqp-" + Guid.NewGuid().ToString("N")[..8];
        var phone = "+4474002" + Random.Shared.Next(0, 100_000).ToString("D5");
        using (var created = await fixture.Http.PutAsync(new Uri(fixture.Server.BaseAddress, $"api/contacts/{contact}"), new StringContent($$"""
                   { "timeZone": "Etc/UTC", "addresses": { "sms": { "value": "{{phone}}" } } }
                   """, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        var id = "amqp-" + Guid.NewGuid().ToString("N")[..12];
        await using var client = new ServiceBusClient(fixture.Server.Amqp.ConnectionString, new ServiceBusClientOptions
        {
            RetryOptions = new ServiceBusRetryOptions { MaxRetries = 0, TryTimeout = TimeSpan.FromSeconds(15) },
        });
        await using var sender = client.CreateSender("outbound");
        using var bounded = new CancellationTokenSource(Bound);

        await sender.SendMessageAsync(new ServiceBusMessage(Encoding.UTF8.GetBytes($$"""
            { "id": "{{id}}", "contactId": "{{contact}}", "category": "transactional", "urgency": "high",
              "content": { "text": "Your code is 271828" } }
            """)) { MessageId = $"{id}:route", ContentType = "application/json" }, bounded.Token);

        var delivered = await DevHostFixture.EventuallyAsync<JsonElement?>(async () =>
        {
            using var response = await fixture.Http.GetAsync(new Uri(fixture.Server.BaseAddress, $"api/messages/{id}"));
            return response.IsSuccessStatusCode ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone() : null;
        }, m => m!.Value.GetProperty("status").GetString() == "delivered", "the AMQP-sent message to be delivered", Bound);

        Assert.Equal("sms", delivered!.Value.GetProperty("attempts")[0].GetProperty("channel").GetString());
        var call = Assert.Single(fixture.Server.Sandbox.Calls.List(phone));
        Assert.Equal("Your code is 271828", call.Text);
        Assert.Contains(fixture.Queue("outbound").Snapshot(false).RecentlyCompleted, m => m.MessageId == $"{id}:route");
    }
}
