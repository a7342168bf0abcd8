using System.Text.Json.Nodes;
using System.Xml;

namespace Omni.DevHost.ServiceBus;

/// <summary>A queue's settings as infra/queues.json states them (the same file the Bicep deploys).</summary>
public sealed record QueueSettings
{
    public required string Name { get; init; }

    public int MaxDeliveryCount { get; init; } = 10;

    public TimeSpan LockDuration { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan DefaultMessageTimeToLive { get; init; } = TimeSpan.FromDays(14);

    public TimeSpan DuplicateDetectionWindow { get; init; } = TimeSpan.FromMinutes(10);

    public bool DeadLetteringOnMessageExpiration { get; init; } = true;

    /// <summary>The Standard tier's message size limit.</summary>
    public int MaxMessageSizeBytes { get; init; } = 256 * 1024;

    public static QueueSettings Default(string name) => new() { Name = name };

    /// <summary>Reads the queues file; queues missing from it but needed by a trigger get the file's defaults.</summary>
    public static IReadOnlyList<QueueSettings> Load(string? path, IEnumerable<string> requiredQueues)
    {
        var result = new Dictionary<string, QueueSettings>(StringComparer.OrdinalIgnoreCase);
        var defaults = new JsonObject();
        if (path is not null && File.Exists(path))
        {
            var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidOperationException($"{path}: the root must be a JSON object.");
            defaults = root["defaults"] as JsonObject ?? defaults;
            foreach (var queue in root["queues"] as JsonArray ?? [])
            {
                var settings = Parse(queue as JsonObject ?? throw new InvalidOperationException($"{path}: every queue must be an object."), defaults);
                result[settings.Name] = settings;
            }
        }
        foreach (var name in requiredQueues)
        {
            if (!result.ContainsKey(name))
            {
                result[name] = Parse(new JsonObject { ["name"] = name }, defaults);
            }
        }
        return result.Values.ToList();
    }

    private static QueueSettings Parse(JsonObject queue, JsonObject defaults)
    {
        JsonNode? Get(string key) => queue[key] ?? defaults[key];
        TimeSpan? Duration(string key) => Get(key)?.GetValue<string>() is { } iso ? XmlConvert.ToTimeSpan(iso) : null;
        var fallback = Default(queue["name"]?.GetValue<string>() ?? throw new InvalidOperationException("A queue has no name."));
        return fallback with
        {
            MaxDeliveryCount = Get("maxDeliveryCount")?.GetValue<int>() ?? fallback.MaxDeliveryCount,
            LockDuration = Duration("lockDuration") ?? fallback.LockDuration,
            DefaultMessageTimeToLive = Duration("defaultMessageTimeToLive") ?? fallback.DefaultMessageTimeToLive,
            DuplicateDetectionWindow = Duration("duplicateDetectionHistoryTimeWindow") ?? fallback.DuplicateDetectionWindow,
            DeadLetteringOnMessageExpiration = Get("deadLetteringOnMessageExpiration")?.GetValue<bool>() ?? fallback.DeadLetteringOnMessageExpiration,
        };
    }
}
