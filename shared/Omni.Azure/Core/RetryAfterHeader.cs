using System.Globalization;
using Azure;

namespace Omni.Azure.Core;

/// <summary>Reads the delay a server asked for before the next attempt.</summary>
internal static class RetryAfterHeader
{
    /// <summary>
    /// The delay requested by <c>retry-after-ms</c>, <c>x-ms-retry-after-ms</c> (milliseconds) or
    /// <c>Retry-After</c> (delta-seconds or HTTP-date, RFC 9110 §10.2.3), in that order of preference;
    /// null when none is present or parseable.
    /// </summary>
    public static TimeSpan? GetDelay(Response response, DateTimeOffset now)
    {
        if (TryGetMilliseconds(response, "retry-after-ms", out TimeSpan delay) ||
            TryGetMilliseconds(response, "x-ms-retry-after-ms", out delay))
        {
            return delay;
        }

        if (!response.Headers.TryGetValue("Retry-After", out string? value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        value = value.Trim();
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
        {
            return seconds <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(seconds);
        }

        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset at) ||
            DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at))
        {
            TimeSpan untilThen = at - now;
            return untilThen <= TimeSpan.Zero ? TimeSpan.Zero : untilThen;
        }

        return null;
    }

    private static bool TryGetMilliseconds(Response response, string header, out TimeSpan delay)
    {
        delay = default;
        if (response.Headers.TryGetValue(header, out string? value) &&
            double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double milliseconds))
        {
            delay = milliseconds <= 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(milliseconds);
            return true;
        }

        return false;
    }
}
