using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Tests;

public class SharedAccessSignatureValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private readonly SharedAccessSignatureValidator _validator = new("RootManageSharedAccessKey", "secret-key", new FakeTimeProvider(Now));
    private static readonly Uri Queue = new("http://127.0.0.1:7071/echo");

    // Built by hand from the documented algorithm: sig = base64(HMAC-SHA256(key, urlencode(sr) + "\n" + se)).
    private static string Token(string resource, DateTimeOffset expiry, string key = "secret-key", string keyName = "RootManageSharedAccessKey")
    {
        var sr = Uri.EscapeDataString(resource);
        var se = expiry.ToUnixTimeSeconds().ToString();
        var sig = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(sr + "\n" + se)));
        return $"SharedAccessSignature sr={sr}&sig={Uri.EscapeDataString(sig)}&se={se}&skn={keyName}";
    }

    [Theory]
    [InlineData("http://127.0.0.1:7071/echo")]
    [InlineData("https://127.0.0.1:7071/echo")]
    [InlineData("sb://127.0.0.1:7071/")]
    [InlineData("http://127.0.0.1:7071")]
    public void Validate_TokenForTheEntityOrNamespace_Accepted(string resource)
    {
        Assert.Null(_validator.Validate(Token(resource, Now.AddHours(1)), Queue));
    }

    [Fact]
    public void Validate_ExpiredToken_Rejected()
    {
        Assert.Contains("expired", _validator.Validate(Token("http://127.0.0.1:7071/echo", Now.AddSeconds(-1)), Queue));
    }

    [Fact]
    public void Validate_WrongKey_Rejected()
    {
        Assert.Contains("does not match", _validator.Validate(Token("http://127.0.0.1:7071/echo", Now.AddHours(1), key: "other"), Queue));
    }

    [Fact]
    public void Validate_UnknownKeyName_Rejected()
    {
        Assert.Contains("Unknown key name", _validator.Validate(Token("http://127.0.0.1:7071/echo", Now.AddHours(1), keyName: "Listen"), Queue));
    }

    [Fact]
    public void Validate_TokenForAnotherQueue_Rejected()
    {
        Assert.Contains("does not cover", _validator.Validate(Token("http://127.0.0.1:7071/outbound", Now.AddHours(1)), Queue));
    }

    [Fact]
    public void Validate_TamperedExpiry_Rejected()
    {
        var token = Token("http://127.0.0.1:7071/echo", Now.AddHours(1));
        var tampered = token.Replace($"se={Now.AddHours(1).ToUnixTimeSeconds()}", $"se={Now.AddDays(30).ToUnixTimeSeconds()}");

        Assert.Contains("does not match", _validator.Validate(tampered, Queue));
    }

    [Theory]
    [InlineData(null, "no Authorization")]
    [InlineData("Bearer eyJ0eXAi", "Only SharedAccessSignature")]
    [InlineData("SharedAccessSignature sr=x&se=1", "must carry")]
    public void Validate_MissingOrForeignAuthorization_Rejected(string? header, string reason)
    {
        Assert.Contains(reason, _validator.Validate(header, Queue));
    }
}
