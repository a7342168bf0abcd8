using System.Globalization;
using System.Text;
using PhoneNumbers;

namespace Omni.Core.Contacts;

/// <summary>
/// Turns what a caller typed into the one canonical form Omni stores and indexes per channel (E.164 phones, lower-cased
/// and punycoded email domains, absolute webhook URLs). Rejection is a value with a message, never an exception.
/// </summary>
public static class AddressNormalizer
{
    public const int MaxPhoneInputLength = 64;
    public const int MaxEmailLength = 254;
    public const int MaxEmailLocalPartLength = 64;
    public const int MaxEmailDomainLength = 253;
    public const int MaxInAppIdLength = 128;
    public const int MaxWebhookLength = 2048;
    public const int MaxPushTokenLength = 4096;

    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    /// <summary>
    /// The example in error messages: libphonenumber's own GB mobile example. (Ofcom's drama range, +44 7700 900xxx,
    /// is refused by libphonenumber's metadata, so it would be a bad example to copy.)
    /// </summary>
    public const string E164Example = "+447400123456";

    // Regions tried first when naming the country a national-format number belongs to.
    private static readonly string[] CommonRegions = ["US", "GB", "DE", "FR", "IN", "BR", "JP", "AU", "CA"];

    // Shorter digit strings are valid national numbers somewhere (small territories) but hardly what a caller meant.
    private const int MinNationalDigits = 7;
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    /// <summary>RFC 5322 atext specials allowed in an unquoted local part (besides letters, digits and non-ASCII).</summary>
    private const string LocalPartSpecials = "!#$%&'*+-/=?^_`{|}~.";

    public static bool TryNormalize(Channel channel, string? input, string? defaultRegion, out string normalized, out string error)
    {
        normalized = "";
        if (input is null && Enum.IsDefined(channel))
        {
            error = $"An address is required for {channel.Name()}.";
            return false;
        }
        input ??= "";
        string? result;
        switch (channel)
        {
            case Channel.Sms:
            case Channel.WhatsApp:
                result = NormalizePhone(input, defaultRegion, out error);
                break;
            case Channel.Email:
                result = NormalizeEmail(input, out error);
                break;
            case Channel.InApp:
                result = NormalizeInApp(input, out error);
                break;
            case Channel.Webhook:
                result = NormalizeWebhook(input, out error);
                break;
            case Channel.Push:
                result = NormalizePush(input, out error);
                break;
            default:
                error = $"Unknown channel {(int)channel}.";
                return false;
        }
        if (result is null)
        {
            return false;
        }
        normalized = result;
        error = "";
        return true;
    }

    private static string? NormalizePhone(string input, string? defaultRegion, out string error)
    {
        var trimmed = input.Trim();
        if (trimmed.Length == 0)
        {
            error = "A phone number is required.";
            return null;
        }
        if (trimmed.Length > MaxPhoneInputLength)
        {
            error = $"A phone number is at most {MaxPhoneInputLength} characters.";
            return null;
        }

        // Keep digits and one leading '+'; allow only the usual formatting characters in between.
        var digits = new StringBuilder(trimmed.Length);
        var plus = false;
        for (var i = 0; i < trimmed.Length; i++)
        {
            var c = trimmed[i];
            if (char.IsAsciiDigit(c))
            {
                digits.Append(c);
            }
            else if (c == '+' && i == 0)
            {
                plus = true;
            }
            else if (c is not (' ' or '-' or '.' or '(' or ')'))
            {
                error = $"'{trimmed}' is not a valid phone number: only digits, a leading '+', spaces, dashes, dots and parentheses are allowed.";
                return null;
            }
        }
        if (digits.Length == 0)
        {
            error = $"'{trimmed}' is not a valid phone number: it has no digits.";
            return null;
        }

        string? region = null;
        if (defaultRegion is not null)
        {
            if (!ContactRules.IsValidRegion(defaultRegion, out var regionError))
            {
                error = regionError;
                return null;
            }
            region = defaultRegion;
        }

        var number = digits.ToString();
        string candidate;
        string? parseRegion;
        if (plus)
        {
            (candidate, parseRegion) = ("+" + number, null);
        }
        else if (number.StartsWith("00", StringComparison.Ordinal))
        {
            // The ITU international prefix: no national numbering plan starts with it.
            (candidate, parseRegion) = ("+" + number[2..], null);
        }
        else if (number.StartsWith("011", StringComparison.Ordinal) && (region is null || UsesNanpInternationalPrefix(region) || !IsValidNational(number, region)))
        {
            // The North American international prefix. Elsewhere "011..." can be a national number (Sapporo is 011 in Japan),
            // so with such a region a valid national reading wins.
            (candidate, parseRegion) = ("+" + number[3..], null);
        }
        else if (region is null)
        {
            // Only a number some country would dial this way is "national"; anything else is just not a phone number.
            error = NationalIn(number) is { } home
                ? $"'{trimmed}' is in national format (valid in {home}): give it in E.164 with its country code, e.g. {Phones.Format(Phones.Parse(number, home), PhoneNumberFormat.E164)}, or give a default region."
                : $"'{trimmed}' is not a valid phone number; use E.164, e.g. {E164Example}.";
            return null;
        }
        else
        {
            (candidate, parseRegion) = (number, region);
        }

        PhoneNumber parsed;
        try
        {
            parsed = Phones.Parse(candidate, parseRegion);
        }
        catch (NumberParseException)
        {
            error = InvalidPhone(trimmed, parseRegion);
            return null;
        }
        if (!Phones.IsValidNumber(parsed))
        {
            error = InvalidPhone(trimmed, parseRegion);
            return null;
        }
        error = "";
        return Phones.Format(parsed, PhoneNumberFormat.E164);
    }

    private static string InvalidPhone(string input, string? region) => region is null
        ? $"'{input}' is not a valid phone number; use E.164, e.g. {E164Example}."
        : $"'{input}' is not a valid phone number for region {region}; use a number of that region or E.164, e.g. {E164Example}.";

    /// <summary>
    /// The first region (in a fixed, common-first order) where <paramref name="digits"/> is a valid national number,
    /// or null. Runs only on the error path, over every region libphonenumber knows.
    /// </summary>
    private static string? NationalIn(string digits)
    {
        if (digits.Length < MinNationalDigits)
        {
            return null;
        }
        return CommonRegions.Concat(Phones.GetSupportedRegions().Order(StringComparer.Ordinal)).FirstOrDefault(r => IsValidNational(digits, r));
    }

    private static bool UsesNanpInternationalPrefix(string region) =>
        Phones.GetMetadataForRegion(region) is { } metadata && metadata.InternationalPrefix == "011";

    private static bool IsValidNational(string number, string region)
    {
        try
        {
            return Phones.IsValidNumber(Phones.Parse(number, region));
        }
        catch (NumberParseException)
        {
            return false;
        }
    }

    private static string? NormalizeEmail(string input, out string error)
    {
        var trimmed = input.Trim();
        if (trimmed.Length == 0)
        {
            error = "An email address is required.";
            return null;
        }
        if (trimmed.Contains('<') || trimmed.Contains('>'))
        {
            error = "Give the bare email address (\"ada@example.com\"), not a display-name form (\"Ada <ada@example.com>\").";
            return null;
        }
        for (var i = 0; i < trimmed.Length; i++)
        {
            var c = trimmed[i];
            if (char.IsControl(c) || char.IsWhiteSpace(c))
            {
                error = "An email address must not contain whitespace or control characters.";
                return null;
            }
            if (char.IsSurrogate(c))
            {
                if (!char.IsSurrogatePair(trimmed, i))
                {
                    error = "An email address must be valid Unicode text.";
                    return null;
                }
                i++;
            }
        }
        var at = trimmed.IndexOf('@');
        if (at < 0 || trimmed.IndexOf('@', at + 1) >= 0)
        {
            error = "An email address has exactly one '@'.";
            return null;
        }
        var local = trimmed[..at];
        var domain = trimmed[(at + 1)..];
        if (!IsValidLocalPart(local, out error))
        {
            return null;
        }
        var asciiDomain = NormalizeDomain(domain, out error);
        if (asciiDomain is null)
        {
            return null;
        }
        var result = local + "@" + asciiDomain;
        if (result.Length > MaxEmailLength)
        {
            error = $"An email address is at most {MaxEmailLength} characters.";
            return null;
        }
        error = "";
        return result;
    }

    private static bool IsValidLocalPart(string local, out string error)
    {
        if (local.Length == 0)
        {
            error = "An email address needs a local part before the '@'.";
            return false;
        }
        if (Encoding.UTF8.GetByteCount(local) > MaxEmailLocalPartLength)
        {
            error = $"The local part of an email address (before the '@') is at most {MaxEmailLocalPartLength} characters.";
            return false;
        }
        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
        {
            error = "The local part of an email address must not start or end with '.' or contain '..'.";
            return false;
        }
        foreach (var c in local)
        {
            if (!char.IsAsciiLetterOrDigit(c) && !LocalPartSpecials.Contains(c) && c < 0x80)
            {
                error = $"The local part of an email address must not contain '{c}' (quoted local parts are not accepted).";
                return false;
            }
        }
        error = "";
        return true;
    }

    private static string? NormalizeDomain(string domain, out string error)
    {
        if (domain.Length == 0)
        {
            error = "An email address needs a domain after the '@'.";
            return null;
        }
        foreach (var c in domain)
        {
            // Combining diacritics would need Unicode normalisation, which invariant globalisation does not do: a decomposed
            // "u + \u0308" would punycode differently from "ü" and never reach the real domain.
            if (c is >= '\u0300' and <= '\u036F')
            {
                error = "The email domain contains combining accents; send it in composed (NFC) form.";
                return null;
            }
        }
        string ascii;
        try
        {
            ascii = Idn.GetAscii(domain.ToLowerInvariant());
        }
        catch (ArgumentException)
        {
            error = $"'{domain}' is not a valid email domain.";
            return null;
        }
        ascii = ascii.ToLowerInvariant();
        if (ascii.Length > MaxEmailDomainLength)
        {
            error = $"An email domain is at most {MaxEmailDomainLength} characters.";
            return null;
        }
        var labels = ascii.Split('.');
        if (labels.Length < 2)
        {
            error = $"'{domain}' is not a valid email domain: it needs a dot (\"example.com\").";
            return null;
        }
        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-' || !label.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                error = $"'{domain}' is not a valid email domain.";
                return null;
            }
        }
        if (labels[^1].All(char.IsAsciiDigit))
        {
            error = $"'{domain}' is not a valid email domain: IP addresses are not accepted.";
            return null;
        }
        error = "";
        return ascii;
    }

    private static string? NormalizeInApp(string input, out string error)
    {
        var trimmed = input.Trim();
        if (trimmed.Length == 0)
        {
            error = "An in-app user id is required.";
            return null;
        }
        if (trimmed.Length > MaxInAppIdLength)
        {
            error = $"An in-app user id is at most {MaxInAppIdLength} characters.";
            return null;
        }
        if (trimmed.Any(char.IsControl))
        {
            error = "An in-app user id must not contain control characters.";
            return null;
        }
        error = "";
        return trimmed;
    }

    private static string? NormalizeWebhook(string input, out string error)
    {
        var trimmed = input.Trim();
        if (trimmed.Length == 0)
        {
            error = "A webhook URL is required.";
            return null;
        }
        if (trimmed.Length > MaxWebhookLength)
        {
            error = $"A webhook URL is at most {MaxWebhookLength} characters.";
            return null;
        }
        if (trimmed.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            error = "A webhook URL must not contain whitespace or control characters.";
            return null;
        }
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            error = $"'{trimmed}' is not an absolute URL.";
            return null;
        }
        var loopback = string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase) || uri.Host == "127.0.0.1";
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && loopback))
        {
            error = "A webhook URL must use https (http only for localhost or 127.0.0.1).";
            return null;
        }
        if (uri.UserInfo.Length > 0)
        {
            error = "A webhook URL must not carry credentials (user-info); use a signing secret or a header instead.";
            return null;
        }
        if (!string.Equals(uri.Host, uri.IdnHost, StringComparison.Ordinal))
        {
            uri = new UriBuilder(uri) { Host = uri.IdnHost }.Uri;
        }
        var result = uri.AbsoluteUri;
        if (result.Length > MaxWebhookLength)
        {
            error = $"A webhook URL is at most {MaxWebhookLength} characters once escaped.";
            return null;
        }
        error = "";
        return result;
    }

    private static string? NormalizePush(string input, out string error)
    {
        var trimmed = input.Trim();
        if (trimmed.Length == 0)
        {
            error = "A push device token is required.";
            return null;
        }
        if (trimmed.Length > MaxPushTokenLength)
        {
            error = $"A push device token is at most {MaxPushTokenLength} characters.";
            return null;
        }
        if (trimmed.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            error = "A push device token must not contain whitespace or control characters.";
            return null;
        }
        error = "";
        return trimmed;
    }
}
