using Omni.Core.Routing;

namespace Omni.Core.Tests.Routing;

public class SmsSegmenterTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(160, 1)]
    [InlineData(161, 2)]
    [InlineData(306, 2)]
    [InlineData(307, 3)]
    [InlineData(459, 3)]
    [InlineData(460, 4)]
    public void Measure_GsmBasicText_SegmentsAt160Then153(int length, int expectedSegments)
    {
        var result = SmsSegmenter.Measure(new string('a', length));
        Assert.Equal(new SmsSegments(SmsEncoding.Gsm7, expectedSegments, length), result);
    }

    [Fact]
    public void Measure_EmptyOrNull_OneGsmSegmentZeroUnits()
    {
        Assert.Equal(new SmsSegments(SmsEncoding.Gsm7, 1, 0), SmsSegmenter.Measure(""));
        Assert.Equal(new SmsSegments(SmsEncoding.Gsm7, 1, 0), SmsSegmenter.Measure(null));
    }

    [Theory]
    [InlineData('€')]
    [InlineData('[')]
    [InlineData(']')]
    [InlineData('{')]
    [InlineData('}')]
    [InlineData('\\')]
    [InlineData('^')]
    [InlineData('~')]
    [InlineData('|')]
    [InlineData('\f')]
    public void Measure_ExtensionCharacter_CostsTwoSeptets(char c)
    {
        var result = SmsSegmenter.Measure("ab" + c);
        Assert.Equal(SmsEncoding.Gsm7, result.Encoding);
        Assert.Equal(4, result.Units);
        Assert.Equal(2, SmsSegmenter.GsmCost(c));
    }

    [Fact]
    public void Measure_ProviderVectorBraceAnd158Digits_OneSegment160Septets()
    {
        // provider-specs §10: '{' + 158 digits is 159 chars, 160 septets.
        var text = "{" + Digits(158);
        Assert.Equal(new SmsSegments(SmsEncoding.Gsm7, 1, 160), SmsSegmenter.Measure(text));
    }

    [Fact]
    public void Measure_ProviderVectorBraceAnd159Digits_TwoSegments161Septets()
    {
        var text = "{" + Digits(159);
        Assert.Equal(new SmsSegments(SmsEncoding.Gsm7, 2, 161), SmsSegmenter.Measure(text));
    }

    [Fact]
    public void Measure_EscapePairAtPartBoundary_IsNotSplit()
    {
        // 152 'a' then '€' (2 septets) = 154 septets in the first 153-septet part: the pair moves to part two.
        // Total 152 + 2 + 152 = 306 septets would fit two parts by count, but packing whole characters needs three.
        var text = new string('a', 152) + "€" + new string('a', 152);
        var result = SmsSegmenter.Measure(text);
        Assert.Equal(306, result.Units);
        Assert.Equal(3, result.Segments);
    }

    [Fact]
    public void Measure_EscapePairEndingExactlyAtBoundary_FitsInPart()
    {
        // 151 'a' + '€' = 153 septets exactly in part one; 153 'a' fill part two.
        var text = new string('a', 151) + "€" + new string('a', 153);
        var result = SmsSegmenter.Measure(text);
        Assert.Equal(306, result.Units);
        Assert.Equal(2, result.Segments);
    }

    [Fact]
    public void Measure_GsmGreekAndLatin_StayGsm7()
    {
        var result = SmsSegmenter.Measure("ΔΦΓΛΩΠΨΣΘΞ £$¥ èéùìò ÇØøÅåÆæßÉ ÄÖÑÜ§¿äöñüà¡¤@_");
        Assert.Equal(SmsEncoding.Gsm7, result.Encoding);
    }

    [Theory]
    [InlineData("`")]   // backtick is not in GSM-7
    [InlineData("ç")]   // only capital Ç is in the basic table
    [InlineData("\u001B")] // a raw ESC is not accepted as text
    [InlineData("Привет")]
    public void Measure_NonGsmCharacter_ForcesUcs2(string text)
    {
        Assert.Equal(SmsEncoding.Ucs2, SmsSegmenter.Measure("hello " + text).Encoding);
    }

    [Theory]
    [InlineData(70, 1)]
    [InlineData(71, 2)]
    [InlineData(134, 2)]
    [InlineData(135, 3)]
    public void Measure_Ucs2Text_SegmentsAt70Then67(int length, int expectedSegments)
    {
        var text = "ж" + new string('a', length - 1);
        Assert.Equal(new SmsSegments(SmsEncoding.Ucs2, expectedSegments, length), SmsSegmenter.Measure(text));
    }

    [Fact]
    public void Measure_ProviderVectorEmojiAnd68Digits_OneSegment70Units()
    {
        var text = "😜" + Digits(68);
        Assert.Equal(new SmsSegments(SmsEncoding.Ucs2, 1, 70), SmsSegmenter.Measure(text));
    }

    [Fact]
    public void Measure_ProviderVectorEmojiAnd69Digits_TwoSegments71Units()
    {
        var text = "😜" + Digits(69);
        Assert.Equal(new SmsSegments(SmsEncoding.Ucs2, 2, 71), SmsSegmenter.Measure(text));
    }

    [Fact]
    public void Measure_SurrogatePairAt67Boundary_IsNotSplit()
    {
        // 66 units then an emoji (units 67–68) would straddle the first 67-unit part: it moves to part two.
        // 66 + 2 + 66 = 134 units fits two parts by count, but whole characters need three.
        var text = new string('ж', 66) + "😜" + new string('ж', 66);
        var result = SmsSegmenter.Measure(text);
        Assert.Equal(134, result.Units);
        Assert.Equal(3, result.Segments);
    }

    [Fact]
    public void Measure_SurrogatePairEndingExactlyAt67_FitsInPart()
    {
        var text = new string('ж', 65) + "😜" + new string('ж', 67);
        var result = SmsSegmenter.Measure(text);
        Assert.Equal(134, result.Units);
        Assert.Equal(2, result.Segments);
    }

    [Fact]
    public void Measure_LoneSurrogate_CountsAsOneUcs2Unit()
    {
        var result = SmsSegmenter.Measure("a\uD83D");
        Assert.Equal(new SmsSegments(SmsEncoding.Ucs2, 1, 2), result);
    }

    private static string Digits(int count)
    {
        var chars = new char[count];
        for (var i = 0; i < count; i++)
        {
            chars[i] = (char)('0' + (i + 2) % 10);
        }
        return new string(chars);
    }
}
