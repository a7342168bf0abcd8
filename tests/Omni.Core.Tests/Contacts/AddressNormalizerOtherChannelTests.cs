using Omni.Core.Contacts;

namespace Omni.Core.Tests.Contacts;

public class AddressNormalizerOtherChannelTests
{
    private static string Normalize(Channel channel, string input)
    {
        Assert.True(AddressNormalizer.TryNormalize(channel, input, null, out var normalized, out var error), error);
        Assert.Equal("", error);
        return normalized;
    }

    private static string Reject(Channel channel, string? input)
    {
        Assert.False(AddressNormalizer.TryNormalize(channel, input, null, out var normalized, out var error));
        Assert.Equal("", normalized);
        Assert.NotEqual("", error);
        return error;
    }

    [Theory]
    [InlineData("user-42", "user-42")]
    [InlineData("  user 42  ", "user 42")]
    [InlineData("Ünïcode-ユーザー", "Ünïcode-ユーザー")]
    public void TryNormalize_InAppId_IsTrimmedOpaqueValue(string input, string expected)
    {
        Assert.Equal(expected, Normalize(Channel.InApp, input));
    }

    [Fact]
    public void TryNormalize_InAppIdOf128_IsAcceptedAnd129Rejected()
    {
        Assert.Equal(new string('u', 128), Normalize(Channel.InApp, new string('u', 128)));
        Assert.Contains("128", Reject(Channel.InApp, new string('u', 129)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("user\u000042")]
    [InlineData("user\n42")]
    [InlineData("user\u009F42")]
    public void TryNormalize_InAppEmptyOrControl_IsRejected(string? input)
    {
        Reject(Channel.InApp, input);
    }

    [Theory]
    [InlineData("https://hooks.example.com/omni", "https://hooks.example.com/omni")]
    [InlineData("HTTPS://Hooks.Example.COM/Omni?x=1", "https://hooks.example.com/Omni?x=1")]
    [InlineData("https://hooks.example.com", "https://hooks.example.com/")]
    [InlineData("https://hooks.example.com:8443/a/b", "https://hooks.example.com:8443/a/b")]
    [InlineData("http://localhost:7071/api/hook", "http://localhost:7071/api/hook")]
    [InlineData("http://127.0.0.1:7071/api/hook", "http://127.0.0.1:7071/api/hook")]
    [InlineData("https://bücher.example/hook", "https://xn--bcher-kva.example/hook")]
    [InlineData("  https://hooks.example.com/omni  ", "https://hooks.example.com/omni")]
    public void TryNormalize_Webhook_ReturnsAbsoluteUri(string input, string expected)
    {
        Assert.Equal(expected, Normalize(Channel.Webhook, input));
    }

    [Theory]
    [InlineData("http://hooks.example.com/omni")]
    [InlineData("http://10.0.0.5/omni")]
    [InlineData("ftp://hooks.example.com/omni")]
    public void TryNormalize_WebhookNotHttps_IsRejected(string input)
    {
        Assert.Contains("https", Reject(Channel.Webhook, input));
    }

    [Theory]
    [InlineData("https://user:secret@hooks.example.com/omni")]
    [InlineData("https://user@hooks.example.com/omni")]
    [InlineData("http://user@localhost/omni")]
    public void TryNormalize_WebhookWithUserInfo_IsRejected(string input)
    {
        Assert.Contains("user-info", Reject(Channel.Webhook, input));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("hooks.example.com/omni")]
    [InlineData("/api/hook")]
    [InlineData("https://")]
    [InlineData("file:///etc/passwd")]
    [InlineData("https://hooks.example.com/a b")]
    [InlineData("https://hooks.example.com/a\u0001")]
    public void TryNormalize_WebhookMalformed_IsRejected(string? input)
    {
        Reject(Channel.Webhook, input);
    }

    [Fact]
    public void TryNormalize_WebhookOf2048_IsAcceptedAndLongerRejected()
    {
        const string prefix = "https://hooks.example.com/";
        var exact = prefix + new string('p', 2048 - prefix.Length);
        Assert.Equal(exact, Normalize(Channel.Webhook, exact));
        Assert.Contains("2048", Reject(Channel.Webhook, exact + "p"));
    }

    [Fact]
    public void TryNormalize_WebhookThatGrowsPast2048WhenEscaped_IsRejected()
    {
        const string prefix = "https://hooks.example.com/";
        var input = prefix + new string('é', 2048 - prefix.Length);
        Assert.Contains("2048", Reject(Channel.Webhook, input));
    }

    [Theory]
    [InlineData("fcm:APA91bH-token_value.123")]
    [InlineData("a")]
    public void TryNormalize_PushToken_IsKeptAsIs(string input)
    {
        Assert.Equal(input, Normalize(Channel.Push, input));
    }

    [Fact]
    public void TryNormalize_PushTokenOf4096_IsAcceptedAnd4097Rejected()
    {
        Assert.Equal(new string('t', 4096), Normalize(Channel.Push, new string('t', 4096)));
        Assert.Contains("4096", Reject(Channel.Push, new string('t', 4097)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("tok en")]
    [InlineData("tok\ten")]
    [InlineData("tok\u0000en")]
    [InlineData("tok\u2003en")]
    public void TryNormalize_PushTokenEmptyOrWithWhitespace_IsRejected(string? input)
    {
        Reject(Channel.Push, input);
    }

    [Fact]
    public void TryNormalize_UndefinedChannel_ReturnsFalseWithoutThrowing()
    {
        Assert.False(AddressNormalizer.TryNormalize((Channel)99, "x", null, out var normalized, out var error));
        Assert.Equal("", normalized);
        Assert.NotEqual("", error);
    }
}
