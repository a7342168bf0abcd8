using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Omni.Channels.Inbound;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Channels.Tests.Inbound;

public sealed class ChatWebhookTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private const string Secret = "chat-secret-for-tests";
    private static readonly byte[] Body = """{"id":"c-42","userId":"user-7","text":"Where is my parcel?","sentAt":"2026-11-23T11:59:30Z"}"""u8.ToArray();

    // The header computed here from the documented format, with the BCL only.
    private static string Header(string secret, DateTimeOffset t, byte[] body)
    {
        var seconds = t.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var data = Encoding.UTF8.GetBytes(seconds + ".").Concat(body).ToArray();
        return $"t={seconds},v1={Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), data)).ToLowerInvariant()}";
    }

    [Fact]
    public void Sign_MatchesTheDocumentedFormat()
    {
        Assert.Equal(Header(Secret, Now, Body), ChatWebhook.Sign(Secret, Now, Body));
    }

    [Fact]
    public void VerifyAndParse_SignedNow_IsAnInAppMessage()
    {
        var result = ChatWebhook.VerifyAndParse(Secret, Header(Secret, Now, Body), Body, Now);

        Assert.Equal(InboundOutcome.Accepted, result.Outcome);
        var e = Assert.Single(result.Events);
        Assert.Equal("chat:c-42", e.Id);
        Assert.Equal(InboundEventKind.Message, e.Kind);
        Assert.Equal("chat", e.Provider);
        Assert.Equal(Channel.InApp, e.Channel);
        Assert.Equal("user-7", e.From);
        Assert.Equal("Where is my parcel?", e.Text);
        Assert.Equal("c-42", e.ProviderMessageId);
        Assert.Equal(DateTimeOffset.Parse("2026-11-23T11:59:30Z"), e.OccurredAt);
        Assert.Equal(Now, e.ReceivedAt);
    }

    [Theory]
    [InlineData(-299)]
    [InlineData(299)]
    public void VerifyAndParse_WithinFiveMinutes_IsAccepted(int offsetSeconds)
    {
        Assert.Equal(InboundOutcome.Accepted, ChatWebhook.VerifyAndParse(Secret, Header(Secret, Now.AddSeconds(offsetSeconds), Body), Body, Now).Outcome);
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    [InlineData(-86400)]
    public void VerifyAndParse_OutsideTheReplayWindow_IsUnauthorized(int offsetSeconds)
    {
        var result = ChatWebhook.VerifyAndParse(Secret, Header(Secret, Now.AddSeconds(offsetSeconds), Body), Body, Now);

        Assert.Equal(InboundOutcome.Unauthorized, result.Outcome);
        Assert.Contains("window", result.Reason);
    }

    [Fact]
    public void VerifyAndParse_ReplayedLater_IsUnauthorized()
    {
        var header = Header(Secret, Now, Body);

        Assert.Equal(InboundOutcome.Accepted, ChatWebhook.VerifyAndParse(Secret, header, Body, Now).Outcome);
        Assert.Equal(InboundOutcome.Unauthorized, ChatWebhook.VerifyAndParse(Secret, header, Body, Now.AddMinutes(6)).Outcome);
    }

    [Fact]
    public void VerifyAndParse_TamperedBody_IsUnauthorized()
    {
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Body).Replace("user-7", "user-8"));

        Assert.Equal(InboundOutcome.Unauthorized, ChatWebhook.VerifyAndParse(Secret, Header(Secret, Now, Body), tampered, Now).Outcome);
    }

    [Fact]
    public void VerifyAndParse_TimestampChangedWithoutResigning_IsUnauthorized()
    {
        var header = Header(Secret, Now.AddMinutes(-10), Body);
        var moved = "t=" + Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + header[header.IndexOf(',')..];

        Assert.Equal(InboundOutcome.Unauthorized, ChatWebhook.VerifyAndParse(Secret, moved, Body, Now).Outcome);
    }

    [Fact]
    public void VerifyAndParse_WrongSecret_IsUnauthorized()
    {
        Assert.Equal(InboundOutcome.Unauthorized, ChatWebhook.VerifyAndParse(Secret, Header("other", Now, Body), Body, Now).Outcome);
    }

    [Fact]
    public void VerifyAndParse_OneOfSeveralV1Matches_IsAccepted()
    {
        var good = Header(Secret, Now, Body);
        var old = Header("previous-secret", Now, Body);
        var header = good + "," + old[old.IndexOf("v1=", StringComparison.Ordinal)..];

        Assert.Equal(InboundOutcome.Accepted, ChatWebhook.VerifyAndParse(Secret, header, Body, Now).Outcome);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("v1=abc")]
    [InlineData("t=1700000000")]
    [InlineData("t=abc,v1=00")]
    [InlineData("t=-5,v1=00")]
    [InlineData("t=99999999999999999999,v1=00")]
    public void VerifyAndParse_MissingOrMalformedHeader_IsUnauthorized(string? header)
    {
        Assert.Equal(InboundOutcome.Unauthorized, ChatWebhook.VerifyAndParse(Secret, header, Body, Now).Outcome);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void VerifyAndParse_NoSecretConfigured_IsUnauthorized(string? secret)
    {
        Assert.Equal(InboundOutcome.Unauthorized, ChatWebhook.VerifyAndParse(secret, Header("", Now, Body), Body, Now).Outcome);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"userId":"u","text":"t"}""")]
    [InlineData("""{"id":"","userId":"u","text":"t"}""")]
    [InlineData("""{"id":5,"userId":"u","text":"t"}""")]
    [InlineData("""{"id":"a","text":"t"}""")]
    [InlineData("""{"id":"a","userId":"  ","text":"t"}""")]
    [InlineData("""{"id":"a","userId":"u"}""")]
    [InlineData("""{"id":"a","userId":"u","text":"t","sentAt":"yesterday"}""")]
    [InlineData("""{"id":"a\u0001","userId":"u","text":"t"}""")]
    public void VerifyAndParse_SignedButMalformed_IsMalformed(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);

        Assert.Equal(InboundOutcome.Malformed, ChatWebhook.VerifyAndParse(Secret, Header(Secret, Now, body), body, Now).Outcome);
    }

    [Fact]
    public void Parse_NoSentAt_UsesTheReceiveTime()
    {
        var e = Assert.Single(ChatWebhook.Parse("""{"id":"a","userId":"u","text":"t"}"""u8.ToArray(), Now).Events);

        Assert.Equal(Now, e.OccurredAt);
    }

    [Fact]
    public void Parse_SameMessageTwice_HasTheSameId()
    {
        Assert.Equal(ChatWebhook.Parse(Body, Now).Events[0].Id, ChatWebhook.Parse(Body, Now.AddSeconds(30)).Events[0].Id);
    }
}
