using Omni.Core.Contacts;

namespace Omni.Core.Tests.Contacts;

public class ContactRulesTests
{
    [Theory]
    [InlineData("c")]
    [InlineData("contact-42")]
    [InlineData("ada.lovelace@example.com")]
    [InlineData("crm:12345")]
    [InlineData("447400123456")]
    [InlineData("A_b-C.d:e@f+g")]
    public void IsValidId_AllowedCharacters_ReturnsTrue(string id)
    {
        Assert.True(ContactRules.IsValidId(id, out var error), error);
        Assert.Equal("", error);
    }

    [Fact]
    public void IsValidId_MaxLength_ReturnsTrueAndOneMoreFalse()
    {
        Assert.Equal(128, ContactRules.MaxIdLength);
        Assert.True(ContactRules.IsValidId(new string('a', 128), out _));
        Assert.False(ContactRules.IsValidId(new string('a', 129), out var error));
        Assert.Contains("128", error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a b")]
    [InlineData("a\u0001b")]
    [InlineData("a\n")]
    [InlineData("-leading")]
    [InlineData(".leading")]
    [InlineData("_leading")]
    [InlineData("é")]
    [InlineData("a%20b")]
    [InlineData("+447400123456")]
    public void IsValidId_ForbiddenForm_ReturnsFalse(string? id)
    {
        Assert.False(ContactRules.IsValidId(id, out var error));
        Assert.NotEqual("", error);
    }

    [Theory]
    [InlineData("en")]
    [InlineData("en-GB")]
    [InlineData("pt-BR")]
    [InlineData("zh-Hant-TW")]
    [InlineData("es-419")]
    [InlineData("fil")]
    [InlineData("sr-Latn")]
    [InlineData("de-CH-1996")]
    [InlineData("en-gb")]
    [InlineData("en-US-x-twain")]
    public void IsValidLocale_Bcp47Tags_ReturnsTrue(string locale)
    {
        Assert.True(ContactRules.IsValidLocale(locale, out var error), error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("e")]
    [InlineData("english")]
    [InlineData("en-")]
    [InlineData("en--GB")]
    [InlineData("en GB")]
    [InlineData("en-GB ")]
    [InlineData("1en")]
    [InlineData("en-GBR1")]
    [InlineData("en-GB\n")]
    public void IsValidLocale_Malformed_ReturnsFalse(string? locale)
    {
        Assert.False(ContactRules.IsValidLocale(locale, out var error));
        Assert.NotEqual("", error);
    }

    [Fact]
    public void IsValidLocale_Underscore_SuggestsHyphen()
    {
        Assert.False(ContactRules.IsValidLocale("en_GB", out var error));
        Assert.Contains("en-GB", error);
    }

    [Theory]
    [InlineData("Europe/London")]
    [InlineData("America/New_York")]
    [InlineData("Asia/Kolkata")]
    [InlineData("Australia/Lord_Howe")]
    [InlineData("UTC")]
    public void IsValidTimeZone_IanaId_ReturnsTrue(string zone)
    {
        Assert.True(ContactRules.IsValidTimeZone(zone, out var error), error);
    }

    [Theory]
    [InlineData("GMT Standard Time", "Europe/London")]
    [InlineData("Eastern Standard Time", "America/New_York")]
    public void IsValidTimeZone_WindowsId_ReturnsFalseWithIanaHint(string zone, string hint)
    {
        Assert.False(ContactRules.IsValidTimeZone(zone, out var error));
        Assert.Contains("Windows", error);
        Assert.Contains(hint, error);
    }

    [Fact]
    public void IsValidTimeZone_WrongCase_ReturnsFalseWithSuggestion()
    {
        Assert.False(ContactRules.IsValidTimeZone("europe/london", out var error));
        Assert.Contains("Europe/London", error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("+01:00")]
    public void IsValidTimeZone_Unknown_ReturnsFalse(string? zone)
    {
        Assert.False(ContactRules.IsValidTimeZone(zone, out var error));
        Assert.NotEqual("", error);
    }

    [Theory]
    [InlineData("GB")]
    [InlineData("US")]
    [InlineData("DE")]
    [InlineData("JP")]
    [InlineData("BR")]
    public void IsValidRegion_SupportedCode_ReturnsTrue(string region)
    {
        Assert.True(ContactRules.IsValidRegion(region, out var error), error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("UK")]
    [InlineData("GBR")]
    [InlineData("ZZ")]
    [InlineData("001")]
    [InlineData("G")]
    public void IsValidRegion_Unsupported_ReturnsFalse(string? region)
    {
        Assert.False(ContactRules.IsValidRegion(region, out var error));
        Assert.NotEqual("", error);
    }

    [Fact]
    public void IsValidRegion_LowerCase_ReturnsFalseWithUpperCaseHint()
    {
        Assert.False(ContactRules.IsValidRegion("gb", out var error));
        Assert.Contains("\"GB\"", error);
    }

    [Theory]
    [InlineData("21:00", "08:00", 21, 0, 8, 0)]
    [InlineData("00:00", "23:59", 0, 0, 23, 59)]
    [InlineData("12:30", "13:45", 12, 30, 13, 45)]
    public void TryParseQuietHours_ValidTimes_ReturnsQuietHours(string start, string end, int sh, int sm, int eh, int em)
    {
        Assert.True(ContactRules.TryParseQuietHours(start, end, out var quietHours, out var error), error);
        Assert.Equal(new QuietHours(new TimeOnly(sh, sm), new TimeOnly(eh, em)), quietHours);
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData("21:00", "21:00", "differ")]
    [InlineData(null, "08:00", "start")]
    [InlineData("21:00", null, "end")]
    [InlineData("24:00", "08:00", "start")]
    [InlineData("21:00", "8:00", "end")]
    [InlineData("9pm", "08:00", "start")]
    [InlineData("21:00:00", "08:00", "start")]
    [InlineData("21:60", "08:00", "start")]
    [InlineData("21:00", "08:00\n", "end")]
    [InlineData("２１:００", "08:00", "start")]
    public void TryParseQuietHours_Invalid_ReturnsFalseNamingTheField(string? start, string? end, string mentioned)
    {
        Assert.False(ContactRules.TryParseQuietHours(start, end, out var quietHours, out var error));
        Assert.Null(quietHours);
        Assert.Contains(mentioned, error);
    }

    [Theory]
    [InlineData("vip")]
    [InlineData("tier:gold")]
    [InlineData("Region_EU-1.beta")]
    public void IsValidTag_AllowedCharacters_ReturnsTrue(string tag)
    {
        Assert.True(ContactRules.IsValidTag(tag, out var error), error);
    }

    [Fact]
    public void IsValidTag_64Characters_ReturnsTrueAnd65False()
    {
        Assert.True(ContactRules.IsValidTag(new string('t', 64), out _));
        Assert.False(ContactRules.IsValidTag(new string('t', 65), out var error));
        Assert.Contains("64", error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("a/b")]
    [InlineData("a#b")]
    [InlineData("ümlaut")]
    [InlineData("a\n")]
    public void IsValidTag_Invalid_ReturnsFalse(string? tag)
    {
        Assert.False(ContactRules.IsValidTag(tag, out var error));
        Assert.NotEqual("", error);
    }

    [Theory]
    [InlineData("marketing")]
    [InlineData("transactional")]
    [InlineData("order-updates")]
    [InlineData("ab")]
    [InlineData("news2")]
    public void IsValidCategory_LowerCaseSlug_ReturnsTrue(string category)
    {
        Assert.True(ContactRules.IsValidCategory(category, out var error), error);
    }

    [Fact]
    public void IsValidCategory_32Characters_ReturnsTrueAnd33False()
    {
        Assert.True(ContactRules.IsValidCategory("a" + new string('b', 31), out _));
        Assert.False(ContactRules.IsValidCategory("a" + new string('b', 32), out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("Marketing")]
    [InlineData("2fa")]
    [InlineData("-news")]
    [InlineData("order_updates")]
    [InlineData("order updates")]
    [InlineData("news\n")]
    public void IsValidCategory_Invalid_ReturnsFalse(string? category)
    {
        Assert.False(ContactRules.IsValidCategory(category, out var error));
        Assert.NotEqual("", error);
    }

    [Fact]
    public void BuiltInCategories_AreAllValidCategories()
    {
        Assert.Equal(["transactional", "marketing", "security", "support"], Omni.Core.Consent.ConsentCategories.BuiltIn);
        Assert.All(Omni.Core.Consent.ConsentCategories.BuiltIn, c => Assert.True(ContactRules.IsValidCategory(c, out _)));
    }
}
