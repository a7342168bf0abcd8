using Omni.Core.Content;

namespace Omni.Core.Tests.Content;

public sealed class DerivedSubjectTests
{
    [Theory]
    // The first line, whole when it fits.
    [InlineData("Acme", "Your parcel arrives today.\nTrack it in the app.", "Acme: Your parcel arrives today.")]
    [InlineData(null, "  \n  Hello   there \n", "Hello there")]
    [InlineData("  ", "Hello", "Hello")]
    // Too long: the first sentence when it says enough, else cut at a word boundary with "…".
    [InlineData("Acme", "We have received your return and will refund you within five days. Thank you for shopping with us.",
        "Acme: We have received your return and will refund you within five days.")]
    [InlineData("Acme", "Hi. We have received your return of three items and we will refund the full amount to your card within five working days",
        "Acme: Hi. We have received your return of three items and we will refund the…")]
    // A brand name too long to leave room for the text is left out.
    [InlineData("The Very Long Name Of A Company Limited", "Hello", "Hello")]
    // No text: the brand name alone, or nothing.
    [InlineData("Acme", "", "Acme")]
    [InlineData(null, null, null)]
    public void From_BrandAndBody_IsTheExpectedSubject(string? brand, string? body, string? expected)
    {
        var subject = DerivedSubject.From(brand, body);

        Assert.Equal(expected, subject);
        Assert.True((subject?.Length ?? 0) <= DerivedSubject.MaxLength);
    }

    [Fact]
    public void From_OneLongWord_IsCutInsideIt_NeverInsideAnEmoji()
    {
        var body = new string('a', 70) + "😀" + new string('b', 20);

        var subject = DerivedSubject.From("Acme", body)!;

        Assert.Equal(DerivedSubject.MaxLength - 1, subject.Length);
        Assert.EndsWith("a…", subject, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Acme", "Acme: security message")]
    [InlineData(null, "Security message")]
    public void Withheld_AnyBrand_SaysNothingOfTheBody(string? brand, string expected)
    {
        Assert.Equal(expected, DerivedSubject.Withheld(brand));
    }
}
