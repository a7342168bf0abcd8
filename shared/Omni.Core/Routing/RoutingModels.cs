using Omni.Core.Consent;
using Omni.Core.Contacts;

namespace Omni.Core.Routing;

/// <summary>How soon a message must reach the contact.</summary>
public enum Urgency
{
    /// <summary>Instant channels first; bypasses quiet hours.</summary>
    Critical,

    /// <summary>Instant channels first; respects quiet hours.</summary>
    High,

    Normal,

    Low,
}

/// <summary>How the plan is executed.</summary>
public enum RoutingStrategy
{
    /// <summary>Send on the first step; later steps are fallbacks when a send fails.</summary>
    First,

    /// <summary>Send on every step at once.</summary>
    All,

    /// <summary>Send on the first step; move to the next when <see cref="PlannedStep.EscalateAfter"/> passes without engagement.</summary>
    Escalate,
}

/// <summary>What the policy decided.</summary>
public enum RoutingOutcome
{
    /// <summary>Execute <see cref="RoutingDecision.Steps"/> now.</summary>
    Send,

    /// <summary>Decide again at <see cref="RoutingDecision.DeferUntil"/> (send-at in the future, or quiet hours).</summary>
    Deferred,

    /// <summary>No channel may or can carry the message; the trace says why per channel.</summary>
    Undeliverable,

    /// <summary>The message expired (or would expire before it could be sent).</summary>
    Expired,

    /// <summary>The category's frequency cap for the contact is reached.</summary>
    Capped,
}

/// <summary>What to send.</summary>
/// <param name="Text">Plain text for text channels (SMS, WhatsApp, push, in-app) and the email text part.</param>
/// <param name="Subject">Email subject.</param>
/// <param name="Html">Email HTML body; its presence makes the content rich.</param>
/// <param name="HasAttachments">True when the message carries attachments; makes the content rich.</param>
/// <param name="TextByChannel">Optional per-channel text overriding <paramref name="Text"/> (e.g. a shorter SMS body).</param>
public sealed record MessageContent(
    string? Text = null,
    string? Subject = null,
    string? Html = null,
    bool HasAttachments = false,
    IReadOnlyDictionary<Channel, string>? TextByChannel = null)
{
    /// <summary>HTML or attachments: only channels that <see cref="ChannelSettings.SupportsRichContent"/> carry it faithfully.</summary>
    public bool HasRichContent => !string.IsNullOrEmpty(Html) || HasAttachments;

    /// <summary>The text sent on <paramref name="channel"/>: its override when there is one, else <see cref="Text"/>.</summary>
    public string? TextFor(Channel channel) =>
        TextByChannel is not null && TextByChannel.TryGetValue(channel, out var text) ? text : Text;
}

/// <summary>A message to route to one contact.</summary>
public sealed record OutboundMessage
{
    public required string Id { get; init; }

    /// <summary>"transactional", "security", "marketing", "support" or a custom category (see <see cref="ConsentCategories"/>).</summary>
    public required string Category { get; init; }

    public Urgency Urgency { get; init; } = Urgency.Normal;

    public required MessageContent Content { get; init; }

    /// <summary>When given, only these channels are considered.</summary>
    public IReadOnlyList<Channel>? AllowedChannels { get; init; }

    /// <summary>When given, only this channel is considered (and it must be in <see cref="AllowedChannels"/> when both are given).</summary>
    public Channel? ForcedChannel { get; init; }

    public RoutingStrategy Strategy { get; init; } = RoutingStrategy.First;

    /// <summary>Do not send before this instant.</summary>
    public DateTimeOffset? SendAt { get; init; }

    /// <summary>Do not send at or after this instant.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}

/// <summary>How the tenant configured a channel.</summary>
/// <param name="UnitCost">Cost of one message; for SMS the cost of one segment.</param>
/// <param name="IsInstant">Delivered and noticed within seconds (push, SMS, WhatsApp); email is not.</param>
/// <param name="MaxSmsSegments">SMS only: the most segments one message may use; 0 means no limit.</param>
public sealed record ChannelSettings(
    Channel Channel,
    bool Enabled,
    decimal UnitCost,
    bool IsInstant,
    bool SupportsRichContent,
    int MaxSmsSegments = 0);

/// <summary>Recent delivery health of a channel.</summary>
/// <param name="DeliveryRate">Delivered / attempted over the recent window, 0..1.</param>
/// <param name="SampleSize">Attempts the rate is based on.</param>
public sealed record ChannelHealth(Channel Channel, double DeliveryRate, int SampleSize);

/// <summary>At most <paramref name="MaxCount"/> messages of <paramref name="Category"/> per rolling <paramref name="Window"/>, across all channels.</summary>
public sealed record FrequencyCap(string Category, int MaxCount, TimeSpan Window);

/// <summary>Frequency caps by category (matched ignoring case). Security and transactional messages are never capped.</summary>
public sealed class FrequencyCaps
{
    private readonly FrequencyCap[] _caps;

    public FrequencyCaps(IEnumerable<FrequencyCap> caps)
    {
        ArgumentNullException.ThrowIfNull(caps);
        _caps = [.. caps];
    }

    public static FrequencyCaps None { get; } = new([]);

    public IReadOnlyList<FrequencyCap> Caps => _caps;

    /// <summary>The cap for <paramref name="category"/>, or null; the first one given wins when several match.</summary>
    public FrequencyCap? For(string category)
    {
        foreach (var cap in _caps)
        {
            if (string.Equals(cap.Category, category, StringComparison.OrdinalIgnoreCase))
            {
                return cap;
            }
        }
        return null;
    }
}

/// <summary>
/// How many messages of each category were sent to the contact, across all channels, within that category's cap window
/// (the caller counts with the same window as the <see cref="FrequencyCap"/>).
/// </summary>
public sealed class RecentSends
{
    private readonly IReadOnlyDictionary<string, int> _counts;

    public RecentSends(IReadOnlyDictionary<string, int> countsByCategory)
    {
        ArgumentNullException.ThrowIfNull(countsByCategory);
        _counts = countsByCategory;
    }

    public static RecentSends None { get; } = new(new Dictionary<string, int>());

    /// <summary>The count for <paramref name="category"/> (exact key first, then ignoring case), 0 when absent.</summary>
    public int CountFor(string category)
    {
        if (_counts.TryGetValue(category, out var count))
        {
            return count;
        }
        // Enumerating through the interface would box the dictionary's struct enumerator: use the concrete type when it is one.
        if (_counts is Dictionary<string, int> dictionary)
        {
            foreach (var (key, value) in dictionary)
            {
                if (string.Equals(key, category, StringComparison.OrdinalIgnoreCase))
                {
                    return value;
                }
            }
            return 0;
        }
        foreach (var (key, value) in _counts)
        {
            if (string.Equals(key, category, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }
        return 0;
    }
}

/// <summary>Tunables of the routing policy.</summary>
public sealed record RoutingOptions
{
    public static RoutingOptions Default { get; } = new();

    /// <summary>Escalation delay per step for critical messages.</summary>
    public TimeSpan EscalateAfterCritical { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan EscalateAfterHigh { get; init; } = TimeSpan.FromMinutes(10);

    public TimeSpan EscalateAfterNormal { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan EscalateAfterLow { get; init; } = TimeSpan.FromHours(6);

    /// <summary>A channel whose delivery rate is below this (with enough samples) is unhealthy and goes to the end of the plan.</summary>
    public double UnhealthyDeliveryRate { get; init; } = 0.8;

    /// <summary>Health with fewer samples than this is not trusted (the channel counts as healthy).</summary>
    public int MinHealthSamples { get; init; } = 50;

    /// <summary>SMS text longer than this many segments is "long": SMS is not adequate when email is eligible.</summary>
    public int LongTextSmsSegments { get; init; } = 3;

    public TimeSpan EscalateAfter(Urgency urgency) => urgency switch
    {
        Urgency.Critical => EscalateAfterCritical,
        Urgency.High => EscalateAfterHigh,
        Urgency.Low => EscalateAfterLow,
        _ => EscalateAfterNormal,
    };
}

/// <summary>Everything the policy looks at; <paramref name="Now"/> is injected so decisions are reproducible.</summary>
/// <param name="Settings">One entry per configured channel; a channel without settings is not used.</param>
/// <param name="Health">Recent health per channel; a channel without an entry counts as healthy.</param>
public sealed record RoutingRequest(
    OutboundMessage Message,
    Contact Contact,
    ConsentLedger Consent,
    IReadOnlyList<ChannelSettings> Settings,
    IReadOnlyList<ChannelHealth> Health,
    FrequencyCaps Caps,
    RecentSends RecentSends,
    DateTimeOffset Now,
    RoutingOptions? Options = null);

/// <summary>One channel of the plan.</summary>
/// <param name="Address">The contact's normalised address on <paramref name="Channel"/> (never written to the trace).</param>
/// <param name="EscalateAfter">Escalate strategy only: move to the next step when this passes without engagement.</param>
public sealed record PlannedStep(Channel Channel, string Address, TimeSpan? EscalateAfter = null);

/// <summary>The policy's verdict: an outcome, the ordered plan (empty unless <see cref="RoutingOutcome.Send"/>) and why.</summary>
/// <param name="Trace">One human-readable line per decision; never addresses or message text (it is stored and may be logged).</param>
public sealed record RoutingDecision(
    RoutingOutcome Outcome,
    IReadOnlyList<PlannedStep> Steps,
    DateTimeOffset? DeferUntil,
    IReadOnlyList<string> Trace);
