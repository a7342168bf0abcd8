using System.Security.Cryptography;

namespace Omni.Core.Messages;

/// <summary>New message ids: "msg_" + 26 Crockford base32 characters (48-bit milliseconds, 80 random bits), so ids sort by creation time.</summary>
public static class MessageIds
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New(DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = (ulong)now.ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(ms >> (8 * (5 - i)));
        }
        RandomNumberGenerator.Fill(bytes[6..]);
        Span<char> chars = stackalloc char[30];
        "msg_".CopyTo(chars);
        // 128 bits → 26 base32 digits (the first carries 3 bits).
        var value = new UInt128(
            (ulong)bytes[0] << 56 | (ulong)bytes[1] << 48 | (ulong)bytes[2] << 40 | (ulong)bytes[3] << 32 | (ulong)bytes[4] << 24 | (ulong)bytes[5] << 16 | (ulong)bytes[6] << 8 | bytes[7],
            (ulong)bytes[8] << 56 | (ulong)bytes[9] << 48 | (ulong)bytes[10] << 40 | (ulong)bytes[11] << 32 | (ulong)bytes[12] << 24 | (ulong)bytes[13] << 16 | (ulong)bytes[14] << 8 | bytes[15]);
        for (var i = 29; i >= 4; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
        return new string(chars);
    }
}
