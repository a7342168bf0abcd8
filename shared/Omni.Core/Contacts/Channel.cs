using System.Text.Json.Serialization;

namespace Omni.Core.Contacts;

/// <summary>A way to reach a contact. Serialised in lower case: "sms", "email", "whatsapp", "inapp", "webhook", "push".</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Channel>))]
public enum Channel
{
    [JsonStringEnumMemberName("sms")] Sms,
    [JsonStringEnumMemberName("email")] Email,
    [JsonStringEnumMemberName("whatsapp")] WhatsApp,
    [JsonStringEnumMemberName("inapp")] InApp,
    [JsonStringEnumMemberName("webhook")] Webhook,
    [JsonStringEnumMemberName("push")] Push,
}

public static class Channels
{
    public static IReadOnlyList<Channel> All { get; } = Enum.GetValues<Channel>();

    /// <summary>The wire name ("sms", "whatsapp", ...).</summary>
    public static string Name(this Channel channel) => channel switch
    {
        Channel.Sms => "sms",
        Channel.Email => "email",
        Channel.WhatsApp => "whatsapp",
        Channel.InApp => "inapp",
        Channel.Webhook => "webhook",
        Channel.Push => "push",
        _ => throw new ArgumentOutOfRangeException(nameof(channel)),
    };

    public static bool TryParse(string? name, out Channel channel)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Name(), name, StringComparison.OrdinalIgnoreCase))
            {
                channel = candidate;
                return true;
            }
        }
        channel = default;
        return false;
    }
}
