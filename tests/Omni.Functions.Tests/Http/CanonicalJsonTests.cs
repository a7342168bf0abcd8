using System.Text.Json;
using Omni.Functions.Http;

namespace Omni.Functions.Tests.Http;

public sealed class CanonicalJsonTests
{
    private static string Fingerprint(string json) =>
        CanonicalJson.Fingerprint(JsonDocument.Parse(json).RootElement, ApiJsonContext.Default.JsonElement);

    [Theory]
    [InlineData("""{"a":1,"b":{"x":"é","y":[20,true,null]}}""", """ { "b" : { "y" : [ 2e1, true, null ], "x" : "\u00e9" }, "a" : 1.0 } """)]
    [InlineData("""{"n":0.5}""", """{"n":5E-1}""")]
    public void Fingerprint_OtherWhitespaceKeyOrderEscapesAndNumberText_IsTheSame(string one, string other)
    {
        Assert.Equal(Fingerprint(one), Fingerprint(other));
        Assert.StartsWith(CanonicalJson.FingerprintPrefix, Fingerprint(one), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"a":1}""", """{"a":2}""")]
    [InlineData("""{"a":[1,2]}""", """{"a":[2,1]}""")]
    [InlineData("""{"a":"1"}""", """{"a":1}""")]
    [InlineData("""{"a":123456789012345678901234567890}""", """{"a":123456789012345678901234567891}""")]
    public void Fingerprint_AnotherValue_Differs(string one, string other)
    {
        Assert.NotEqual(Fingerprint(one), Fingerprint(other));
    }
}
