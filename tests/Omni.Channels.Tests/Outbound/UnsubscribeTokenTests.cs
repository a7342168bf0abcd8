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
        Assert.Matches("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$", token);
    }

    [Fact]
    public void TryVerify_TamperedPayload_False()
    {
        var tokens = new UnsubscribeToken(Secret, _time);
        string token = tokens.Create("contact-42", Channel.Email, "marketing");
        string payload = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(token.AsSpan(0, token.IndexOf('.'))));
        string forged = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.Replace("contact-42", "contact-43")))
            + token[token.IndexOf('.')..];

        Assert.False(tokens.TryVerify(forged, out _, out _, out _));
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
    [InlineData("a.b.c")]
    [InlineData("!!!.???")]
    public void TryVerify_Garbage_False(string? token)
    {
        Assert.False(new UnsubscribeToken(Secret, _time).TryVerify(token, out string contactId, out _, out _));
        Assert.Equal(string.Empty, contactId);
    }
}
