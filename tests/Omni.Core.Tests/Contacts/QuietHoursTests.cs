using Omni.Core.Contacts;

namespace Omni.Core.Tests.Contacts;

public class QuietHoursTests
{
    private static readonly QuietHours Overnight = new(new TimeOnly(21, 0), new TimeOnly(8, 0));
    private static readonly QuietHours Daytime = new(new TimeOnly(12, 0), new TimeOnly(14, 0));

    [Theory]
    [InlineData("2025-01-15T20:59:59Z", false)]
    [InlineData("2025-01-15T21:00:00Z", true)]  // start is inclusive
    [InlineData("2025-01-15T23:59:59Z", true)]
    [InlineData("2025-01-16T00:00:00Z", true)]  // across midnight
    [InlineData("2025-01-16T07:59:59Z", true)]
    [InlineData("2025-01-16T08:00:00Z", false)] // end is exclusive
    [InlineData("2025-01-16T12:00:00Z", false)]
    public void IsQuietAt_WindowCrossingMidnight_HalfOpen(string instant, bool expected)
    {
        // London is on UTC (GMT) in January.
        Assert.Equal(expected, ContactRules.IsQuietAt(Overnight, "Europe/London", DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("2025-01-15T11:59:00Z", false)]
    [InlineData("2025-01-15T12:00:00Z", true)]
    [InlineData("2025-01-15T13:59:00Z", true)]
    [InlineData("2025-01-15T14:00:00Z", false)]
    [InlineData("2025-01-15T23:00:00Z", false)]
    public void IsQuietAt_WindowWithinOneDay_HalfOpen(string instant, bool expected)
    {
        Assert.Equal(expected, ContactRules.IsQuietAt(Daytime, "Europe/London", DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void IsQuietAt_SameInstantInSummer_UsesDaylightSavingOffset()
    {
        // 20:30 UTC on 15 July is 21:30 BST in London (quiet) but 20:30 GMT in January (not quiet).
        var summer = new DateTimeOffset(2025, 7, 15, 20, 30, 0, TimeSpan.Zero);
        var winter = new DateTimeOffset(2025, 1, 15, 20, 30, 0, TimeSpan.Zero);
        Assert.True(ContactRules.IsQuietAt(Overnight, "Europe/London", summer));
        Assert.False(ContactRules.IsQuietAt(Overnight, "Europe/London", winter));
    }

    [Fact]
    public void IsQuietAt_AroundSpringForwardInNewYork_FollowsLocalClock()
    {
        // 2025-03-09: New York jumps from 02:00 EST to 03:00 EDT. 07:30 UTC is 03:30 EDT; 12:30 UTC is 08:30 EDT.
        var quiet = new QuietHours(new TimeOnly(22, 0), new TimeOnly(8, 0));
        Assert.True(ContactRules.IsQuietAt(quiet, "America/New_York", new DateTimeOffset(2025, 3, 9, 7, 30, 0, TimeSpan.Zero)));
        Assert.True(ContactRules.IsQuietAt(quiet, "America/New_York", new DateTimeOffset(2025, 3, 9, 11, 59, 0, TimeSpan.Zero))); // 07:59 EDT
        Assert.False(ContactRules.IsQuietAt(quiet, "America/New_York", new DateTimeOffset(2025, 3, 9, 12, 0, 0, TimeSpan.Zero))); // 08:00 EDT
        // The day before, still EST: 12:30 UTC is 07:30 local, quiet.
        Assert.True(ContactRules.IsQuietAt(quiet, "America/New_York", new DateTimeOffset(2025, 3, 8, 12, 30, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void IsQuietAt_InstantWithOffset_IsConvertedToTheContactsZone()
    {
        // 22:00 in Tokyo (+09:00) is 13:00 UTC = 13:00 in London in winter: inside 12:00–14:00 for the London contact.
        var at = new DateTimeOffset(2025, 1, 15, 22, 0, 0, TimeSpan.FromHours(9));
        Assert.True(ContactRules.IsQuietAt(Daytime, "Europe/London", at));
        Assert.False(ContactRules.IsQuietAt(Daytime, "Asia/Tokyo", at));
        Assert.True(ContactRules.IsQuietAt(Overnight, "Asia/Tokyo", at));
    }

    [Fact]
    public void IsQuietAt_UnknownZone_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => ContactRules.IsQuietAt(Overnight, "Mars/Base", DateTimeOffset.UnixEpoch));
    }
}
