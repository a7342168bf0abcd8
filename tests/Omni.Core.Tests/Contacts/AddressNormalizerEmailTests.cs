using Omni.Core.Contacts;

namespace Omni.Core.Tests.Contacts;

public class AddressNormalizerEmailTests
{
    private static string Normalize(string input)
    {
        Assert.True(AddressNormalizer.TryNormalize(Channel.Email, input, null, out var normalized, out var error), error);
        Assert.Equal("", error);
        return normalized;
    }

    private static string Reject(string? input)
    {
        Assert.False(AddressNormalizer.TryNormalize(Channel.Email, input, null, out var normalized, out var error));
        Assert.Equal("", normalized);
        Assert.NotEqual("", error);
        return error;
    }

    [Fact]
    public void TryNormalize_MixedCaseDomain_LowerCasesDomainOnly()
    {
        Assert.Equal("Ada.Lovelace@example.com", Normalize("Ada.Lovelace@Example.COM"));
    }

    [Fact]
    public void TryNormalize_SurroundingWhitespace_IsTrimmed()
    {
        Assert.Equal("ada@example.com", Normalize("  ada@example.com \t"));
    }

    [Fact]
    public void TryNormalize_RegionIsIgnoredForEmail()
    {
        Assert.True(AddressNormalizer.TryNormalize(Channel.Email, "ada@example.com", "GB", out var normalized, out _));
        Assert.Equal("ada@example.com", normalized);
    }

    [Theory]
    [InlineData("ada@bücher.example", "ada@xn--bcher-kva.example")]
    [InlineData("ada@BÜCHER.Example", "ada@xn--bcher-kva.example")]
    [InlineData("ada@例え.テスト", "ada@xn--r8jz45g.xn--zckzah")]
    [InlineData("ada@xn--bcher-kva.example", "ada@xn--bcher-kva.example")]
    public void TryNormalize_InternationalisedDomain_BecomesPunycode(string input, string expected)
    {
        Assert.Equal(expected, Normalize(input));
    }

    [Theory]
    [InlineData("first.last+tag@example.com")]
    [InlineData("o'brien@example.co.uk")]
    [InlineData("user_name-1@sub.example.io")]
    [InlineData("x@a.bc")]
    public void TryNormalize_CommonValidAddresses_AreKeptAsIs(string input)
    {
        Assert.Equal(input, Normalize(input));
    }

    [Fact]
    public void TryNormalize_DisplayNameForm_IsRejectedWithHint()
    {
        Assert.Contains("display-name", Reject("Ada <ada@example.com>"));
        Reject("<ada@example.com>");
    }

    [Theory]
    [InlineData("ada lovelace@example.com")]
    [InlineData("ada@exam ple.com")]
    [InlineData("ada@example.com\u00A0x")]
    public void TryNormalize_InnerWhitespace_IsRejected(string input)
    {
        Assert.Contains("whitespace", Reject(input));
    }

    [Theory]
    [InlineData("ada\u0000@example.com")]
    [InlineData("ada@example.com\u0007x")]
    [InlineData("ad\u007Fa@example.com")]
    public void TryNormalize_ControlCharacters_AreRejected(string input)
    {
        Assert.Contains("control", Reject(input));
    }

    [Theory]
    [InlineData("ada.example.com")]
    [InlineData("ada@@example.com")]
    [InlineData("a@b@example.com")]
    public void TryNormalize_NotExactlyOneAt_IsRejected(string input)
    {
        Assert.Contains("'@'", Reject(input));
    }

    [Theory]
    [InlineData("ada@localhost")]
    [InlineData("ada@example")]
    public void TryNormalize_DomainWithoutDot_IsRejected(string input)
    {
        Assert.Contains("dot", Reject(input));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("@example.com")]
    [InlineData("ada@")]
    [InlineData(".ada@example.com")]
    [InlineData("ada.@example.com")]
    [InlineData("a..da@example.com")]
    [InlineData("\"ada\"@example.com")]
    [InlineData("ada(comment)@example.com")]
    [InlineData("ada@example..com")]
    [InlineData("ada@.example.com")]
    [InlineData("ada@example.com.")]
    [InlineData("ada@-example.com")]
    [InlineData("ada@example-.com")]
    [InlineData("ada@ex_ample.com")]
    [InlineData("ada@[192.0.2.1]")]
    [InlineData("ada@192.0.2.1")]
    [InlineData("ada@bu\u0308cher.example")]
    public void TryNormalize_MalformedAddress_IsRejected(string? input)
    {
        Reject(input);
    }

    [Fact]
    public void TryNormalize_LocalPartOf64_IsAcceptedAnd65Rejected()
    {
        var local64 = new string('a', 64);
        Assert.Equal(local64 + "@example.com", Normalize(local64 + "@example.com"));
        Assert.Contains("64", Reject(local64 + "a@example.com"));
    }

    [Fact]
    public void TryNormalize_LongerThan254_IsRejected()
    {
        // 64 + 1 + 189 = 254 characters: accepted; one more character in the third label: 255, rejected.
        var domain254 = string.Join('.', new string('b', 63), new string('c', 63), new string('d', 57)) + ".com";
        Assert.Equal(189, domain254.Length);
        var local = new string('a', 64);
        Assert.Equal(254, Normalize(local + "@" + domain254).Length);
        Assert.Contains("254", Reject(local + "@" + domain254.Replace("d.com", "dd.com", StringComparison.Ordinal)));
    }

    [Fact]
    public void TryNormalize_DomainLabelLongerThan63_IsRejected()
    {
        Reject("ada@" + new string('b', 64) + ".com");
    }
}
