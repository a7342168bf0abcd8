using System.Globalization;

namespace Omni.Azure.Core;

/// <summary>RFC 1123 / IMF-fixdate formatting, the date form every Azure REST header in Omni uses.</summary>
internal static class HttpDate
{
    /// <summary>Formats as <c>Wed, 13 Apr 2022 18:09:12 GMT</c> (always UTC, invariant culture).</summary>
    public static string Format(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);
}
