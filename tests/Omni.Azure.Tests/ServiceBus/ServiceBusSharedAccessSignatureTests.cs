using Omni.Azure.ServiceBus;

namespace Omni.Azure.Tests.ServiceBus;

public sealed class ServiceBusSharedAccessSignatureTests
{
    private const string Resource = "https://omni-test.servicebus.windows.net/send-sms";
    private const string KeyName = "RootManageSharedAccessKey";
    private const string Key = "c2VjcmV0LWtleS1mb3Itb21uaS10ZXN0cw==";

    // Computed independently (Python hmac/hashlib/urllib.parse.quote) from the documented algorithm:
    // sig = base64(HMAC-SHA256(utf8(key text), enc(uri) + "\n" + expiry)), enc = upper-case percent-encoding.
    private const string ExpectedToken =
        "SharedAccessSignature sr=https%3A%2F%2Fomni-test.servicebus.windows.net%2Fsend-sms" +
        "&sig=GvwBH2NPHHpebcBtBSJLms3AXofWXsQJ3u5ADgGUTIY%3D&se=1735689600&skn=RootManageSharedAccessKey";

    private static readonly DateTimeOffset Expiry = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Create_KnownInputs_ReturnsIndependentlyComputedToken()
    {
        string token = ServiceBusSharedAccessSignature.Create(Resource, KeyName, Key, Expiry);

        Assert.Equal(ExpectedToken, token);
    }

    [Fact]
    public void Create_SubSecondExpiry_TruncatesToWholeSeconds()
    {
        string token = ServiceBusSharedAccessSignature.Create(Resource, KeyName, Key, Expiry.AddMilliseconds(999));

        Assert.Equal(ExpectedToken, token);
    }

    [Fact]
    public void TryParse_CreatedToken_ReadsResourceKeyNameAndExpiry()
    {
        Assert.True(ServiceBusSharedAccessSignature.TryParse(ExpectedToken, out ServiceBusSharedAccessSignature? sas));

        Assert.Equal(Resource, sas.Resource);
        Assert.Equal(KeyName, sas.KeyName);
        Assert.Equal(Expiry, sas.ExpiresOn);
    }

    [Fact]
    public void IsSignatureValid_RightKey_ReturnsTrue()
    {
        Assert.True(ServiceBusSharedAccessSignature.TryParse(ExpectedToken, out ServiceBusSharedAccessSignature? sas));

        Assert.True(sas.IsSignatureValid(Key));
    }

    [Fact]
    public void IsSignatureValid_WrongKey_ReturnsFalse()
    {
        Assert.True(ServiceBusSharedAccessSignature.TryParse(ExpectedToken, out ServiceBusSharedAccessSignature? sas));

        Assert.False(sas.IsSignatureValid("d3Jvbmcta2V5"));
    }

    [Fact]
    public void IsSignatureValid_TamperedExpiry_ReturnsFalse()
    {
        string tampered = ExpectedToken.Replace("se=1735689600", "se=1735699600", StringComparison.Ordinal);
        Assert.True(ServiceBusSharedAccessSignature.TryParse(tampered, out ServiceBusSharedAccessSignature? sas));

        Assert.False(sas.IsSignatureValid(Key));
    }

    [Fact]
    public void TryParse_FieldsInAnotherOrderWithoutScheme_Parses()
    {
        string reordered = "skn=RootManageSharedAccessKey&se=1735689600&sig=GvwBH2NPHHpebcBtBSJLms3AXofWXsQJ3u5ADgGUTIY%3D" +
            "&sr=https%3A%2F%2Fomni-test.servicebus.windows.net%2Fsend-sms";

        Assert.True(ServiceBusSharedAccessSignature.TryParse(reordered, out ServiceBusSharedAccessSignature? sas));
        Assert.True(sas.IsSignatureValid(Key));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Bearer abc")]
    [InlineData("SharedAccessSignature sr=a&sig=b&skn=c")]
    [InlineData("SharedAccessSignature sr=a&sig=b&se=soon&skn=c")]
    public void TryParse_MalformedToken_ReturnsFalse(string token)
    {
        Assert.False(ServiceBusSharedAccessSignature.TryParse(token, out _));
    }
}
