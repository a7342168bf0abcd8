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
    /// <summary>
    /// The Functions host's switch <c>AzureWebJobs.{name}.Disabled</c> = true (or 1): the function's trigger is not
    /// started. Also read as <c>AzureWebJobs__{name}__Disabled</c>, the form environment variables allow everywhere.
    /// </summary>
    public static bool IsFunctionDisabled(IReadOnlyDictionary<string, string> environment, string function)
    {
        foreach (var key in new[] { $"AzureWebJobs.{function}.Disabled", $"AzureWebJobs__{function}__Disabled" })
        {
            if (environment.FirstOrDefault(e => string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase)).Value is { } value)
            {
                return value.Trim() is "1" || string.Equals(value.Trim(), "true", StringComparison.OrdinalIgnoreCase);
            }
        }
        return false;
    }

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
