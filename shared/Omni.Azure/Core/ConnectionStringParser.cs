namespace Omni.Azure.Core;

/// <summary>Parses <c>key=value;key=value</c> connection strings (keys case-insensitive, values may contain '=').</summary>
internal static class ConnectionStringParser
{
    /// <exception cref="FormatException">A segment has no '=' or a key appears twice.</exception>
    public static Dictionary<string, string> Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string[] segments = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (int i = 0; i < segments.Length; i++)
        {
            string segment = segments[i];
            int equals = segment.IndexOf('=');
            if (equals <= 0)
            {
                // Never echo the segment itself: it may be a secret.
                throw new FormatException($"Segment {i + 1} of the connection string is not of the form key=value.");
            }

            string key = segment[..equals].Trim();
            string value = segment[(equals + 1)..].Trim();
            if (!values.TryAdd(key, value))
            {
                throw new FormatException($"The connection string contains the key '{key}' more than once.");
            }
        }

        return values;
    }

    /// <summary>The value for <paramref name="key"/>, or a <see cref="FormatException"/> naming the missing key.</summary>
    public static string GetRequired(IReadOnlyDictionary<string, string> values, string key) =>
        values.TryGetValue(key, out string? value) && !string.IsNullOrWhiteSpace(value)
            ? value
            : throw new FormatException($"The connection string has no value for '{key}'.");
}
