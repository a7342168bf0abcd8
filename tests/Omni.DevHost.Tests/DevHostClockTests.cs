namespace Omni.DevHost.Tests;

/// <summary>--clock and --clock-offset: the offset that makes it a given time of day in a zone, and what is refused.</summary>
public sealed class DevHostClockTests
{
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    [Theory]
    [InlineData("2026-12-07T14:00:00Z", 9)]    // winter, London = UTC: 23:00 is 9 h ahead
    [InlineData("2026-07-07T14:00:00Z", 8)]    // summer, London = UTC+1: 23:00 BST is 22:00 UTC
    [InlineData("2026-12-08T01:30:00Z", -2.5)] // just after midnight: yesterday's 23:00 is nearer
    public void OffsetTo_2300London_IsTheNearestSuchMoment(string now, double hours)
    {
        Assert.Equal(TimeSpan.FromHours(hours), DevHostClock.OffsetTo(new TimeOnly(23, 0), London, DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void TryParse_ClockWithZone_MakesItThatTimeThere()
    {
        var now = new DateTimeOffset(2026, 7, 7, 14, 0, 0, TimeSpan.Zero);

        Assert.True(DevHostClock.TryParse("23:00@Europe/London", null, now, out var offset, out _));

        Assert.Equal(new TimeOnly(23, 0), TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(now + offset, London).DateTime));
    }

    [Theory]
    [InlineData("23:00", "-01:00:00", "not both")]
    [InlineData("11pm", null, "--clock must be a time of day")]
    [InlineData("23:00@Mars/Olympus", null, "unknown time zone 'Mars/Olympus'")]
    [InlineData(null, "two hours", "--clock-offset must be a time span")]
    public void TryParse_Invalid_SaysWhy(string? clock, string? offset, string expected)
    {
        Assert.False(DevHostClock.TryParse(clock, offset, DateTimeOffset.UtcNow, out _, out var error));

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Offset_IsThatSpan()
    {
        Assert.True(DevHostClock.TryParse(null, "-02:00:00", DateTimeOffset.UtcNow, out var offset, out _));

        Assert.Equal(TimeSpan.FromHours(-2), offset);
    }
}
