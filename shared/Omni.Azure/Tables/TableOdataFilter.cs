using System.Globalization;
using System.Text;

namespace Omni.Azure.Tables;

/// <summary>
/// Turns an interpolated string into an OData <c>$filter</c>: the literal parts are kept as written and every
/// interpolated argument becomes a typed, escaped literal, so no argument can change the shape of the filter.
/// </summary>
internal static class TableOdataFilter
{
    internal const string DateTimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static string Create(FormattableString filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var arguments = new object?[filter.ArgumentCount];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = ToLiteral(filter.GetArgument(i), i);
        }
        // The arguments are all strings now, so format specifiers in the template cannot reinterpret them.
        return string.Format(CultureInfo.InvariantCulture, filter.Format, arguments);
    }

    /// <summary>Doubles single quotes: the OData escape inside a '...' string literal.</summary>
    public static string EscapeString(string value) => value.Replace("'", "''", StringComparison.Ordinal);

    internal static string ToLiteral(object? value, int index) => value switch
    {
        null => "null",
        string s => Quote(s),
        char c => Quote(c.ToString()),
        bool b => b ? "true" : "false",
        int or short or sbyte or byte or ushort => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        uint u => u.ToString(CultureInfo.InvariantCulture) + "L",
        double d => FormatDouble(d, index),
        float f => FormatDouble(f, index),
        DateTimeOffset dto => "datetime'" + dto.UtcDateTime.ToString(DateTimeFormat, CultureInfo.InvariantCulture) + "'",
        DateTime dt => "datetime'" + TableEntityJson.ToUtc(dt).ToString(DateTimeFormat, CultureInfo.InvariantCulture) + "'",
        Guid g => "guid'" + g.ToString("D") + "'",
        byte[] bytes => "X'" + Convert.ToHexStringLower(bytes) + "'",
        BinaryData data => "X'" + Convert.ToHexStringLower(data.ToMemory().Span) + "'",
        Enum e => Quote(e.ToString()),
        _ => throw new ArgumentException(
            $"Filter argument {index} has type {value.GetType().Name}, which has no Table OData literal. " +
            "Use string, bool, int, long, double, DateTime, DateTimeOffset, Guid, byte[] or an enum.",
            "filter"),
    };

    private static string Quote(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var c in value)
        {
            builder.Append(c);
            if (c == '\'')
            {
                builder.Append('\'');
            }
        }
        return builder.Append('\'').ToString();
    }

    private static string FormatDouble(double value, int index)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"Filter argument {index} is {value}; Table filters only compare finite doubles.", "filter");
        }
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        // "2" would be read as an Int32 literal; a double literal needs a fraction or exponent.
        return text.AsSpan().IndexOfAny('.', 'E', 'e') < 0 ? text + ".0" : text;
    }
}
