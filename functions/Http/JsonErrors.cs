using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Omni.Functions.Http;

/// <summary>
/// Sentences for a body that is not the JSON the endpoint reads: where (line and byte, 1-based, as System.Text.Json
/// counts them) and what (a trailing comma, the end of data, an unknown property and the allowed ones). They quote at
/// most one character or one property name of the body, never more: the answer must not echo the request.
/// </summary>
public static class JsonErrors
{
    private const int MaxQuotedName = 40;

    /// <summary>Null when <paramref name="json"/> is one well-formed JSON value nested at most <paramref name="maxDepth"/> deep.</summary>
    public static string? Syntax(ReadOnlySpan<byte> json, int maxDepth)
    {
        // One more level than allowed so the reader returns the offending bracket and the depth is reported here.
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth + 1 });
        var containers = new Stack<byte>();
        var last = JsonTokenType.None;
        var end = 0;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray when reader.CurrentDepth >= maxDepth:
                        var (line, column) = Position(json, (int)reader.TokenStartIndex);
                        return $"line {line}, byte {column}: it nests deeper than {maxDepth} levels.";
                    case JsonTokenType.StartObject:
                        containers.Push((byte)'{');
                        break;
                    case JsonTokenType.StartArray:
                        containers.Push((byte)'[');
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        containers.Pop();
                        break;
                }
                last = reader.TokenType;
                end = (int)reader.BytesConsumed;
            }
            return null;
        }
        catch (JsonException e)
        {
            return $"line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {What(json, end, last, containers.Count > 0 ? containers.Peek() : (byte)0)}.";
        }
    }

    /// <summary>What went wrong, from the last good token and the bytes after it.</summary>
    private static string What(ReadOnlySpan<byte> json, int end, JsonTokenType last, byte container)
    {
        var at = SkipWhitespace(json, end);
        if (container == 0 && last != JsonTokenType.None)
        {
            return at < json.Length ? $"unexpected {Show(json[at])} after the end of the JSON value (send one object)" : "unexpected end of data";
        }
        var afterComma = false;
        var expectValue = last is JsonTokenType.None or JsonTokenType.StartArray;
        if (at < json.Length && json[at] == ',' && last is not (JsonTokenType.None or JsonTokenType.StartObject or JsonTokenType.StartArray or JsonTokenType.PropertyName))
        {
            afterComma = true;
            expectValue = container == '[';
            at = SkipWhitespace(json, at + 1);
        }
        else if (last == JsonTokenType.PropertyName)
        {
            // The reader consumes the ':' with the name.
            expectValue = true;
        }
        if (at >= json.Length)
        {
            return "unexpected end of data (an object, array or string is not closed)";
        }
        var c = json[at];
        if (afterComma && c is (byte)'}' or (byte)']')
        {
            return $"unexpected '{(char)c}' after ',' — trailing commas are not allowed";
        }
        if (c == '/')
        {
            return "unexpected '/': comments are not allowed";
        }
        if (c == '\'')
        {
            return "unexpected \"'\": strings and property names need double quotes";
        }
        var expectName = container == '{' && (last == JsonTokenType.StartObject || afterComma);
        if (expectName)
        {
            if (c != '"')
            {
                return $"unexpected {Show(c)}: expected a property name in double quotes";
            }
            var close = ClosingQuote(json, at);
            return close < 0 ? "invalid property name (no closing quote, a raw control character or a bad escape)"
                : SkipWhitespace(json, close + 1) is var next && (next >= json.Length || json[next] != ':')
                    ? "expected ':' after the property name"
                    : "invalid property name (a raw control character or a bad escape)";
        }
        if (expectValue)
        {
            return c == '"'
                ? "invalid string (no closing quote, a raw control character or a bad escape)"
                : $"invalid value starting with {Show(c)}: expected an object, array, string in double quotes, number, true, false or null";
        }
        return $"unexpected {Show(c)}: expected ',' or '{(container == '{' ? '}' : ']')}'";
    }

    /// <summary>
    /// The reason a well-formed body did not deserialise into <paramref name="root"/>: an unknown property (with the
    /// allowed ones, and the closest as a suggestion) or a value of the wrong kind, both at the JSON path.
    /// </summary>
    public static string Shape(JsonException e, JsonTypeInfo root)
    {
        var path = e.Path is { Length: > 0 } p ? p : "$";
        var segments = Segments(path);
        var info = root;
        for (var i = 0; i < segments.Count; i++)
        {
            var (name, index) = segments[i];
            Type? next;
            if (index)
            {
                next = info.ElementType;
            }
            else if (info.Kind == JsonTypeInfoKind.Object)
            {
                var property = info.Properties.FirstOrDefault(q => string.Equals(q.Name, name, StringComparison.OrdinalIgnoreCase));
                if (property is null)
                {
                    return UnknownProperty(name, path, info.Properties.Select(q => q.Name).ToList());
                }
                next = property.PropertyType;
            }
            else
            {
                next = info.Kind == JsonTypeInfoKind.Dictionary ? info.ElementType : null;
            }
            if (next is null)
            {
                break;
            }
            if (!info.Options.TryGetTypeInfo(next, out var nextInfo))
            {
                break;
            }
            info = nextInfo;
        }
        return $"invalid value at {path}: expected {Expected(info)}";
    }

    private static string UnknownProperty(string name, string path, IReadOnlyList<string> allowed)
    {
        var shown = name.Length > MaxQuotedName ? name[..MaxQuotedName] + "…" : name;
        var closest = allowed
            .Select(a => (Name: a, Distance: Distance(name.ToLowerInvariant(), a.ToLowerInvariant())))
            .Where(a => a.Distance <= Math.Max(1, name.Length / 3))
            .OrderBy(a => a.Distance)
            .Select(a => a.Name)
            .FirstOrDefault();
        var suggestion = closest is null ? "." : $"; did you mean '{closest}'?";
        var where = path.Length > MaxQuotedName * 2 ? "" : $" at {path}";
        return $"unknown property '{shown}'{where}{suggestion} Allowed here: {string.Join(", ", allowed)}";
    }

    private static string Expected(JsonTypeInfo info)
    {
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        return info.Kind switch
        {
            JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => "an object",
            JsonTypeInfoKind.Enumerable => "an array",
            _ when type == typeof(string) => "a string",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "an ISO 8601 date-time string (e.g. 2030-01-15T09:40:00Z)",
            _ when type == typeof(JsonElement) => "a JSON value",
            _ when type.IsPrimitive || type == typeof(decimal) => "a number in range",
            _ => "a value of another kind (see the API description)",
        };
    }

    /// <summary>The steps of a System.Text.Json path: <c>$.a.b[2]['c d']</c> → (a), (b), ([2]), (c d).</summary>
    private static List<(string Name, bool Index)> Segments(string path)
    {
        var segments = new List<(string, bool)>();
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var stop = path.IndexOfAny(['.', '['], i + 1);
                stop = stop < 0 ? path.Length : stop;
                segments.Add((path[(i + 1)..stop], false));
                i = stop;
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\'')
            {
                var stop = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                stop = stop < 0 ? path.Length : stop;
                segments.Add((path[(i + 2)..stop], false));
                i = Math.Min(path.Length, stop + 2);
            }
            else if (path[i] == '[')
            {
                var stop = path.IndexOf(']', i);
                segments.Add(("", true));
                i = stop < 0 ? path.Length : stop + 1;
            }
            else
            {
                break;
            }
        }
        return segments;
    }

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var beforePrevious = previous;
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    // A swapped pair ("txet") is one slip, not two.
                    current[j] = Math.Min(current[j], beforePrevious[j - 2] + 1);
                }
            }
            beforePrevious = previous;
            previous = current;
        }
        return previous[b.Length];
    }

    /// <summary>The index of the quote closing the string that starts at <paramref name="open"/>, or -1.</summary>
    private static int ClosingQuote(ReadOnlySpan<byte> json, int open)
    {
        for (var i = open + 1; i < json.Length; i++)
        {
            if (json[i] == '\\')
            {
                i++;
            }
            else if (json[i] == '"')
            {
                return i;
            }
        }
        return -1;
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int from)
    {
        while (from < json.Length && json[from] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            from++;
        }
        return from;
    }

    private static (int Line, int Byte) Position(ReadOnlySpan<byte> json, int offset)
    {
        var lineStart = json[..offset].LastIndexOf((byte)'\n') + 1;
        return (json[..offset].Count((byte)'\n') + 1, offset - lineStart + 1);
    }

    private static string Show(byte c) => c switch
    {
        >= 0x21 and <= 0x7E => $"'{(char)c}'",
        < 0x20 => $"control character U+{c:X4}",
        _ => $"byte 0x{c:X2}",
    };
}
