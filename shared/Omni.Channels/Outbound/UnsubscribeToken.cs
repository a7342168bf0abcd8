using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Omni.Core.Contacts;

namespace Omni.Channels.Outbound;

/// <summary>
/// One-click unsubscribe tokens (RFC 8058 links <c>{Omni__PublicBaseUrl}/api/unsubscribe/{token}</c>), keyed with
/// <c>Omni__UnsubscribeSecret</c>. A token is <c>base64url(0x02 ‖ nonce ‖ AES-256-GCM(payload) ‖ tag)</c> with payload
/// <c>"{contactId}\n{channel}\n{category}\n{issued-at unix seconds}"</c> (UTF-8) and the AES key HMAC-SHA256(secret,
/// "omni-unsubscribe-token-v2"): it reveals nothing (a contact id may be an e-mail address) and cannot be altered
/// without the secret. Tokens of the first format (<c>u1</c>: <c>base64url(payload) "." base64url(HMAC)</c>, readable
/// payload) are no longer issued but still accepted: they do not expire, and links in mails already sent must keep
/// working. Tokens do not expire: an unsubscribe link must keep working for as long as the mail sits in an inbox.
/// </summary>
public sealed class UnsubscribeToken
{
    private const string LegacyVersion = "u1";
    private const byte Version = 2;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private const int MaxTokenLength = 2048;
    private static readonly byte[] KeyLabel = Encoding.UTF8.GetBytes("omni-unsubscribe-token-v2");
    private static readonly byte[] AssociatedData = [Version];
    private readonly byte[] _key;
    private readonly byte[] _encryptionKey;
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
        _encryptionKey = HMACSHA256.HashData(_key, KeyLabel);
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
        byte[] payload = Encoding.UTF8.GetBytes(string.Join('\n', contactId, ChannelName(channel), category.ToLowerInvariant(),
            issuedAt.ToString(CultureInfo.InvariantCulture)));
        byte[] token = new byte[1 + NonceBytes + payload.Length + TagBytes];
        token[0] = Version;
        Span<byte> nonce = token.AsSpan(1, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_encryptionKey, TagBytes);
        aes.Encrypt(nonce, payload, token.AsSpan(1 + NonceBytes, payload.Length), token.AsSpan(1 + NonceBytes + payload.Length), AssociatedData);
        return Base64Url.EncodeToString(token);
    }

    /// <summary>Authenticates (constant time) and reads the token; false for anything malformed or tampered with.</summary>
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

        byte[]? payload = token.Contains('.') ? LegacyPayload(token) : Decrypt(token);
        if (payload is null)
        {
            return false;
        }

        string[] parts;
        try
        {
            parts = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload).Split('\n');
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        // u1 payloads start with their version; v2 ones do not (the version is the token's first byte).
        int first = token.Contains('.') ? 1 : 0;
        if (parts.Length != first + 4 || (first == 1 && parts[0] != LegacyVersion) ||
            !TryParseChannel(parts[first + 1], out Channel parsedChannel) ||
            !long.TryParse(parts[first + 3], NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) ||
            parts[first].Length == 0 || parts[first + 2].Length == 0)
        {
            return false;
        }

        contactId = parts[first];
        channel = parsedChannel;
        category = parts[first + 2];
        issuedAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }

    /// <summary>The payload of a u1 token whose HMAC holds (constant-time check), else null.</summary>
    private byte[]? LegacyPayload(string token)
    {
        int dot = token.IndexOf('.');
        if (dot <= 0 || dot != token.LastIndexOf('.'))
        {
            return null;
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
            return null;
        }

        return CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_key, payload), signature) ? payload : null;
    }

    /// <summary>The payload of a v2 token that decrypts and authenticates under this secret, else null.</summary>
    private byte[]? Decrypt(string token)
    {
        byte[] data;
        try
        {
            data = Base64Url.DecodeFromChars(token);
        }
        catch (FormatException)
        {
            return null;
        }

        if (data.Length <= 1 + NonceBytes + TagBytes || data[0] != Version)
        {
            return null;
        }

        byte[] payload = new byte[data.Length - 1 - NonceBytes - TagBytes];
        try
        {
            using var aes = new AesGcm(_encryptionKey, TagBytes);
            aes.Decrypt(data.AsSpan(1, NonceBytes), data.AsSpan(1 + NonceBytes, payload.Length), data.AsSpan(data.Length - TagBytes), payload, AssociatedData);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        return payload;
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
