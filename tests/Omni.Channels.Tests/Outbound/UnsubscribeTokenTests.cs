using System.Text;
using Microsoft.Extensions.Time.Testing;
using Omni.Channels.Outbound;
using Omni.Core.Contacts;

namespace Omni.Channels.Tests.Outbound;

public sealed class UnsubscribeTokenTests
{
    private const string Secret = "unsubscribe-secret-for-tests-0123456789";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero));

    [Fact]
    public void Create_ThenTryVerify_RoundTrips()
    {
        var tokens = new UnsubscribeToken(Secret, _time);

        string token = tokens.Create("contact-42", Channel.Email, "Marketing");

        Assert.True(tokens.TryVerify(token, out string contactId, out Channel channel, out string category, out DateTimeOffset issuedAt));
        Assert.Equal("contact-42", contactId);
        Assert.Equal(Channel.Email, channel);
        Assert.Equal("marketing", category);
        Assert.Equal(_time.GetUtcNow(), issuedAt);
        Assert.Matches("^[A-Za-z0-9_-]+$", token);
    }

    /// <summary>A token of the first format, built by hand: base64url("u1\n{id}\n{channel}\n{category}\n{t}") "." base64url(HMAC).</summary>
    private static string LegacyToken(string secret, string contactId, string channel, string category, long issuedAt)
    {
        byte[] payload = Encoding.UTF8.GetBytes($"u1\n{contactId}\n{channel}\n{category}\n{issuedAt}");
        return System.Buffers.Text.Base64Url.EncodeToString(payload) + "."
            + System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload));
    }

    [Fact]
    public void Create_ContactIdIsAnEmail_TheTokenDoesNotReveal_It()
    {
        var tokens = new UnsubscribeToken(Secret, _time);

        string token = tokens.Create("ada@example.org", Channel.Email, "marketing");

        byte[] raw = System.Buffers.Text.Base64Url.DecodeFromChars(token);
        Assert.DoesNotContain("ada", Encoding.UTF8.GetString(raw), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("ada", Encoding.Latin1.GetString(raw), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("ada@example.org", token, StringComparison.OrdinalIgnoreCase);
        Assert.True(tokens.TryVerify(token, out string contactId, out _, out _));
        Assert.Equal("ada@example.org", contactId);
        Assert.NotEqual(token, tokens.Create("ada@example.org", Channel.Email, "marketing")); // a fresh nonce each time
    }

    [Fact]
    public void TryVerify_FirstFormatToken_AlreadyInAMail_IsStillAccepted()
    {
        var tokens = new UnsubscribeToken(Secret, _time);
        string legacy = LegacyToken(Secret, "contact-42", "email", "marketing", 1_700_000_000);

        Assert.True(tokens.TryVerify(legacy, out string contactId, out Channel channel, out string category, out DateTimeOffset issuedAt));
        Assert.Equal(("contact-42", Channel.Email, "marketing"), (contactId, channel, category));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), issuedAt);
        Assert.False(tokens.TryVerify(LegacyToken("another-secret-entirely-9876543210", "contact-42", "email", "marketing", 1_700_000_000), out _, out _, out _));
    }

    [Fact]
    public void TryVerify_TamperedPayload_False()
    {
        var tokens = new UnsubscribeToken(Secret, _time);
        byte[] raw = System.Buffers.Text.Base64Url.DecodeFromChars(tokens.Create("contact-42", Channel.Email, "marketing"));
        raw[20] ^= 1; // a bit of the ciphertext
        string legacy = LegacyToken(Secret, "contact-42", "email", "marketing", 1_700_000_000);
        string forgedLegacy = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes("u1\ncontact-43\nemail\nmarketing\n1700000000"))
            + legacy[legacy.IndexOf('.')..];

        Assert.False(tokens.TryVerify(System.Buffers.Text.Base64Url.EncodeToString(raw), out _, out _, out _));
        Assert.False(tokens.TryVerify(forgedLegacy, out _, out _, out _));
    }

    [Fact]
    public void TryVerify_TamperedSignature_False()
    {
        var tokens = new UnsubscribeToken(Secret, _time);
        string token = tokens.Create("contact-42", Channel.Sms, "marketing");
        char last = token[^2];
        string tampered = token[..^2] + (last == 'A' ? 'B' : 'A') + token[^1];

        Assert.False(tokens.TryVerify(tampered, out _, out _, out _));
    }

    [Fact]
    public void TryVerify_WrongSecret_False()
    {
        string token = new UnsubscribeToken(Secret, _time).Create("contact-42", Channel.Email, "marketing");

        Assert.False(new UnsubscribeToken("another-secret-entirely-9876543210", _time).TryVerify(token, out _, out _, out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("no-dot")]
    [InlineData("AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("a.b.c")]
    [InlineData("!!!.???")]
    public void TryVerify_Garbage_False(string? token)
    {
        Assert.False(new UnsubscribeToken(Secret, _time).TryVerify(token, out string contactId, out _, out _));
        Assert.Equal(string.Empty, contactId);
    }
}
