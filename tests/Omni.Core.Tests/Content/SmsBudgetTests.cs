using Omni.Core.Content;
using Omni.Core.Routing;

namespace Omni.Core.Tests.Content;

public sealed class SmsBudgetTests
{
    private static readonly string Words = string.Join(' ', Enumerable.Range(1, 200).Select(i => $"word{i}"));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Fit_LongGsm7Text_IsCutAtAWordBoundaryAndEndsWithAsciiDotsWithinTheBudget(int budget)
    {
        var fit = SmsBudget.Fit(Words, budget);

        Assert.True(fit.Shortened);
        Assert.EndsWith("...", fit.Text);
        Assert.DoesNotContain('…', fit.Text);
        Assert.Equal(SmsEncoding.Gsm7, fit.Measured.Encoding);
        Assert.True(fit.Measured.Segments <= budget);
        Assert.Equal(SmsSegmenter.Measure(Words).Segments, fit.OriginalSegments);
        var kept = fit.Text[..^3];
        Assert.StartsWith(kept, Words);
        Assert.Equal(' ', Words[kept.Length]); // cut right before a space: whole words only
        // Maximal: one more word would not fit.
        var nextSpace = Words.IndexOf(' ', kept.Length + 1);
        var longer = Words[..(nextSpace < 0 ? Words.Length : nextSpace)] + "...";
        Assert.True(SmsSegmenter.Measure(longer).Segments > budget);
    }

    [Theory]
    // Single GSM-7 segment: 160 septets. "..." takes 3, so at most 157 septets of text remain.
    [InlineData(1, 157)]
    // Two concatenated parts: 2 × 153 = 306 septets, 303 for text.
    [InlineData(2, 303)]
    public void Fit_OneLongWord_IsCutInsideTheWordToTheExactCapacity(int budget, int keptSeptets)
    {
        var text = new string('a', 1000);

        var fit = SmsBudget.Fit(text, budget);

        Assert.Equal(new string('a', keptSeptets) + "...", fit.Text);
        Assert.Equal(budget, fit.Measured.Segments);
    }

    [Fact]
    public void Fit_Ucs2Text_UsesUcs2Capacity()
    {
        // Cyrillic is not in GSM-7: 70 units single, 67 per part.
        var text = string.Join(' ', Enumerable.Repeat("привет", 60));

        var fit = SmsBudget.Fit(text, 2);

        Assert.True(fit.Shortened);
        Assert.Equal(SmsEncoding.Ucs2, fit.Measured.Encoding);
        Assert.True(fit.Measured.Units <= 2 * 67);
        Assert.True(fit.Measured.Units > 2 * 67 - "привет ".Length - 3); // within one word of full
        Assert.EndsWith("привет...", fit.Text);
    }

    [Fact]
    public void Fit_EmojiNeverSplitAcrossTheCut()
    {
        var text = string.Concat(Enumerable.Repeat("😀", 100)); // one "word" of surrogate pairs

        var fit = SmsBudget.Fit(text, 1);

        Assert.True(fit.Shortened);
        Assert.EndsWith("...", fit.Text);
        var kept = fit.Text[..^3];
        Assert.Equal(0, kept.Length % 2);
        Assert.All(kept.Chunk(2), pair => Assert.True(char.IsSurrogatePair(pair[0], pair[1])));
        // 70 units: 33 emoji (66 units) + 3 dots = 69; 34 would be 71.
        Assert.Equal(33 * 2 + 3, fit.Measured.Units);
        Assert.Equal(1, fit.Measured.Segments);
    }

    [Fact]
    public void Fit_WhenTheOnlyUcs2CharacterIsInTheCutTail_TheResultIsGsm7()
    {
        var text = Words[..400] + " ✓";

        var fit = SmsBudget.Fit(text, 2);

        Assert.Equal(SmsEncoding.Ucs2, SmsSegmenter.Measure(text).Encoding);
        Assert.Equal(SmsEncoding.Gsm7, fit.Measured.Encoding);
        Assert.True(fit.Measured.Units > 250); // GSM-7 capacity was used, not UCS-2's 134
    }

    [Theory]
    [InlineData("Short text", 1)]
    [InlineData("Short text", 0)]
    public void Fit_TextWithinBudgetOrNoLimit_IsUnchanged(string text, int budget)
    {
        var fit = SmsBudget.Fit(text, budget);

        Assert.Equal(text, fit.Text);
        Assert.False(fit.Shortened);
    }

    [Fact]
    public void Fit_BudgetZero_MeansNoLimit()
    {
        var fit = SmsBudget.Fit(Words, 0);

        Assert.Equal(Words, fit.Text);
        Assert.False(fit.Shortened);
        Assert.True(fit.Measured.Segments > 5);
    }

    [Fact]
    public void Fit_ExtensionCharactersCountTwoSeptets()
    {
        // '{' costs 2 septets: 80 of them are 160 septets (fits one segment exactly); 81 do not.
        Assert.False(SmsBudget.Fit(new string('{', 80), 1).Shortened);
        var fit = SmsBudget.Fit(new string('{', 81), 1);

        Assert.True(fit.Shortened);
        Assert.Equal(new string('{', 78) + "...", fit.Text); // 156 + 3 = 159 septets; 79 would be 161
    }

    [Fact]
    public void Fit_NegativeBudget_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SmsBudget.Fit("x", -1));
}
