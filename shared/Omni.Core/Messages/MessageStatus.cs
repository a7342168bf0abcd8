using System.Text.Json.Serialization;

namespace Omni.Core.Messages;

/// <summary>Where a message as a whole stands. Wire names are lower case.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MessageStatus>))]
public enum MessageStatus
{
    /// <summary>Recorded; waiting for RouteMessage.</summary>
    [JsonStringEnumMemberName("accepted")] Accepted,

    /// <summary>Waiting for send-at or the end of the contact's quiet hours (<see cref="MessageRecord.DeferUntil"/>).</summary>
    [JsonStringEnumMemberName("deferred")] Deferred,

    /// <summary>Planned; a step is queued or being sent.</summary>
    [JsonStringEnumMemberName("routed")] Routed,

    /// <summary>A provider accepted at least one attempt.</summary>
    [JsonStringEnumMemberName("sent")] Sent,

    [JsonStringEnumMemberName("delivered")] Delivered,

    [JsonStringEnumMemberName("read")] Read,

    /// <summary>No channel may or can carry it, or every step of the plan failed (<see cref="MessageRecord.Reason"/>).</summary>
    [JsonStringEnumMemberName("undeliverable")] Undeliverable,

    [JsonStringEnumMemberName("expired")] Expired,

    /// <summary>The category's frequency cap for the contact was reached.</summary>
    [JsonStringEnumMemberName("capped")] Capped,

    /// <summary>Put on the outbound queue directly but invalid (<see cref="MessageRecord.Reason"/> says why).</summary>
    [JsonStringEnumMemberName("rejected")] Rejected,
}

/// <summary>Where one attempt (one step of the plan on one channel) stands. Wire names are lower case.</summary>
/// <remarks>Ordered: pending &lt; queued &lt; sent &lt; delivered &lt; read; failed and expired are terminal. See <see cref="AttemptStatusMachine"/>.</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<AttemptStatus>))]
public enum AttemptStatus
{
    /// <summary>Claimed by the send function; the provider has not answered yet (a crash here leaves the outcome unknown).</summary>
    [JsonStringEnumMemberName("pending")] Pending,

    /// <summary>The provider accepted the message.</summary>
    [JsonStringEnumMemberName("queued")] Queued,

    /// <summary>The provider handed it to the carrier / mail server / app.</summary>
    [JsonStringEnumMemberName("sent")] Sent,

    [JsonStringEnumMemberName("delivered")] Delivered,

    [JsonStringEnumMemberName("read")] Read,

    [JsonStringEnumMemberName("failed")] Failed,

    [JsonStringEnumMemberName("expired")] Expired,
}

public static class MessageStatuses
{
    /// <summary>Nothing more will be sent for the message (delivered/read may still become read).</summary>
    public static bool IsFinal(this MessageStatus status) => status is MessageStatus.Undeliverable or MessageStatus.Expired
        or MessageStatus.Capped or MessageStatus.Rejected;

    public static string Name(this MessageStatus status) => status switch
    {
        MessageStatus.Accepted => "accepted",
        MessageStatus.Deferred => "deferred",
        MessageStatus.Routed => "routed",
        MessageStatus.Sent => "sent",
        MessageStatus.Delivered => "delivered",
        MessageStatus.Read => "read",
        MessageStatus.Undeliverable => "undeliverable",
        MessageStatus.Expired => "expired",
        MessageStatus.Capped => "capped",
        MessageStatus.Rejected => "rejected",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static string Name(this AttemptStatus status) => status switch
    {
        AttemptStatus.Pending => "pending",
        AttemptStatus.Queued => "queued",
        AttemptStatus.Sent => "sent",
        AttemptStatus.Delivered => "delivered",
        AttemptStatus.Read => "read",
        AttemptStatus.Failed => "failed",
        AttemptStatus.Expired => "expired",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };
}

/// <summary>
/// The monotonic attempt status machine: pending &lt; queued &lt; sent &lt; delivered &lt; read; failed and expired are
/// terminal and only reachable before delivery. Late or out-of-order reports never move a status backwards.
/// </summary>
public static class AttemptStatusMachine
{
    public static bool IsTerminal(AttemptStatus status) => status is AttemptStatus.Failed or AttemptStatus.Expired;

    /// <summary>Delivered or read: the contact has it.</summary>
    public static bool IsDelivered(AttemptStatus status) => status is AttemptStatus.Delivered or AttemptStatus.Read;

    /// <summary>True when <paramref name="next"/> moves <paramref name="current"/> forward; false means "ignore the report".</summary>
    public static bool CanMove(AttemptStatus current, AttemptStatus next)
    {
        if (current == next || IsTerminal(current))
        {
            return false;
        }
        if (IsTerminal(next))
        {
            // A failure reported after delivery is stale (or a late duplicate): the contact has the message.
            return !IsDelivered(current);
        }
        return Rank(next) > Rank(current);
    }

    private static int Rank(AttemptStatus status) => status switch
    {
        AttemptStatus.Pending => 0,
        AttemptStatus.Queued => 1,
        AttemptStatus.Sent => 2,
        AttemptStatus.Delivered => 3,
        AttemptStatus.Read => 4,
        _ => 5,
    };
}
