using System.Security.Cryptography;
using System.Text;
using Omni.Azure.Tables;

namespace Omni.Storage.Messages;

/// <summary>Key helpers shared by the message-log stores.</summary>
internal static class StorageKeys
{
    /// <summary>Lower-case hex SHA-256 of the UTF-8 of <paramref name="value"/> (64 characters, always key-safe).</summary>
    public static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    /// <summary>
    /// A key segment taken verbatim (scope, provider name): 1–<paramref name="maxLength"/> characters, none of those
    /// Table keys forbid (<c>/ \ # ?</c>, control characters) and no <c>|</c> (the segment separator).
    /// </summary>
    public static void ValidateSegment(string? value, int maxLength, string paramName)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        if (value.Length == 0 || value.Length > maxLength)
        {
            throw new ArgumentException($"Must be 1-{maxLength} characters.", paramName);
        }
        foreach (var c in value)
        {
            if (c is '/' or '\\' or '#' or '?' or '|' || char.IsControl(c))
            {
                throw new ArgumentException("Must not contain / \\ # ? | or control characters.", paramName);
            }
        }
    }

    /// <summary>
    /// Estimated stored size of an entity in bytes, by the formula Azure documents for Table Storage: 4 bytes +
    /// 2 × (PartitionKey + RowKey characters) + per property (8 bytes + 2 × name characters + value size), where a
    /// string is 4 + 2 × characters, a DateTime/long/double 8, an int 4, a bool 1, a Guid 16, binary 4 + length.
    /// </summary>
    public static long EstimateSize(TableEntity entity)
    {
        long size = 4 + 2L * (entity.PartitionKey.Length + entity.RowKey.Length);
        foreach (var (name, value) in entity)
        {
            if (value is null || name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag")
            {
                continue;
            }
            size += 8 + 2L * name.Length + value switch
            {
                string s => 4 + 2L * s.Length,
                int => 4,
                bool => 1,
                Guid => 16,
                byte[] b => 4 + b.Length,
                _ => 8,
            };
        }
        return size;
    }
}
