using System.Globalization;
using Omni.Core.Contacts;
using Omni.Core.Routing;

namespace Omni.Functions.Messages;

/// <summary>
/// The tenant's messaging configuration, read once from app settings (docs/messages.md lists every key):
/// <c>Channels__{channel}__Enabled|UnitCost|IsInstant|SupportsRichContent|MaxSegments</c>, <c>Channels__Currency</c>,
/// <c>Routing__EscalateAfter{Critical|High|Normal|Low}</c>, <c>Routing__Caps__{category}</c> = "count/window"
/// (e.g. "2/1.00:00:00"), <c>Messaging__MaxDeliveryCount</c>.
/// </summary>
public sealed class MessagingSettings
{
    public required IReadOnlyList<ChannelSettings> Channels { get; init; }

    public required string Currency { get; init; }

    public required RoutingOptions Routing { get; init; }

    public required FrequencyCaps Caps { get; init; }

    /// <summary>The queues' maxDeliveryCount (infra/queues.json): on the last delivery a transient failure counts as permanent so the plan moves on instead of dead-lettering.</summary>
    public int MaxDeliveryCount { get; init; } = 10;

    public ChannelSettings? For(Channel channel)
    {
        foreach (var settings in Channels)
        {
            if (settings.Channel == channel)
            {
                return settings;
            }
        }
        return null;
    }

    /// <summary>The channel's cost of one message (SMS: one segment), 0 when not configured.</summary>
    public decimal UnitCost(Channel channel) => For(channel)?.UnitCost ?? 0m;

    private static readonly Dictionary<Channel, ChannelSettings> Defaults = new()
    {
        [Channel.Sms] = new(Channel.Sms, Enabled: true, UnitCost: 0.0075m, IsInstant: true, SupportsRichContent: false, MaxSmsSegments: 6),
        [Channel.Email] = new(Channel.Email, Enabled: true, UnitCost: 0.00025m, IsInstant: false, SupportsRichContent: true),
        [Channel.WhatsApp] = new(Channel.WhatsApp, Enabled: true, UnitCost: 0.005m, IsInstant: true, SupportsRichContent: false),
        [Channel.InApp] = new(Channel.InApp, Enabled: true, UnitCost: 0m, IsInstant: true, SupportsRichContent: false),
        [Channel.Webhook] = new(Channel.Webhook, Enabled: true, UnitCost: 0m, IsInstant: true, SupportsRichContent: false),
        // No push provider yet: off unless configured (and then every send fails permanently, so leave it off).
        [Channel.Push] = new(Channel.Push, Enabled: false, UnitCost: 0m, IsInstant: true, SupportsRichContent: false),
    };

    public static MessagingSettings FromConfiguration(IConfiguration configuration)
    {
        var channels = new List<ChannelSettings>();
        foreach (var channel in Omni.Core.Contacts.Channels.All)
        {
            var section = configuration.GetSection($"Channels:{channel.Name()}");
            var d = Defaults[channel];
            channels.Add(d with
            {
                Enabled = Bool(section, "Enabled", d.Enabled),
                UnitCost = Decimal(section, "UnitCost", d.UnitCost),
                IsInstant = Bool(section, "IsInstant", d.IsInstant),
                SupportsRichContent = Bool(section, "SupportsRichContent", d.SupportsRichContent),
                MaxSmsSegments = Int(section, "MaxSegments", d.MaxSmsSegments),
            });
        }

        var routing = configuration.GetSection("Routing");
        var options = RoutingOptions.Default with
        {
            EscalateAfterCritical = Span(routing, "EscalateAfterCritical", RoutingOptions.Default.EscalateAfterCritical),
            EscalateAfterHigh = Span(routing, "EscalateAfterHigh", RoutingOptions.Default.EscalateAfterHigh),
            EscalateAfterNormal = Span(routing, "EscalateAfterNormal", RoutingOptions.Default.EscalateAfterNormal),
            EscalateAfterLow = Span(routing, "EscalateAfterLow", RoutingOptions.Default.EscalateAfterLow),
        };

        var caps = new List<FrequencyCap>();
        var capsSection = routing.GetSection("Caps");
        foreach (var cap in capsSection.GetChildren())
        {
            caps.Add(ParseCap(cap.Key, cap.Value));
        }
        if (capsSection["marketing"] is null)
        {
            caps.Add(new FrequencyCap("marketing", 2, TimeSpan.FromDays(1)));
        }

        return new MessagingSettings
        {
            Channels = channels,
            Currency = configuration["Channels:Currency"] is { Length: 3 } currency ? currency.ToUpperInvariant() : "USD",
            Routing = options,
            Caps = new FrequencyCaps(caps),
            MaxDeliveryCount = Int(configuration.GetSection("Messaging"), "MaxDeliveryCount", 10),
        };
    }

    /// <summary>"2/1.00:00:00" → at most 2 per day; "0" or "off" → no cap.</summary>
    private static FrequencyCap ParseCap(string category, string? value)
    {
        if (value is null || value.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return new FrequencyCap(category, int.MaxValue, TimeSpan.FromDays(1));
        }
        var parts = value.Split('/', 2);
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || !TimeSpan.TryParse(parts[1], CultureInfo.InvariantCulture, out var window) || window <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"Setting Routing__Caps__{category} must be \"count/window\" such as \"2/1.00:00:00\" (2 a day), or \"off\".");
        }
        return new FrequencyCap(category, count, window);
    }

    private static bool Bool(IConfigurationSection section, string key, bool fallback) =>
        section[key] is { } value ? bool.TryParse(value, out var parsed) ? parsed : throw Invalid(section, key, "true or false") : fallback;

    private static int Int(IConfigurationSection section, string key, int fallback) =>
        section[key] is { } value ? int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : throw Invalid(section, key, "a whole number ≥ 0") : fallback;

    private static decimal Decimal(IConfigurationSection section, string key, decimal fallback) =>
        section[key] is { } value ? decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed) && parsed >= 0 ? parsed : throw Invalid(section, key, "a number ≥ 0 such as 0.0075") : fallback;

    private static TimeSpan Span(IConfigurationSection section, string key, TimeSpan fallback) =>
        section[key] is { } value ? TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var parsed) && parsed > TimeSpan.Zero ? parsed : throw Invalid(section, key, "a duration such as 00:10:00") : fallback;

    private static InvalidOperationException Invalid(IConfigurationSection section, string key, string expected) =>
        new($"Setting {section.Path.Replace(':', '_').Replace("_", "__", StringComparison.Ordinal)}__{key} must be {expected}.");
}
