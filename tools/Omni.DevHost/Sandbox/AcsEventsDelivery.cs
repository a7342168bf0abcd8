namespace Omni.DevHost.Sandbox;

/// <summary>How the sandbox delivers ACS events (the part Event Grid plays in Azure): <c>--acs-events queue|webhook</c>.</summary>
public enum AcsEventsDelivery
{
    /// <summary>
    /// The default, as deployed: each event is a Service Bus message on the emulated <c>acs-events</c> queue, as Event
    /// Grid's Service Bus queue handler puts it there (the event alone as the body, its own MessageId, <c>aeg-*</c>
    /// application properties). AcsEventQueue consumes it.
    /// </summary>
    Queue,

    /// <summary>
    /// A one-event array POSTed to <c>/api/webhooks/acs</c> with the secret in the <c>X-Omni-Secret</c> header, as an Event
    /// Grid webhook subscription with that static delivery property does.
    /// </summary>
    Webhook,
}
