namespace Omni.Core.Contacts;

/// <summary>What a provider's permanent refusal says about the address itself.</summary>
public enum AddressRefusalKind
{
    /// <summary>The address cannot take the channel (invalid, not a mobile number, unreachable): it is suppressed.</summary>
    Undeliverable,

    /// <summary>The recipient opted out at the carrier (a STOP Omni did not see): recorded as the contact's opt-out.</summary>
    OptedOut,
}

/// <summary>A provider's permanent refusal of an address, with the provider's code and Omni's fixed description (never the provider's text).</summary>
public sealed record AddressRefusal(AddressRefusalKind Kind, string Provider, string Code, string Description);

/// <summary>
/// The provider errors that say something lasting about an address, and what each does. Only these: a transient,
/// ambiguous or unknown error says nothing about the address and leaves it alone.
/// </summary>
public static class AddressRefusals
{
    /// <summary>Twilio 21610: the recipient replied STOP at the carrier.</summary>
    public static readonly AddressRefusal TwilioUnsubscribed = new(AddressRefusalKind.OptedOut, "twilio", "21610", "recipient unsubscribed at the carrier (STOP)");

    /// <summary>ACS SMS "Sender blocked for given recipient.": the recipient opted out (STOP) of this sender.</summary>
    public static readonly AddressRefusal AcsBlocked = new(AddressRefusalKind.OptedOut, "acs", "400", "recipient blocked the sender (STOP)");

    /// <summary>An ACS SMS per-recipient 400 with another message: the number itself was refused.</summary>
    public static readonly AddressRefusal AcsRefused = new(AddressRefusalKind.Undeliverable, "acs", "400", "number refused by the provider");

    private static readonly AddressRefusal AcsUnreachable = new(AddressRefusalKind.Undeliverable, "acs", "400", "unreachable number");
    private static readonly AddressRefusal AcsInvalid = new(AddressRefusalKind.Undeliverable, "acs", "400", "invalid number");

    private static readonly AddressRefusal[] Twilio =
    [
        TwilioUnsubscribed,
        new(AddressRefusalKind.Undeliverable, "twilio", "21211", "invalid number"),
        new(AddressRefusalKind.Undeliverable, "twilio", "21217", "number does not appear to be valid"),
        new(AddressRefusalKind.Undeliverable, "twilio", "21614", "not a mobile number"),
    ];

    private static readonly AddressRefusal[] Acs = [AcsBlocked, AcsUnreachable, AcsInvalid, AcsRefused];

    /// <summary>Twilio's error <paramref name="code"/> about the number, or null for any other code.</summary>
    public static AddressRefusal? ForTwilio(int code) =>
        Array.Find(Twilio, r => r.Code == code.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>An ACS SMS per-recipient 400, told apart by its error message (ACS gives no code).</summary>
    public static AddressRefusal ForAcsSms(string? errorMessage) => errorMessage switch
    {
        _ when Has(errorMessage, "blocked") => AcsBlocked,
        _ when Has(errorMessage, "unreachable") => AcsUnreachable,
        _ when Has(errorMessage, "invalid") => AcsInvalid,
        _ => AcsRefused,
    };

    /// <summary>True when (<paramref name="provider"/>, <paramref name="code"/>, <paramref name="description"/>) is one of these refusals.</summary>
    public static bool IsKnown(string? provider, string? code, string? description) =>
        Twilio.Concat(Acs).Any(r => r.Provider == provider && r.Code == code && r.Description == description);

    private static bool Has(string? text, string word) => text?.Contains(word, StringComparison.OrdinalIgnoreCase) == true;
}
