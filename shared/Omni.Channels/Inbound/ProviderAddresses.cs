using Omni.Core.Contacts;

namespace Omni.Channels.Inbound;

/// <summary>Normalises the addresses providers put in webhooks, so they match the contact address index.</summary>
public static class ProviderAddresses
{
    /// <summary>
    /// A phone number or WhatsApp id as E.164: a "whatsapp:" prefix is dropped, bare digits get a leading "+" (providers
    /// send both "15555555555" and "+15555555555"), and a number libphonenumber knows is put in canonical form. A value that
    /// is not a phone number at all (an ACS channel registration GUID, a documentation placeholder) is returned trimmed,
    /// unchanged: it will simply match no contact.
    /// </summary>
    public static string? Phone(string? value)
    {
        if (value is null)
        {
            return null;
        }
        var trimmed = value.Trim();
        if (trimmed.StartsWith("whatsapp:", StringComparison.OrdinalIgnoreCase))
        {
            trimmed = trimmed["whatsapp:".Length..].Trim();
        }
        var digits = trimmed.StartsWith('+') ? trimmed[1..] : trimmed;
        if (digits.Length is < 3 or > 15 || !digits.All(char.IsAsciiDigit))
        {
            return trimmed.Length == 0 ? null : trimmed;
        }
        return AddressNormalizer.TryNormalize(Channel.Sms, "+" + digits, null, out var normalized, out _)
            ? normalized
            : "+" + digits;
    }
}
