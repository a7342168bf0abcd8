using System.Text.Json.Nodes;

namespace Omni.Functions.Http;

/// <summary>JSON Merge Patch (RFC 7396): objects merge recursively, <c>null</c> removes, anything else replaces.</summary>
public static class MergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }
        var result = target as JsonObject is { } targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                var merged = Apply(result[name], value);
                result.Remove(name);
                result[name] = merged;
            }
        }
        return result;
    }
}
