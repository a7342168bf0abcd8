using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Omni.DevHost.Handler;

/// <summary>
/// The handler's environment, built as <c>func start</c> builds it: the DevHost's own environment passes through
/// (so <c>Section__Key</c> variables reach the handler's configuration); <c>local.settings.json</c> Values are added
/// where the environment does not already set them; the DevHost's defaults (its Azurite and Service Bus) fill the rest.
/// Explicit overrides (tests) win over everything.
/// </summary>
public static class HandlerEnvironment
{
    public static IReadOnlyDictionary<string, string> Build(
        IReadOnlyDictionary<string, string> defaults,
        string? localSettingsPath,
        IReadOnlyDictionary<string, string> overrides,
        Action<string>? log = null)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            result[(string)entry.Key] = (string?)entry.Value ?? "";
        }
        foreach (var (key, value) in ReadLocalSettings(localSettingsPath))
        {
            if (result.ContainsKey(key))
            {
                log?.Invoke($"Skipping '{key}' from local.settings.json: it is already set in the environment.");
                continue;
            }
            result[key] = value;
        }
        foreach (var (key, value) in defaults)
        {
            result.TryAdd(key, value);
        }
        foreach (var (key, value) in overrides)
        {
            result[key] = value;
        }
        return result;
    }

    /// <summary>The <c>Values</c> of a local.settings.json; an absent file is no settings.</summary>
    public static IReadOnlyDictionary<string, string> ReadLocalSettings(string? path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (path is null || !File.Exists(path))
        {
            return values;
        }
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            });
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{path} is not valid JSON: {e.Message}");
        }
        if (root?["Values"] is JsonObject settings)
        {
            foreach (var (key, value) in settings)
            {
                values[key] = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value?.ToJsonString() ?? "";
            }
        }
        return values;
    }
}
