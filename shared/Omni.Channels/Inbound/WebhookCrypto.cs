using System.Security.Cryptography;
using System.Text;

namespace Omni.Channels.Inbound;

/// <summary>The hashing and constant-time comparisons the webhook checks share.</summary>
public static class WebhookCrypto
{
    /// <summary>
    /// Compares two secrets in constant time. Both sides are hashed first, so neither the content nor the length of the
    /// expected value leaks through timing. A null or empty side never matches.
    /// </summary>
    public static bool SecretEquals(string? expected, string? presented)
    {
        if (string.IsNullOrEmpty(expected) || string.IsNullOrEmpty(presented))
        {
            return false;
        }
        var a = SHA256.HashData(Encoding.UTF8.GetBytes(expected));
        var b = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        return CryptographicOperations.FixedTimeEquals(a, b);
    }

    /// <summary>Lower-case hex HMAC-SHA256 of <paramref name="data"/> under the UTF-8 bytes of <paramref name="key"/>.</summary>
    public static string HmacSha256Hex(string key, ReadOnlySpan<byte> data) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), data));

    /// <summary>Lower-case hex SHA-256 of <paramref name="data"/>.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
