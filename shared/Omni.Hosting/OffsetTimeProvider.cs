using System.Globalization;

namespace Omni.Hosting;

/// <summary>
/// A clock that runs <see cref="Offset"/> ahead of (or behind) another: the DevHost's <c>--clock</c> gives the handler
/// and its own emulators one shifted "now", so quiet hours, deferrals and expiry can be shown and tested at any hour.
/// Only the wall-clock time moves; timers, timestamps and the local time zone are the inner clock's, so delays stay real.
/// A development tool: nothing in Azure sets an offset.
/// </summary>
public sealed class OffsetTimeProvider(TimeProvider inner, TimeSpan offset) : TimeProvider
{
    public TimeSpan Offset { get; } = offset;

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + Offset;

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime, period);

    /// <summary>The offset as <c>+hh:mm:ss</c> or <c>-hh:mm:ss</c> (days first when longer), for logs and settings.</summary>
    public static string Format(TimeSpan offset) =>
        (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString("c", CultureInfo.InvariantCulture);
}
