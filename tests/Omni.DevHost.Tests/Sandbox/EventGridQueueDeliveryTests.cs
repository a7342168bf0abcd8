using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Omni.DevHost.Sandbox;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Tests.Sandbox;

/// <summary>
/// The sandbox's Event Grid → Service Bus queue delivery on its own: one message per event, Event Grid's id as MessageId
/// on every attempt, and a queue that refuses sends retried as Event Grid retries (aeg-delivery-count counting up).
/// </summary>
public sealed class EventGridQueueDeliveryTests : IAsyncLifetime
{
    private readonly EmulatedQueue _queue = new(QueueSettings.Default(SandboxEnvironment.AcsEventsQueue), TimeProvider.System);
    private ProviderSandbox _sandbox = null!;

    public Task InitializeAsync()
    {
        _sandbox = new ProviderSandbox(new ProviderSandboxOptions
        {
            AcsEventsQueue = _queue,
            AcsEventsUrl = new Uri("http://127.0.0.1:9/api/webhooks/acs"),
            // Short first, then long: a busy machine cannot run every attempt before the test reopens the queue.
            ReportRetryDelays = [TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)],
        }, NullLoggerFactory.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    private static JsonObject Event(DateTimeOffset now) => new()
    {
        ["id"] = "Outgoing_1",
        ["eventType"] = "Microsoft.Communication.SMSDeliveryReportReceived",
        ["eventTime"] = now.ToString("O"),
        ["data"] = new JsonObject { ["messageId"] = "Outgoing_1", ["deliveryStatus"] = "Delivered" },
        ["dataVersion"] = "1.0",
        ["metadataVersion"] = "1",
    };

    private SandboxCall NewCall() => _sandbox.Calls.Add(new SandboxCall { Provider = "acs", Channel = "sms" });

    [Fact]
    public async Task ScheduleEventGrid_QueueConfigured_EnqueuesTheEventAloneWithEventGridProperties()
    {
        var call = NewCall();

        await _sandbox.Reporter.ScheduleEventGrid(call.Id, "Outgoing_1", TimeSpan.Zero, Event);

        var message = Assert.Single(_queue.Snapshot(includeBodies: true).Messages);
        Assert.StartsWith("{", message.Body, StringComparison.Ordinal);
        Assert.Equal("Outgoing_1", JsonNode.Parse(message.Body!)!["id"]!.GetValue<string>());
        Assert.Equal(message.MessageId, message.ApplicationProperties["aeg-output-event-id"]);
        Assert.Equal("0", message.ApplicationProperties["aeg-delivery-count"]);
        var stored = Assert.Single(_sandbox.Calls.List());
        Assert.True(stored.ReportPosted);
        Assert.Equal(1, stored.ReportAttempts);
    }

    [Fact]
    public async Task ScheduleEventGrid_QueueRefusesSends_IsRetriedUntilItAccepts_UnderOneMessageId()
    {
        var call = NewCall();
        _queue.Status = EntityStatus.SendDisabled;

        var delivery = _sandbox.Reporter.ScheduleEventGrid(call.Id, "Outgoing_1", TimeSpan.Zero, Event);
        // Reopen the queue once the first attempt has found it refusing (not after a fixed wait).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (_sandbox.Calls.List().Single().ReportAttempts < 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        _queue.Status = EntityStatus.Active;
        await delivery;

        var message = Assert.Single(_queue.Snapshot(includeBodies: false).Messages);
        var stored = Assert.Single(_sandbox.Calls.List());
        Assert.True(stored.ReportPosted);
        Assert.True(stored.ReportAttempts > 1, $"attempts {stored.ReportAttempts}");
        Assert.Equal((stored.ReportAttempts - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), message.ApplicationProperties["aeg-delivery-count"]);
    }
}
