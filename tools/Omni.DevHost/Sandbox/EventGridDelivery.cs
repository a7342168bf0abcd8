using System.Globalization;
using System.Text.Json.Nodes;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Sandbox;

/// <summary>
/// What Event Grid sends along with an event (Event Grid schema), as the sandbox reproduces it: the <c>aeg-*</c>
/// properties its docs list for every handler (HTTP headers for a webhook, application properties for Service Bus), and
/// the Service Bus message its queue handler writes: one event per message, the event's JSON alone as the body, and as
/// MessageId Event Grid's internal id for the event, the same on every retry so duplicate detection drops repeats.
/// </summary>
public static class EventGridDelivery
{
    /// <summary>The <c>aeg-*</c> properties of delivery <paramref name="attempt"/> (1-based; Event Grid counts from 0).</summary>
    public static IEnumerable<KeyValuePair<string, string>> Properties(JsonObject @event, int attempt) =>
    [
        new("aeg-event-type", "Notification"),
        new("aeg-subscription-name", SandboxEnvironment.EventSubscriptionName),
        new("aeg-delivery-count", (attempt - 1).ToString(CultureInfo.InvariantCulture)),
        new("aeg-data-version", Text(@event, "dataVersion") ?? "1.0"),
        new("aeg-metadata-version", Text(@event, "metadataVersion") ?? "1"),
    ];

    /// <summary>
    /// Puts <paramref name="event"/> on <paramref name="queue"/> as Event Grid would (in-process, as the emulator's REST
    /// front does). Null when accepted (a repeat of <paramref name="eventGridId"/> is accepted and dropped, as Service Bus
    /// does); otherwise why not, so the caller retries as Event Grid does.
    /// </summary>
    public static string? Enqueue(EmulatedQueue queue, JsonObject @event, string eventGridId, int attempt)
    {
        if (queue.SendDisabled)
        {
            return $"queue {queue.Name} is {queue.Status}";
        }
        var properties = Properties(@event, attempt).ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal);
        properties["aeg-output-event-id"] = eventGridId;
        queue.Enqueue(new IncomingMessage
        {
            Body = System.Text.Encoding.UTF8.GetBytes(@event.ToJsonString()),
            MessageId = eventGridId,
            ApplicationProperties = properties,
        });
        return null;
    }

    private static string? Text(JsonObject @event, string name) =>
        @event[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;
}
