using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Omni.Core;
using Omni.Core.Consent;
using Omni.Core.Contacts;

namespace Omni.Storage.Contacts;

/// <summary>
/// The stored JSON of profiles and consent events. Explicit documents (not the domain records) so the stored schema
/// only changes on purpose: channels are their wire names, quiet hours "HH:mm", timestamps ISO 8601 with offset.
/// </summary>
internal static partial class ContactJson
{
    public const int SchemaVersion = 1;

    /// <summary>The serializer options of stored contacts: source-generated metadata only (<see cref="ContactJsonContext"/>).</summary>
    internal static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = ContactJsonContext.Default,
    };

    /// <summary>The stored documents, for <see cref="Options"/> (no reflection).</summary>
    internal static readonly Type[] DocumentTypes = [typeof(ContactDocument), typeof(ConsentDocument)];

    private static readonly JsonTypeInfo<ContactDocument> ContactInfo = Options.TypeInfo<ContactDocument>();
    private static readonly JsonTypeInfo<ConsentDocument> ConsentInfo = Options.TypeInfo<ConsentDocument>();

    public static string SerializeContact(Contact contact)
    {
        var document = new ContactDocument
        {
            Id = contact.Id,
            DisplayName = contact.DisplayName,
            Locale = contact.Locale,
            TimeZone = contact.TimeZone,
            QuietHours = contact.QuietHours is { } q
                ? new QuietHoursDocument { Start = q.Start.ToString("HH:mm", CultureInfo.InvariantCulture), End = q.End.ToString("HH:mm", CultureInfo.InvariantCulture) }
                : null,
            PreferredChannels = contact.PreferredChannels.Select(c => c.Name()).ToList(),
            Tags = contact.Tags.ToList(),
            Addresses = contact.Addresses
                .OrderBy(a => a.Key)
                .ToDictionary(a => a.Key.Name(), a => new AddressDocument
                {
                    Value = a.Value.Value,
                    Suppression = a.Value.Suppression is { } s ? new SuppressionDocument { Reason = s.Reason, At = s.At, Provider = s.Provider, Code = s.Code } : null,
                }),
            CreatedAt = contact.CreatedAt,
            UpdatedAt = contact.UpdatedAt,
        };
        return JsonSerializer.Serialize(document, ContactInfo);
    }

    public static Contact DeserializeContact(string json)
    {
        var d = JsonSerializer.Deserialize(json, ContactInfo) ?? throw new InvalidDataException("A stored contact profile is empty.");
        return new Contact
        {
            Id = d.Id ?? throw new InvalidDataException("A stored contact profile has no id."),
            DisplayName = d.DisplayName,
            Locale = d.Locale,
            TimeZone = d.TimeZone,
            QuietHours = d.QuietHours is { } q ? new QuietHours(ParseTime(q.Start), ParseTime(q.End)) : null,
            PreferredChannels = (d.PreferredChannels ?? []).Select(ParseChannel).ToList(),
            Tags = (d.Tags ?? []).ToList(),
            Addresses = (d.Addresses ?? []).ToDictionary(
                a => ParseChannel(a.Key),
                a => new ContactAddress(
                    a.Value.Value ?? throw new InvalidDataException($"The stored {a.Key} address has no value."),
                    a.Value.Suppression is { } s ? new AddressSuppression(s.Reason ?? "", s.At, s.Provider, s.Code) : null)),
            CreatedAt = d.CreatedAt,
            UpdatedAt = d.UpdatedAt,
        };
    }

    public static string SerializeConsent(ConsentEvent consent) => JsonSerializer.Serialize(new ConsentDocument
    {
        Channel = consent.Channel?.Name(),
        Category = consent.Category,
        State = consent.State,
        Source = consent.Source,
        ByContact = consent.ByContact,
        Evidence = consent.Evidence,
        Actor = consent.Actor,
        At = consent.At,
    }, ConsentInfo);

    public static ConsentEvent DeserializeConsent(string json, string id)
    {
        var d = JsonSerializer.Deserialize(json, ConsentInfo) ?? throw new InvalidDataException("A stored consent event is empty.");
        return new ConsentEvent
        {
            Id = id,
            Channel = d.Channel is null ? null : ParseChannel(d.Channel),
            Category = d.Category,
            State = d.State,
            Source = d.Source,
            ByContact = d.ByContact,
            Evidence = d.Evidence ?? "",
            Actor = d.Actor ?? "",
            At = d.At,
        };
    }

    private static Channel ParseChannel(string name) =>
        Channels.TryParse(name, out var channel) ? channel : throw new InvalidDataException($"Unknown stored channel '{name}'.");

    private static TimeOnly ParseTime(string? value) =>
        TimeOnly.TryParseExact(value, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time
            : throw new InvalidDataException($"Stored quiet hours '{value}' are not HH:mm.");

    private sealed class ContactDocument
    {
        public string? Id { get; set; }
        public string? DisplayName { get; set; }
        public string? Locale { get; set; }
        public string? TimeZone { get; set; }
        public QuietHoursDocument? QuietHours { get; set; }
        public List<string>? PreferredChannels { get; set; }
        public List<string>? Tags { get; set; }
        public Dictionary<string, AddressDocument>? Addresses { get; set; }
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset UpdatedAt { get; set; }
    }

    private sealed class QuietHoursDocument
    {
        public string? Start { get; set; }
        public string? End { get; set; }
    }

    private sealed class AddressDocument
    {
        public string? Value { get; set; }
        public SuppressionDocument? Suppression { get; set; }
    }

    private sealed class SuppressionDocument
    {
        public string? Reason { get; set; }
        public DateTimeOffset At { get; set; }
        public string? Provider { get; set; }
        public string? Code { get; set; }
    }

    private sealed class ConsentDocument
    {
        public string? Channel { get; set; }
        public string? Category { get; set; }
        public ConsentState State { get; set; }
        public ConsentSource Source { get; set; }
        public bool ByContact { get; set; }
        public string? Evidence { get; set; }
        public string? Actor { get; set; }
        public DateTimeOffset At { get; set; }
    }

    [JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonSerializable(typeof(ContactDocument))]
    [JsonSerializable(typeof(ConsentDocument))]
    private sealed partial class ContactJsonContext : JsonSerializerContext;
}
