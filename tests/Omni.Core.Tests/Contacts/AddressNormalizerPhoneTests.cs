using Omni.Core.Contacts;
using PhoneNumbers;

namespace Omni.Core.Tests.Contacts;

public class AddressNormalizerPhoneTests
{
    // Example numbers from libphonenumber's own metadata (PhoneNumberUtil.GetExampleNumber / GetExampleNumberForType).
    [Theory]
    [InlineData("+1 201-555-0123", "+12015550123")]
    [InlineData("+44 121 234 5678", "+441212345678")]
    [InlineData("+44 7400 123456", "+447400123456")]
    [InlineData("+49 30 123456", "+4930123456")]
    [InlineData("+49 1512 3456789", "+4915123456789")]
    [InlineData("+33 1 23 45 67 89", "+33123456789")]
    [InlineData("+33 6 12 34 56 78", "+33612345678")]
    [InlineData("+91 74104 10123", "+917410410123")]
    [InlineData("+91 81234 56789", "+918123456789")]
    [InlineData("+55 11 96123-4567", "+5511961234567")]
    [InlineData("+81 3-1234-5678", "+81312345678")]
    [InlineData("+81 90-1234-5678", "+819012345678")]
    [InlineData("+61 412 345 678", "+61412345678")]
    [InlineData("+61 2 1234 5678", "+61212345678")]
    public void TryNormalize_InternationalInputWithoutRegion_ReturnsE164(string input, string expected)
    {
        Assert.True(AddressNormalizer.TryNormalize(Channel.Sms, input, null, out var normalized, out var error), error);
        Assert.Equal(expected, normalized);
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData("(201) 555-0123", "US", "+12015550123")]
    [InlineData("0121 234 5678", "GB", "+441212345678")]
    [InlineData("07400 123456", "GB", "+447400123456")]
    [InlineData("030 123456", "DE", "+4930123456")]
    [InlineData("01512 3456789", "DE", "+4915123456789")]
    [InlineData("01 23 45 67 89", "FR", "+33123456789")]
    [InlineData("06.12.34.56.78", "FR", "+33612345678")]
    [InlineData("081234 56789", "IN", "+918123456789")]
    [InlineData("(11) 96123-4567", "BR", "+5511961234567")]
    [InlineData("(11) 2345-6789", "BR", "+551123456789")]
    [InlineData("03-1234-5678", "JP", "+81312345678")]
    [InlineData("090-1234-5678", "JP", "+819012345678")]
    [InlineData("0412 345 678", "AU", "+61412345678")]
    [InlineData("(02) 1234 5678", "AU", "+61212345678")]
    public void TryNormalize_NationalInputWithRegion_ReturnsE164(string input, string region, string expected)
    {
        Assert.True(AddressNormalizer.TryNormalize(Channel.Sms, input, region, out var normalized, out var error), error);
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("+44 7400 123456", "US")]
    [InlineData("+44 7400 123456", "JP")]
    [InlineData("0044 7400 123456", null)]
    [InlineData("0044 7400 123456", "US")]
    [InlineData("0044 7400 123456", "DE")]
    [InlineData("011 44 7400 123456", null)]
    [InlineData("011 44 7400 123456", "US")]
    [InlineData("011-44-7400-123456", "CA")]
    public void TryNormalize_InternationalPrefix_IgnoresDefaultRegion(string input, string? region)
    {
        Assert.True(AddressNormalizer.TryNormalize(Channel.Sms, input, region, out var normalized, out var error), error);
        Assert.Equal("+447400123456", normalized);
    }

    [Fact]
    public void TryNormalize_011WhereItIsANationalPrefix_KeepsTheNationalReading()
    {
        // 011 is Sapporo's area code in Japan: with region JP "011-234-5678" is a Japanese number, not a call abroad.
        Assert.True(AddressNormalizer.TryNormalize(Channel.Sms, "011-234-5678", "JP", out var normalized, out var error), error);
        Assert.Equal("+81112345678", normalized);
    }

    [Theory]
    [InlineData("  +44 (0)121 234-5678  ")]
    [InlineData("+44.121.234.5678")]
    [InlineData("+44-121-234-5678")]
    [InlineData("+44(121)2345678")]
    public void TryNormalize_FormattingCharacters_AreIgnored(string input)
    {
        Assert.True(AddressNormalizer.TryNormalize(Channel.Sms, input, null, out var normalized, out var error), error);
        Assert.Equal("+441212345678", normalized);
    }

    [Fact]
    public void TryNormalize_GbNationalNumberInvalid_ReturnsErrorNamingRegion()
    {
        Assert.False(AddressNormalizer.TryNormalize(Channel.Sms, "0123", "GB", out var normalized, out var error));
        Assert.Equal("", normalized);
        Assert.StartsWith("'0123' is not a valid phone number for region GB;", error, StringComparison.Ordinal);
        Assert.Contains(AddressNormalizer.E164Example, error);
    }

    [Theory]
    [InlineData("+44 7700 900123")] // Ofcom's drama range: possible, but not valid in libphonenumber's metadata.
    [InlineData("+1 555 555 5555")]
    [InlineData("+999 1234 5678")]
    [InlineData("+4412")]
    [InlineData("+49 30 1234567890123456")]
    public void TryNormalize_PossibleButNotValidNumber_ReturnsFalse(string input)
    {
        Assert.False(AddressNormalizer.TryNormalize(Channel.Sms, input, null, out var normalized, out var error));
        Assert.Equal("", normalized);
        Assert.Contains("is not a valid phone number", error);
    }

    [Theory]
    [InlineData("1-800-FLOWERS", "US")]
    [InlineData("+44 121 234 5678 ext. 12", null)]
    [InlineData("+44 121 234 5678;ext=12", null)]
    [InlineData("tel:+441212345678", null)]
    [InlineData("+44 121 +234 5678", null)]
    [InlineData("+44121\t2345678", null)]
    [InlineData("+44_121_234_5678", null)]
    [InlineData("+４４１２１２３４５６７８", null)]
    public void TryNormalize_CharactersOutsideTheAllowedSet_ReturnsFalse(string input, string? region)
    {
        Assert.False(AddressNormalizer.TryNormalize(Channel.Sms, input, region, out _, out var error));
        Assert.NotEqual("", error);
    }

    [Theory]
    [InlineData("07400 123456")]
    [InlineData("(201) 555-0123")]
    public void TryNormalize_NationalInputWithoutRegion_ReturnsErrorAskingForRegion(string input)
    {
        Assert.False(AddressNormalizer.TryNormalize(Channel.Sms, input, null, out _, out var error));
        Assert.Contains("is in national format", error);
        Assert.Contains("default region", error);
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("1")]
    [InlineData("999999999999999")]
    public void TryNormalize_DigitsNoRegionReadsAsValidWithoutRegion_SaysInvalidAndAsksForE164(string input)
    {
        Assert.False(AddressNormalizer.TryNormalize(Channel.Sms, input, null, out _, out var error));
        Assert.StartsWith($"'{input}' is not a valid phone number; use E.164", error);
        Assert.DoesNotContain("national", error);
    }

    [Theory]
    [InlineData("gb")]
    [InlineData("UK")]
    [InlineData("GBR")]
    [InlineData("")]
    public void TryNormalize_UnsupportedRegion_ReturnsRegionError(string region)
    {
        Assert.False(AddressNormalizer.TryNormalize(Channel.Sms, "07400 123456", region, out _, out var error));
        Assert.Contains("region", error, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("+")]
    [InlineData("()- .")]
    public void TryNormalize_EmptyPhone_ReturnsFalse(string? input)
    {
        Assert.False(AddressNormalizer.TryNormalize(Channel.Sms, input, "GB", out var normalized, out var error));
        Assert.Equal("", normalized);
        Assert.NotEqual("", error);
    }

    [Theory]
    [InlineData("+44 7400 123456", null)]
    [InlineData("07400 123456", "GB")]
    [InlineData("0123", "GB")]
    [InlineData("07400 123456", null)]
    [InlineData("0044 7400 123456", "US")]
    public void TryNormalize_WhatsApp_BehavesExactlyLikeSms(string input, string? region)
    {
        var sms = AddressNormalizer.TryNormalize(Channel.Sms, input, region, out var smsNormalized, out var smsError);
        var whatsApp = AddressNormalizer.TryNormalize(Channel.WhatsApp, input, region, out var waNormalized, out var waError);
        Assert.Equal(sms, whatsApp);
        Assert.Equal(smsNormalized, waNormalized);
        Assert.Equal(smsError, waError);
    }

    [Theory]
    [InlineData("US")]
    [InlineData("GB")]
    [InlineData("DE")]
    [InlineData("FR")]
    [InlineData("IN")]
    [InlineData("BR")]
    [InlineData("JP")]
    [InlineData("AU")]
    public void TryNormalize_MetadataExampleNumbers_RoundTripInNationalAndInternationalForm(string region)
    {
        var util = PhoneNumberUtil.GetInstance();
        foreach (var type in new[] { PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE })
        {
            var example = util.GetExampleNumberForType(region, type);
            var e164 = util.Format(example, PhoneNumberFormat.E164);
            Assert.True(AddressNormalizer.TryNormalize(Channel.Sms, util.Format(example, PhoneNumberFormat.NATIONAL), region, out var fromNational, out var error), error);
            Assert.Equal(e164, fromNational);
            Assert.True(AddressNormalizer.TryNormalize(Channel.Sms, util.Format(example, PhoneNumberFormat.INTERNATIONAL), null, out var fromInternational, out error), error);
            Assert.Equal(e164, fromInternational);
        }
    }
}
