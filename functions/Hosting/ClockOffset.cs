using System.Globalization;
using Omni.Hosting;

namespace Omni.Functions.Hosting;

/// <summary>
/// <c>Omni__ClockOffset</c> (a time span such as <c>-02:00:00</c>): the DevHost's <c>--clock</c> sets it so that the
/// handler's <see cref="TimeProvider"/> runs shifted and quiet hours can be shown at any hour. Unset (always in Azure),
/// the handler uses the system clock; a local-only setting that no deployment sets.
/// </summary>
public static class ClockOffset
{
    public const string OffsetKey = "Omni:ClockOffset";

    /// <summary>The system clock, or an <see cref="OffsetTimeProvider"/> when <see cref="OffsetKey"/> is set.</summary>
    public static TimeProvider From(IConfiguration configuration)
    {
        if (configuration[OffsetKey] is not { Length: > 0 } value)
        {
            return TimeProvider.System;
        }
        if (!TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var offset))
        {
            throw new InvalidOperationException($"Omni__ClockOffset must be a time span such as -02:00:00, not '{value}'.");
        }
        return offset == TimeSpan.Zero ? TimeProvider.System : new OffsetTimeProvider(TimeProvider.System, offset);
    }

    /// <summary>Says at start that the clock is shifted: every time the handler records or decides on is off by that much.</summary>
    public static void LogClockOffset(this WebApplication app)
    {
        if (app.Services.GetRequiredService<TimeProvider>() is OffsetTimeProvider shifted)
        {
            app.Logger.LogWarning("The clock is shifted by {Offset} (Omni__ClockOffset, a development setting): it is now {Now:u}.",
                OffsetTimeProvider.Format(shifted.Offset), shifted.GetUtcNow());
        }
    }
}
