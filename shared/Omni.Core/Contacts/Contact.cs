namespace Omni.Core.Contacts;

/// <summary>
/// A person Omni can reach: where (one address per channel), when (time zone, quiet hours) and how they prefer it.
/// Consent lives in the <see cref="Consent.ConsentLedger"/>, never here: preferences are wishes, consent is law.
/// </summary>
public sealed record Contact
{
    public required string Id { get; init; }

    public string? DisplayName { get; init; }

    /// <summary>BCP 47 language tag, e.g. "en-GB".</summary>
    public string? Locale { get; init; }

    /// <summary>IANA time zone id, e.g. "Europe/London".</summary>
    public string? TimeZone { get; init; }

    public QuietHours? QuietHours { get; init; }

    /// <summary>Channels in the contact's order of preference; no duplicates.</summary>
    public IReadOnlyList<Channel> PreferredChannels { get; init; } = [];

    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>At most one address per channel, normalised (E.164 phones, lower-cased email domains).</summary>
    public IReadOnlyDictionary<Channel, ContactAddress> Addresses { get; init; } = new Dictionary<Channel, ContactAddress>();

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>A normalised address and, when the channel refuses it, why.</summary>
public sealed record ContactAddress(string Value, AddressSuppression? Suppression = null)
{
    public bool IsSuppressed => Suppression is not null;
}

/// <summary>An address Omni must not use: hard bounce, invalid number, carrier opt-out, ...</summary>
/// <param name="Provider">The provider whose permanent refusal suppressed it (<see cref="AddressRefusal"/>); null when an app did.</param>
/// <param name="Code">That provider's error code.</param>
public sealed record AddressSuppression(string Reason, DateTimeOffset At, string? Provider = null, string? Code = null)
{
    /// <summary>The suppression a provider's refusal of the address makes.</summary>
    public static AddressSuppression From(AddressRefusal refusal, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return new AddressSuppression(refusal.Description, at, refusal.Provider, refusal.Code);
    }

    /// <summary>
    /// "provider twilio 21614: not a mobile number" when Omni wrote it from a known provider refusal (fixed text, safe for
    /// the trace); null otherwise, since an app's reason is free text that may quote the address.
    /// </summary>
    public string? KnownProviderReason => AddressRefusals.IsKnown(Provider, Code, Reason) ? $"provider {Provider} {Code}: {Reason}" : null;
}

/// <summary>Local wall-clock hours during which non-critical messages wait, e.g. 21:00–08:00 (may cross midnight).</summary>
public sealed record QuietHours(TimeOnly Start, TimeOnly End);
