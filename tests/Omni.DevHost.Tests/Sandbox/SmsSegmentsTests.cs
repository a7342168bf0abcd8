using Omni.DevHost.Sandbox;

namespace Omni.DevHost.Tests.Sandbox;

/// <summary>Vectors from TwilioDevEd/message-segment-calculator (provider-specs.md V16).</summary>
public class SmsSegmentsTests
{
    private const string Digits158 = "23456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789";

    [Fact]
    public void Count_Gsm7WithOneExtensionCharacterAt160Septets_IsOneSegment() => Assert.Equal(1, SmsSegments.Count("{" + Digits158));

    [Fact]
    public void Count_Gsm7At161Septets_IsTwoSegments() => Assert.Equal(2, SmsSegments.Count("{" + Digits158 + "0"));

    [Fact]
    public void Count_Ucs2At70Units_IsOneSegment() => Assert.Equal(1, SmsSegments.Count("😜" + Digits158[..68]));

    [Fact]
    public void Count_Ucs2At71Units_IsTwoSegments() => Assert.Equal(2, SmsSegments.Count("😜" + Digits158[..69]));
}
