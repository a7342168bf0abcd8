using System.Text.Json;
using System.Text.RegularExpressions;

namespace Omni.DevHost.Sandbox;

/// <summary>
/// The small JSON bodies of the sandbox's own endpoints (customer simulator, events on demand): one object with known
/// fields, read strictly so that a typo is a 400 that names it rather than a field quietly ignored.
/// </summary>
internal static partial class SandboxRequest
{
    /// <summary>The body's fields as strings (numbers as their text), or a problem detail saying what is wrong.</summary>
    public static async Task<(Dictionary<string, string> Fields, string? Problem)> ReadAsync(HttpRequest request, IReadOnlyList<string> allowed,
        CancellationToken cancellationToken)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var shape = $"The body must be a JSON object with {string.Join(", ", allowed)}.";
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            return (fields, $"The body is not valid JSON ({e.Message}). {shape}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (fields, shape);
            }
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!allowed.Contains(property.Name))
                {
                    return (fields, $"Unknown field '{property.Name}'. Allowed: {string.Join(", ", allowed)}.");
                }
                switch (property.Value.ValueKind)
                {
                    case JsonValueKind.String:
                        fields[property.Name] = property.Value.GetString()!;
                        break;
                    case JsonValueKind.Number:
                        fields[property.Name] = property.Value.GetRawText();
                        break;
                    case JsonValueKind.Null:
                        break;
                    default:
                        return (fields, $"'{property.Name}' must be a string.");
                }
            }
            return (fields, null);
        }
    }

    /// <summary>
    /// A phone number in E.164 (<c>+447400123456</c>): spaces, dashes, dots and brackets are dropped and a leading
    /// <c>00</c> becomes <c>+</c>. Null when it is not one; national numbers are refused because there is no region to read them in.
    /// </summary>
    public static string? E164(string value)
    {
        var compact = Separators().Replace(value.Trim(), "");
        if (compact.StartsWith("00", StringComparison.Ordinal))
        {
            compact = "+" + compact[2..];
        }
        return Phone().IsMatch(compact) ? compact : null;
    }

    public static IResult BadRequest(string detail) =>
        TypedResults.Problem(statusCode: 400, title: "Invalid sandbox request", detail: detail);

    [GeneratedRegex(@"[\s\-\.\(\)]")]
    private static partial Regex Separators();

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex Phone();
}
