using Omni.Core.Consent;
using Omni.Core.Contacts;

namespace Omni.Functions.Contacts;

/// <summary>The body of <c>PUT /api/contacts/{id}</c> (and the result of a merge patch). Addresses are keyed by channel.</summary>
public sealed record ContactInput
{
    public string? DisplayName { get; init; }

    /// <summary>BCP 47, e.g. "en-GB".</summary>
    public string? Locale { get; init; }

    /// <summary>IANA time zone id, e.g. "Europe/London".</summary>
    public string? TimeZone { get; init; }

    public QuietHoursBody? QuietHours { get; init; }

    public IReadOnlyList<string>? PreferredChannels { get; init; }

    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>ISO 3166-1 alpha-2 region for phone numbers given in national format; not stored.</summary>
    public string? DefaultRegion { get; init; }

    /// <summary>"sms", "email", "whatsapp", "inapp", "webhook", "push" → address.</summary>
    public IReadOnlyDictionary<string, AddressBody?>? Addresses { get; init; }

    public const int MaxDisplayName = 256;
    public const int MaxTags = 32;

    /// <summary>Validates and normalises into a <see cref="Contact"/>; null with <paramref name="errors"/> filled when invalid.</summary>
    public Contact? ToContact(string id, DateTimeOffset now, ValidationErrors errors)
    {
        if (!ContactRules.IsValidId(id, out var idError))
        {
            errors.Add("id", idError);
        }
        if (DisplayName is { } name && (name.Length > MaxDisplayName || name.Any(char.IsControl)))
        {
            errors.Add("displayName", $"At most {MaxDisplayName} characters, no control characters.");
        }
        if (Locale is not null && !ContactRules.IsValidLocale(Locale, out var localeError))
        {
            errors.Add("locale", localeError);
        }
        if (TimeZone is not null && !ContactRules.IsValidTimeZone(TimeZone, out var zoneError))
        {
            errors.Add("timeZone", zoneError);
        }
        if (DefaultRegion is not null && !ContactRules.IsValidRegion(DefaultRegion, out var regionError))
        {
            errors.Add("defaultRegion", regionError);
        }

        QuietHours? quietHours = null;
        if (QuietHours is not null)
        {
            if (!ContactRules.TryParseQuietHours(QuietHours.Start, QuietHours.End, out quietHours, out var quietError))
            {
                errors.Add("quietHours", quietError);
            }
            else if (TimeZone is null)
            {
                errors.Add("quietHours", "Quiet hours are local times: set timeZone too.");
            }
        }

        var preferred = new List<Channel>();
        foreach (var (entry, index) in (PreferredChannels ?? []).Select((c, i) => (c, i)))
        {
            if (!Omni.Core.Contacts.Channels.TryParse(entry, out var channel))
            {
                errors.Add($"preferredChannels[{index}]", $"Unknown channel; use one of {string.Join(", ", Omni.Core.Contacts.Channels.All.Select(c => c.Name()))}.");
            }
            else if (preferred.Contains(channel))
            {
                errors.Add($"preferredChannels[{index}]", $"'{channel.Name()}' is listed twice.");
            }
            else
            {
                preferred.Add(channel);
            }
        }

        var tags = new List<string>();
        if (Tags is { Count: > MaxTags })
        {
            errors.Add("tags", $"At most {MaxTags} tags.");
        }
        foreach (var (tag, index) in (Tags ?? []).Select((t, i) => (t, i)))
        {
            if (!ContactRules.IsValidTag(tag, out var tagError))
            {
                errors.Add($"tags[{index}]", tagError);
            }
            else if (!tags.Contains(tag, StringComparer.Ordinal))
            {
                tags.Add(tag);
            }
        }

        var addresses = new Dictionary<Channel, ContactAddress>();
        foreach (var (key, body) in Addresses ?? new Dictionary<string, AddressBody?>())
        {
            if (!Omni.Core.Contacts.Channels.TryParse(key, out var channel))
            {
                errors.Add($"addresses.{key}", $"Unknown channel; use one of {string.Join(", ", Omni.Core.Contacts.Channels.All.Select(c => c.Name()))}.");
                continue;
            }
            if (body is null)
            {
                continue; // null removes the address (merge patch) or means none
            }
            if (!AddressNormalizer.TryNormalize(channel, body.Value, DefaultRegion, out var normalized, out var addressError))
            {
                errors.Add($"addresses.{key}.value", addressError);
                continue;
            }
            AddressSuppression? suppression = null;
            if (body.Suppressed is { } suppressed)
            {
                if (string.IsNullOrWhiteSpace(suppressed.Reason) || suppressed.Reason.Length > 128 || suppressed.Reason.Any(char.IsControl))
                {
                    errors.Add($"addresses.{key}.suppressed.reason", "A reason of 1 to 128 characters, e.g. \"hard-bounce\".");
                }
                else if (!IsShortCode(suppressed.Provider) || !IsShortCode(suppressed.Code))
                {
                    errors.Add($"addresses.{key}.suppressed", "provider and code are at most 32 characters, without control characters.");
                }
                else
                {
                    // Provider and code come back as the API gave them (a PUT of a GET keeps a provider's suppression as it was).
                    suppression = new AddressSuppression(suppressed.Reason, suppressed.At ?? now, suppressed.Provider, suppressed.Code);
                }
            }
            addresses[channel] = new ContactAddress(normalized, suppression);
        }

        return errors.IsValid
            ? new Contact
            {
                Id = id,
                DisplayName = DisplayName,
                Locale = Locale,
                TimeZone = TimeZone,
                QuietHours = quietHours,
                PreferredChannels = preferred,
                Tags = tags,
                Addresses = addresses,
            }
            : null;
    }

    private static bool IsShortCode(string? text) => text is null || (text.Length is > 0 and <= 32 && !text.Any(char.IsControl));
}

public sealed record QuietHoursBody(string? Start, string? End);

public sealed record AddressBody
{
    public string? Value { get; init; }

    public SuppressionBody? Suppressed { get; init; }
}

/// <param name="Provider">Set by Omni when a provider's permanent refusal suppressed the address (with its error <paramref name="Code"/>).</param>
public sealed record SuppressionBody(string? Reason, DateTimeOffset? At, string? Provider = null, string? Code = null);

/// <summary>A contact as the API returns it.</summary>
public sealed record ContactResource(
    string Id,
    string? DisplayName,
    string? Locale,
    string? TimeZone,
    QuietHoursBody? QuietHours,
    IReadOnlyList<string> PreferredChannels,
    IReadOnlyList<string> Tags,
    IReadOnlyDictionary<string, AddressBody> Addresses,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Fields the server owns: a merge patch cannot change them.</summary>
    public static readonly string[] ReadOnlyFields = ["id", "createdAt", "updatedAt", "webhookSecret"];

    /// <summary>
    /// The <c>whsec_</c> secret Omni signs posts to the contact's webhook address with: only in the answer to the write
    /// that set a new or changed webhook address (and only when <c>Webhooks__SigningSecret</c> is set). Never stored.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? WebhookSecret { get; init; }

    public static ContactResource From(Contact c) => new(
        c.Id,
        c.DisplayName,
        c.Locale,
        c.TimeZone,
        c.QuietHours is { } q ? new QuietHoursBody(q.Start.ToString("HH:mm"), q.End.ToString("HH:mm")) : null,
        c.PreferredChannels.Select(p => p.Name()).ToList(),
        c.Tags,
        c.Addresses.ToDictionary(
            a => a.Key.Name(),
            a => new AddressBody
            {
                Value = a.Value.Value,
                Suppressed = a.Value.Suppression is { } s ? new SuppressionBody(s.Reason, s.At, s.Provider, s.Code) : null,
            }),
        c.CreatedAt,
        c.UpdatedAt);
}

/// <summary>The body of <c>POST /api/contacts/{id}/consent</c>.</summary>
public sealed record ConsentInput
{
    /// <summary>A channel, or null for every channel.</summary>
    public string? Channel { get; init; }

    /// <summary>"transactional", "marketing", "security", "support", a custom category, or null for every category.</summary>
    public string? Category { get; init; }

    /// <summary>"opted-in" or "opted-out".</summary>
    public string? State { get; init; }

    /// <summary>"api", "keyword", "form" or "import".</summary>
    public string? Source { get; init; }

    /// <summary>The contact themself expressed it (required for an opt-in to lift an earlier opt-out).</summary>
    public bool ByContact { get; init; }

    public string? Evidence { get; init; }

    public string? Actor { get; init; }

    /// <summary>When it happened; now when omitted. Not in the future.</summary>
    public DateTimeOffset? At { get; init; }

    public ConsentEvent? ToEvent(DateTimeOffset now, ValidationErrors errors)
    {
        Channel? channel = null;
        if (Channel is not null)
        {
            if (Omni.Core.Contacts.Channels.TryParse(Channel, out var parsed))
            {
                channel = parsed;
            }
            else
            {
                errors.Add("channel", $"Unknown channel; use one of {string.Join(", ", Omni.Core.Contacts.Channels.All.Select(c => c.Name()))}, or omit it for all channels.");
            }
        }
        ConsentState? state = State switch
        {
            "opted-in" => ConsentState.OptedIn,
            "opted-out" => ConsentState.OptedOut,
            _ => null,
        };
        if (state is null)
        {
            errors.Add("state", "Use \"opted-in\" or \"opted-out\".");
        }
        ConsentSource? source = Source switch
        {
            "api" => ConsentSource.Api,
            "keyword" => ConsentSource.Keyword,
            "form" => ConsentSource.Form,
            "import" => ConsentSource.Import,
            _ => null,
        };
        if (source is null)
        {
            errors.Add("source", "Use \"api\", \"keyword\", \"form\" or \"import\".");
        }
        if (At is { } at && at > now.AddMinutes(5))
        {
            errors.Add("at", "Consent cannot be recorded for the future.");
        }
        if (!errors.IsValid)
        {
            return null;
        }
        var consent = new ConsentEvent
        {
            Channel = channel,
            Category = Category,
            State = state!.Value,
            Source = source!.Value,
            ByContact = ByContact,
            Evidence = Evidence ?? "",
            Actor = Actor ?? "",
            At = At ?? now,
        };
        ConsentLedger.Validate(consent, errors);
        return errors.IsValid ? consent : null;
    }
}

/// <summary>The answer of the consent endpoints: the state per channel × category and the full history.</summary>
public sealed record ConsentResource(IReadOnlyList<ConsentStatus> Current, IReadOnlyList<ConsentEvent> History);
