using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Omni.Core.Contacts;

namespace Omni.Channels.Outbound;

/// <summary>
/// One-click unsubscribe tokens (RFC 8058 links <c>{Omni__PublicBaseUrl}/api/unsubscribe/{token}</c>), keyed with
/// <c>Omni__UnsubscribeSecret</c>. Format: <c>base64url(payload) "." base64url(HMAC-SHA256(secret, payload))</c> where
/// payload is <c>"u1\n{contactId}\n{channel}\n{category}\n{issued-at unix seconds}"</c> (UTF-8). The token reveals the contact
/// id, channel and category — never an address — and cannot be altered without the secret. Tokens do not expire: an
/// unsubscribe link must keep working for as long as the mail sits in an inbox.
/// </summary>
public sealed class UnsubscribeToken
{
    private const string Version = "u1";
    private const int MaxTokenLength = 2048;
    private readonly byte[] _key;
    private readonly TimeProvider _timeProvider;

    /// <param name="secret">The HMAC key (<c>Omni__UnsubscribeSecret</c>); at least 16 characters.</param>
    public UnsubscribeToken(string secret, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secret);
        if (secret.Length < 16)
        {
            throw new ArgumentException("The unsubscribe secret must be at least 16 characters.", nameof(secret));
        }

        _key = Encoding.UTF8.GetBytes(secret);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>A token for <paramref name="contactId"/> opting out of <paramref name="category"/> on <paramref name="channel"/>, issued now.</summary>
    /// <exception cref="ArgumentException">An empty id or category, or one containing a line break.</exception>
    public string Create(string contactId, Channel channel, string category)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contactId);
        ArgumentException.ThrowIfNullOrWhiteSpace(category);
        if (contactId.Contains('\n') || category.Contains('\n'))
        {
            throw new ArgumentException("Contact id and category must not contain line breaks.");
        }

        long issuedAt = _timeProvider.GetUtcNow().ToUnixTimeSeconds();
        string payload = string.Join('\n', Version, contactId, ChannelName(channel), category.ToLowerInvariant(),
            issuedAt.ToString(CultureInfo.InvariantCulture));
        byte[] payloadBytes = Encoding.UTF8.GetBytes(payload);
        return Base64Url.EncodeToString(payloadBytes) + "." + Base64Url.EncodeToString(HMACSHA256.HashData(_key, payloadBytes));
    }

    /// <summary>Checks the signature (constant time) and reads the token; false for anything malformed or tampered with.</summary>
    public bool TryVerify(string? token, out string contactId, out Channel channel, out string category) =>
        TryVerify(token, out contactId, out channel, out category, out _);

    /// <summary>As <see cref="TryVerify(string?, out string, out Channel, out string)"/>, also returning when the token was issued.</summary>
    public bool TryVerify(string? token, out string contactId, out Channel channel, out string category, out DateTimeOffset issuedAt)
    {
        contactId = string.Empty;
        channel = default;
        category = string.Empty;
        issuedAt = default;
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return false;
        }

        int dot = token.IndexOf('.');
        if (dot <= 0 || dot != token.LastIndexOf('.'))
        {
            return false;
        }

        byte[] payload;
        byte[] signature;
        try
        {
            payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            signature = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return false;
        }

        byte[] expected = HMACSHA256.HashData(_key, payload);
        if (!CryptographicOperations.FixedTimeEquals(expected, signature))
        {
            return false;
        }

        string[] parts = Encoding.UTF8.GetString(payload).Split('\n');
        if (parts.Length != 5 || parts[0] != Version ||
            !TryParseChannel(parts[2], out Channel parsedChannel) ||
            !long.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) ||
            parts[1].Length == 0 || parts[3].Length == 0)
        {
            return false;
        }

        contactId = parts[1];
        channel = parsedChannel;
        category = parts[3];
        issuedAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }

    private static string ChannelName(Channel channel) => channel.ToString().ToLowerInvariant();

    private static bool TryParseChannel(string name, out Channel channel)
    {
        foreach (Channel candidate in Enum.GetValues<Channel>())
        {
            if (ChannelName(candidate) == name)
            {
                channel = candidate;
                return true;
            }
        }

        channel = default;
        return false;
    }
}
