using System.Text.RegularExpressions;

namespace Omni.Azure.Tables;

/// <summary>Client-side checks of table names and keys, so bad input fails with a clear message before a request is sent.</summary>
internal static partial class TableValidation
{
    /// <summary>Keys may be up to 1 KiB; the service stores strings as UTF-16, so that is 512 characters.</summary>
    internal const int MaxKeyLength = 512;

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex TableNamePattern();

    public static void ValidateTableName(string tableName, string paramName)
    {
        ArgumentNullException.ThrowIfNull(tableName, paramName);
        if (!TableNamePattern().IsMatch(tableName))
        {
            throw new ArgumentException(
                $"'{tableName}' is not a valid table name: it must be 3-63 characters, letters and digits only, starting with a letter.",
                paramName);
        }
        if (string.Equals(tableName, "tables", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException("'tables' is a reserved table name.", paramName);
        }
    }

    /// <summary>Checks a PartitionKey or RowKey: at most 512 characters, none of / \ # ? or a control character.</summary>
    public static void ValidateKey(string? key, string paramName)
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        if (key.Length > MaxKeyLength)
        {
            throw new ArgumentException(
                $"The {paramName} is {key.Length} characters long; the Table service allows at most {MaxKeyLength} (1 KiB as UTF-16).",
                paramName);
        }
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (c is '/' or '\\' or '#' or '?' || c <= '\u001F' || (c >= '\u007F' && c <= '\u009F'))
            {
                var shown = char.IsControl(c) ? $"U+{(int)c:X4}" : $"'{c}'";
                throw new ArgumentException(
                    $"The {paramName} contains {shown} at position {i}; keys may not contain '/', '\\', '#', '?' or control characters (U+0000-U+001F, U+007F-U+009F).",
                    paramName);
            }
        }
    }

    public static void ValidateEntityKeys(ITableEntity entity, string paramName)
    {
        ArgumentNullException.ThrowIfNull(entity, paramName);
        if (entity.PartitionKey is null || entity.RowKey is null)
        {
            throw new ArgumentException("The entity must have a PartitionKey and a RowKey.", paramName);
        }
        ValidateKey(entity.PartitionKey, nameof(ITableEntity.PartitionKey));
        ValidateKey(entity.RowKey, nameof(ITableEntity.RowKey));
    }
}
