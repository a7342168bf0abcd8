using System.Globalization;

namespace Omni.DevHost;

/// <summary>
/// The DevHost's <c>--clock HH:mm[@zone]</c> and <c>--clock-offset [-]hh:mm:ss</c>: how far to shift the clock, so that
/// the quick start can show quiet hours (21:00–08:00 London) on purpose and a test can replay it at 23:00.
/// </summary>
public static class DevHostClock
{
    /// <summary>The handler setting that carries the offset (functions/Hosting/ClockOffset.cs reads it).</summary>
    public const string HandlerSetting = "Omni__ClockOffset";

    /// <summary>
    /// The offset from <paramref name="clock"/> (a time of day, in <c>@zone</c> or this machine's zone) or
    /// <paramref name="offset"/> (a time span), at most one of them; zero when neither. False with the reason when invalid.
    /// </summary>
    public static bool TryParse(string? clock, string? offset, DateTimeOffset now, out TimeSpan result, out string? error)
    {
        result = TimeSpan.Zero;
        error = null;
        if (clock is not null && offset is not null)
        {
            error = "Give --clock or --clock-offset, not both.";
            return false;
        }
        if (offset is not null)
        {
            if (TimeSpan.TryParse(offset, CultureInfo.InvariantCulture, out result))
            {
                return true;
            }
            error = $"--clock-offset must be a time span such as -02:00:00 or 1.00:00:00, not '{offset}'.";
            return false;
        }
        if (clock is null)
        {
            return true;
        }
        var at = clock.IndexOf('@');
        var timeText = at < 0 ? clock : clock[..at];
        if (!TimeOnly.TryParseExact(timeText, ["HH:mm", "H:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            error = $"--clock must be a time of day such as 23:00 or 23:00@Europe/London, not '{clock}'.";
            return false;
        }
        TimeZoneInfo zone;
        try
        {
            zone = at < 0 ? TimeZoneInfo.Local : TimeZoneInfo.FindSystemTimeZoneById(clock[(at + 1)..]);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            error = $"--clock: unknown time zone '{clock[(at + 1)..]}' (use an IANA name such as Europe/London).";
            return false;
        }
        result = OffsetTo(time, zone, now);
        return true;
    }

    /// <summary>
    /// The offset that makes it <paramref name="time"/> in <paramref name="zone"/> at <paramref name="now"/>: the nearest
    /// such moment, yesterday, today or tomorrow (so never more than about 12 hours away). A time that daylight saving
    /// skips moves on by an hour.
    /// </summary>
    public static TimeSpan OffsetTo(TimeOnly time, TimeZoneInfo zone, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var today = TimeZoneInfo.ConvertTime(now, zone).Date;
        return new[] { -1, 0, 1 }
            .Select(days =>
            {
                var local = today.AddDays(days) + time.ToTimeSpan();
                if (zone.IsInvalidTime(local))
                {
                    local = local.AddHours(1);
                }
                return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone)) - now;
            })
            .Select(offset => TimeSpan.FromSeconds(Math.Round(offset.TotalSeconds))) // whole seconds read better in logs
            .MinBy(offset => offset.Duration());
    }
}
