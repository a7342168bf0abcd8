using System.Text;
using Omni.Channels.Outbound;

namespace Omni.Channels.Tests.Outbound;

/// <summary>The Standard Webhooks signature, checked against the specification's published test vector.</summary>
public sealed class StandardWebhookTests
{
    // The signing test vector of github.com/standard-webhooks/standard-webhooks (libraries/*/ webhook tests), verbatim.
    private const string VectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string VectorId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long VectorTimestamp = 1614265330;
    private const string VectorPayload = """{"test": 2432232314}""";
    private const string VectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private const string WrongSignature = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";

    private static readonly byte[] Payload = Encoding.UTF8.GetBytes(VectorPayload);

    [Fact]
    public void Sign_SpecTestVector_MatchesPublishedSignature()
    {
        Assert.Equal(VectorSignature, StandardWebhook.Sign([VectorSecret], VectorId, VectorTimestamp, Payload));
    }

    [Fact]
    public void Verify_SpecVectorAmongOtherSignatures_True()
    {
        string header = string.Join(' ', WrongSignature, "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", VectorSignature, WrongSignature);

        Assert.True(StandardWebhook.Verify(VectorSecret, VectorId, "1614265330", header, Payload));
    }

    [Theory]
    [InlineData(WrongSignature, "1614265330")]
    [InlineData(VectorSignature, "1614265331")]
    [InlineData("v1,not-base64", "1614265330")]
    [InlineData("", "1614265330")]
    public void Verify_WrongSignatureOrTimestamp_False(string header, string timestamp)
    {
        Assert.False(StandardWebhook.Verify(VectorSecret, VectorId, timestamp, header, Payload));
    }

    [Fact]
    public void Sign_TwoSecrets_TwoSpaceSeparatedSignatures_EachVerifies()
    {
        string header = StandardWebhook.Sign(StandardWebhook.Secrets(VectorSecret + " previous-secret"), VectorId, VectorTimestamp, Payload);

        string[] entries = header.Split(' ');
        Assert.Equal(2, entries.Length);
        Assert.Equal(VectorSignature, entries[0]);
        Assert.True(StandardWebhook.Verify("previous-secret", VectorId, "1614265330", header, Payload));
    }

    [Fact]
    public void DeriveTargetSecret_TwoTargets_DifferentWhsecSecrets()
    {
        string first = StandardWebhook.DeriveTargetSecret(VectorSecret, new Uri("https://a.example.com/hook"));
        string second = StandardWebhook.DeriveTargetSecret(VectorSecret, new Uri("https://b.example.com/hook"));

        Assert.NotEqual(first, second);
        Assert.StartsWith("whsec_", first, StringComparison.Ordinal);
        Assert.Equal(32, StandardWebhook.Key(first).Length);
        Assert.NotEqual(first, StandardWebhook.DeriveTargetSecret("another-master", new Uri("https://a.example.com/hook")));
    }

    [Fact]
    public void DeriveTargetSecret_SameUrlWrittenDifferently_SameSecret()
    {
        Assert.Equal(StandardWebhook.DeriveTargetSecret(VectorSecret, new Uri("https://a.example.com/hook?x=1")),
            StandardWebhook.DeriveTargetSecret(VectorSecret, new Uri("HTTPS://A.Example.COM:443/hook?x=1#top")));
    }

    [Fact]
    public void Validated_WhsecNotBase64_ThrowsWithoutTheValue()
    {
        var e = Assert.Throws<InvalidOperationException>(() => StandardWebhook.Validated("whsec_%%%", "InApp__SigningSecret"));

        Assert.Contains("InApp__SigningSecret", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("%%%", e.Message, StringComparison.Ordinal);
    }
}
