using System.Text.Json.Nodes;

namespace Omni.Infra.Tests.Bicep;

/// <summary>
/// The resources a deployment would create, as <c>bicep snapshot</c> predicts them: every module flattened, loops
/// expanded, expressions evaluated except those that need Azure (<c>reference(...)</c> stays an expression string).
/// </summary>
internal sealed class DeploymentSnapshot
{
    private DeploymentSnapshot(JsonObject document, IReadOnlyList<BicepDiagnostic> diagnostics)
    {
        Document = document;
        Diagnostics = diagnostics;
    }

    public JsonObject Document { get; }

    public IReadOnlyList<BicepDiagnostic> Diagnostics { get; }

    public IReadOnlyList<JsonObject> Resources => Document["predictedResources"]!.AsArray().OfType<JsonObject>().ToList();

    public static DeploymentSnapshot Parse(string json, IReadOnlyList<BicepDiagnostic> diagnostics) =>
        new(JsonNode.Parse(json)!.AsObject(), diagnostics);

    public IEnumerable<JsonObject> OfType(string type) =>
        Resources.Where(r => string.Equals(r["type"]?.GetValue<string>(), type, StringComparison.OrdinalIgnoreCase));

    public JsonObject? Single(string type) => OfType(type).SingleOrDefault();

    /// <summary>A deep copy with one change, to show that a check notices it.</summary>
    public DeploymentSnapshot With(string type, Action<JsonObject> change)
    {
        var copy = Document.DeepClone().AsObject();
        var resources = copy["predictedResources"]!.AsArray().OfType<JsonObject>()
            .Where(r => string.Equals(r["type"]?.GetValue<string>(), type, StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.NotEmpty(resources);
        resources.ForEach(change);
        return new DeploymentSnapshot(copy, Diagnostics);
    }

    public DeploymentSnapshot Without(Func<JsonObject, bool> match)
    {
        var copy = Document.DeepClone().AsObject();
        var resources = copy["predictedResources"]!.AsArray();
        var removed = resources.OfType<JsonObject>().Where(match).ToList();
        Assert.NotEmpty(removed);
        removed.ForEach(r => resources.Remove(r));
        return new DeploymentSnapshot(copy, Diagnostics);
    }

    public static string NameOf(JsonObject resource) => resource["name"]?.GetValue<string>() ?? "";

    /// <summary>The last segment of a resource name (<c>ns/queue</c> → <c>queue</c>).</summary>
    public static string LeafName(JsonObject resource) => NameOf(resource).Split('/')[^1];

    public static JsonNode? At(JsonObject resource, string path)
    {
        JsonNode? node = resource;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
        }
        return node;
    }

    /// <summary>A value as the text ARM sees (strings unquoted, booleans lower case), or null when absent or null.</summary>
    public static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    /// <summary>Every string in the snapshot with where it is, for scans such as "no secret in a URL".</summary>
    public IEnumerable<(string Where, string Value)> Strings()
    {
        foreach (var resource in Resources)
        {
            foreach (var found in StringsIn(resource, $"{resource["type"]} {NameOf(resource)}"))
            {
                yield return found;
            }
        }
    }

    private static IEnumerable<(string, string)> StringsIn(JsonNode? node, string where) => node switch
    {
        JsonObject o => o.SelectMany(p => StringsIn(p.Value, $"{where}.{p.Key}")),
        JsonArray a => a.SelectMany((item, i) => StringsIn(item, $"{where}[{i}]")),
        JsonValue v when v.TryGetValue<string>(out var s) => [(where, s)],
        _ => [],
    };
}
