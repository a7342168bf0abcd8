using Omni.Core.Stats;

namespace Omni.Core.Tests.Stats;

public sealed class CsatClassifierTests
{
    private static readonly DateTimeOffset SentAt = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("5", new[] { "csat" }, 60, 5)]
    [InlineData(" 1 \n", new[] { "support", "CSAT" }, 60, 1)]
    [InlineData("3", new[] { "csat" }, 24 * 60, 3)]
    [InlineData("3", new[] { "csat" }, 24 * 60 + 1, null)] // after the window
    [InlineData("3", new[] { "csat" }, -1, null)]          // before the prompt
    [InlineData("6", new[] { "csat" }, 60, null)]
    [InlineData("0", new[] { "csat" }, 60, null)]
    [InlineData("45", new[] { "csat" }, 60, null)]
    [InlineData("5 stars", new[] { "csat" }, 60, null)]
    [InlineData("٣", new[] { "csat" }, 60, null)]           // only ASCII digits
    [InlineData("5", new[] { "support" }, 60, null)]       // not a rating prompt
    [InlineData("", new[] { "csat" }, 60, null)]
    public void Classify(string text, string[] tags, int minutesAfter, int? expected) =>
        Assert.Equal(expected, CsatClassifier.Classify(text, tags, SentAt, SentAt.AddMinutes(minutesAfter)));

    [Fact]
    public void NoTags_IsNotAPrompt() => Assert.Null(CsatClassifier.Classify("5", null, SentAt, SentAt.AddMinutes(1)));
}
