using System.Text.RegularExpressions;
using NodaTime;
using NodaTime.TimeZones;
using PhoneNumbers;

namespace Omni.Core.Contacts;

/// <summary>
/// Field rules for contacts. Each check returns a value and a message fit for <see cref="ValidationErrors"/>; none throws
/// on bad input (messages may echo the rejected value, which callers supplied themselves).
/// </summary>
public static partial class ContactRules
{
    public const int MaxIdLength = 128;

    public const int MaxTagLength = 64;

    public const int MaxLocaleLength = 35;

    /// <summary>Letters, digits and <c>. _ @ : + -</c>; never Table Storage's forbidden <c>/ \ # ?</c> or control characters.</summary>
    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._@:+\-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    /// <summary>
    /// BCP 47 language tag, simplified: language (2–3 letters, or 4–8 registered-style), optional extlang, script (4 letters),
    /// region (2 letters or 3 digits), variants (5–8 alphanumerics or a digit and 3 alphanumerics), extensions and private use.
    /// Case-insensitive, as BCP 47 is.
    /// </summary>
    [GeneratedRegex(
        @"\A[A-Za-z]{2,3}(-[A-Za-z]{3}){0,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(-[0-9A-WYZa-wyz](-[A-Za-z0-9]{2,8})+)*(-[Xx](-[A-Za-z0-9]{1,8})+)?\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex LocalePattern();

    [GeneratedRegex(@"\A([01][0-9]|2[0-3]):[0-5][0-9]\z", RegexOptions.CultureInvariant)]
    private static partial Regex TimeOfDayPattern();

    [GeneratedRegex(@"\A[A-Za-z0-9._:\-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"\A[a-z][a-z0-9\-]{1,31}\z", RegexOptions.CultureInvariant)]
    private static partial Regex CategoryPattern();

    private static readonly HashSet<string> SupportedRegions = new(PhoneNumberUtil.GetInstance().GetSupportedRegions(), StringComparer.Ordinal);

    public static bool IsValidId(string? id, out string error)
    {
        if (string.IsNullOrEmpty(id))
        {
            error = "An id is required.";
            return false;
        }
        if (id.Length > MaxIdLength)
        {
            error = $"An id is at most {MaxIdLength} characters (got {id.Length}).";
            return false;
        }
        if (!IdPattern().IsMatch(id))
        {
            error = "An id starts with a letter or digit and contains only letters, digits and . _ @ : + - (no spaces, / \\ # ? or control characters).";
            return false;
        }
        error = "";
        return true;
    }

    public static bool IsValidLocale(string? locale, out string error)
    {
        if (string.IsNullOrEmpty(locale))
        {
            error = "A locale is required when given (a BCP 47 language tag such as \"en-GB\").";
            return false;
        }
        if (locale.Length > MaxLocaleLength)
        {
            error = $"A locale is at most {MaxLocaleLength} characters.";
            return false;
        }
        if (!LocalePattern().IsMatch(locale))
        {
            error = locale.Contains('_', StringComparison.Ordinal)
                ? $"'{locale}' is not a BCP 47 language tag: use '-' rather than '_' (e.g. \"{locale.Replace('_', '-')}\")."
                : $"'{locale}' is not a BCP 47 language tag (e.g. \"en\", \"en-GB\", \"zh-Hant-TW\").";
            return false;
        }
        error = "";
        return true;
    }

    public static bool IsValidTimeZone(string? timeZone, out string error)
    {
        if (string.IsNullOrEmpty(timeZone))
        {
            error = "A time zone is required when given (an IANA id such as \"Europe/London\").";
            return false;
        }
        if (DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZone) is not null)
        {
            error = "";
            return true;
        }
        var mapping = TzdbDateTimeZoneSource.Default.WindowsMapping.PrimaryMapping;
        if (mapping.TryGetValue(timeZone, out var iana))
        {
            error = $"'{timeZone}' is a Windows time zone id; use the IANA id instead (e.g. \"{iana}\").";
            return false;
        }
        var caseInsensitive = DateTimeZoneProviders.Tzdb.Ids.FirstOrDefault(id => string.Equals(id, timeZone, StringComparison.OrdinalIgnoreCase));
        error = caseInsensitive is not null
            ? $"'{timeZone}' is not a known IANA time zone id; ids are case-sensitive: did you mean \"{caseInsensitive}\"?"
            : $"'{timeZone}' is not a known IANA time zone id (e.g. \"Europe/London\", \"America/New_York\").";
        return false;
    }

    public static bool IsValidRegion(string? region, out string error)
    {
        if (string.IsNullOrEmpty(region))
        {
            error = "A region is required (an ISO 3166-1 alpha-2 code such as \"GB\").";
            return false;
        }
        if (SupportedRegions.Contains(region))
        {
            error = "";
            return true;
        }
        var upper = region.ToUpperInvariant();
        error = !string.Equals(upper, region, StringComparison.Ordinal) && SupportedRegions.Contains(upper)
            ? $"Region '{region}' must be upper case: \"{upper}\"."
            : $"Region '{region}' is not a supported ISO 3166-1 alpha-2 region code (e.g. \"GB\", \"US\").";
        return false;
    }

    public static bool TryParseQuietHours(string? start, string? end, out QuietHours? quietHours, out string error)
    {
        quietHours = null;
        if (!TryParseTimeOfDay(start, "start", out var startTime, out error)
            || !TryParseTimeOfDay(end, "end", out var endTime, out error))
        {
            return false;
        }
        if (startTime == endTime)
        {
            error = "Quiet hours start and end must differ.";
            return false;
        }
        quietHours = new QuietHours(startTime, endTime);
        error = "";
        return true;
    }

    public static bool IsValidTag(string? tag, out string error)
    {
        if (string.IsNullOrEmpty(tag))
        {
            error = "A tag must not be empty.";
            return false;
        }
        if (tag.Length > MaxTagLength)
        {
            error = $"A tag is at most {MaxTagLength} characters.";
            return false;
        }
        if (!TagPattern().IsMatch(tag))
        {
            error = "A tag contains only letters, digits and . _ : -";
            return false;
        }
        error = "";
        return true;
    }

    public static bool IsValidCategory(string? category, out string error)
    {
        if (string.IsNullOrEmpty(category))
        {
            error = "A category must not be empty.";
            return false;
        }
        if (!CategoryPattern().IsMatch(category))
        {
            error = "A category is 2 to 32 characters: a lower-case letter, then lower-case letters, digits or '-' (e.g. \"marketing\", \"order-updates\").";
            return false;
        }
        error = "";
        return true;
    }

    /// <summary>
    /// True when local wall-clock time at instant <paramref name="at"/> in the contact's zone is inside quiet hours
    /// (half-open [start, end), crossing midnight handled). Equal start and end is an empty window (never quiet).
    /// </summary>
    /// <exception cref="ArgumentException">The zone is not a known IANA id: validate with <see cref="IsValidTimeZone"/> first.</exception>
    public static bool IsQuietAt(QuietHours quietHours, string timeZone, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(quietHours);
        ArgumentNullException.ThrowIfNull(timeZone);
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZone)
            ?? throw new ArgumentException($"'{timeZone}' is not a known IANA time zone id; validate it before use.", nameof(timeZone));
        var local = Instant.FromDateTimeOffset(at).InZone(zone).TimeOfDay.ToTimeOnly();
        var (start, end) = (quietHours.Start, quietHours.End);
        if (start < end)
        {
            return local >= start && local < end;
        }
        if (start > end)
        {
            return local >= start || local < end;
        }
        return false;
    }

    private static bool TryParseTimeOfDay(string? value, string name, out TimeOnly time, out string error)
    {
        time = default;
        if (string.IsNullOrEmpty(value))
        {
            error = $"Quiet hours {name} is required (\"HH:mm\", 24-hour).";
            return false;
        }
        if (!TimeOfDayPattern().IsMatch(value))
        {
            error = $"Quiet hours {name} '{value}' is not a 24-hour \"HH:mm\" time (00:00 to 23:59).";
            return false;
        }
        time = new TimeOnly(
            (value[0] - '0') * 10 + (value[1] - '0'),
            (value[3] - '0') * 10 + (value[4] - '0'));
        error = "";
        return true;
    }
}
