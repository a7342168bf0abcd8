using System.Text.Json;
using System.Text.Json.Nodes;

namespace Omni.Hosting;

/// <summary>
/// A function app folder as the Functions host sees it: <c>host.json</c> at the root and one folder per
/// function holding its <c>function.json</c>. The handler and the DevHost both read it, so the files that
/// drive Azure also drive local runs and tests.
/// </summary>
public sealed class FunctionAppManifest
{
    private FunctionAppManifest(string root, HostSettings host, IReadOnlyList<FunctionDefinition> functions)
    {
        Root = root;
        Host = host;
        Functions = functions;
    }

    public string Root { get; }

    public HostSettings Host { get; }

    public IReadOnlyList<FunctionDefinition> Functions { get; }

    public FunctionDefinition? Find(string name) =>
        Functions.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Reads <paramref name="root"/>/host.json and every <paramref name="root"/>/*/function.json.</summary>
    /// <exception cref="FunctionAppManifestException">A file is missing or does not describe a valid function app.</exception>
    public static FunctionAppManifest Load(string root)
    {
        root = Path.GetFullPath(root);
        var hostPath = Path.Combine(root, "host.json");
        if (!File.Exists(hostPath))
        {
            throw new FunctionAppManifestException($"No host.json in '{root}': this is not a function app folder.");
        }
        var host = HostSettings.Parse(ReadJson(hostPath));

        var functions = new List<FunctionDefinition>();
        foreach (var dir in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            var path = Path.Combine(dir, "function.json");
            if (File.Exists(path))
            {
                functions.Add(FunctionDefinition.Parse(Path.GetFileName(dir), ReadJson(path), path));
            }
        }
        return new FunctionAppManifest(root, host, functions);
    }

    private static JsonObject ReadJson(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            }) as JsonObject ?? throw new FunctionAppManifestException($"{path}: the root must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw new FunctionAppManifestException($"{path}: invalid JSON ({e.Message}).");
        }
    }
}

public sealed class FunctionAppManifestException(string message) : Exception(message);

/// <summary>The parts of host.json the custom-handler contract depends on.</summary>
public sealed record HostSettings
{
    public required string DefaultExecutablePath { get; init; }

    public IReadOnlyList<string> Arguments { get; init; } = [];

    public string? WorkingDirectory { get; init; }

    public bool EnableProxyingHttpRequest { get; init; }

    /// <summary><c>extensions.http.routePrefix</c>; "api" when absent, as in the host.</summary>
    public string RoutePrefix { get; init; } = "api";

    /// <summary><c>extensions.serviceBus.maxConcurrentCalls</c>; the extension's default is 16 × processor count.</summary>
    public int? ServiceBusMaxConcurrentCalls { get; init; }

    public bool ServiceBusAutoCompleteMessages { get; init; } = true;

    public TimeSpan? FunctionTimeout { get; init; }

    /// <summary><c>extensions.serviceBus.maxAutoLockRenewalDuration</c>; the extension's default is 5 minutes.</summary>
    public TimeSpan ServiceBusMaxAutoLockRenewalDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long one Service Bus invocation can run before the host gives up on it: past the lock renewal the message is
    /// delivered again (to this or another instance) while the first run goes on; past <c>functionTimeout</c> the host
    /// restarts the handler process, failing every invocation in flight. The smaller of the two.
    /// </summary>
    public TimeSpan ServiceBusInvocationLimit =>
        FunctionTimeout is { } timeout && timeout < ServiceBusMaxAutoLockRenewalDuration ? timeout : ServiceBusMaxAutoLockRenewalDuration;

    internal static HostSettings Parse(JsonObject json)
    {
        var description = json["customHandler"]?["description"] as JsonObject
            ?? throw new FunctionAppManifestException("host.json: customHandler.description is missing.");
        var executable = description["defaultExecutablePath"]?.GetValue<string>();
        if (string.IsNullOrWhiteSpace(executable))
        {
            throw new FunctionAppManifestException("host.json: customHandler.description.defaultExecutablePath is missing.");
        }
        var extensions = json["extensions"] as JsonObject;
        var serviceBus = extensions?["serviceBus"] as JsonObject;
        return new HostSettings
        {
            DefaultExecutablePath = executable,
            Arguments = (description["arguments"] as JsonArray)?.Select(a => a!.GetValue<string>()).ToArray() ?? [],
            WorkingDirectory = description["workingDirectory"]?.GetValue<string>(),
            EnableProxyingHttpRequest = json["customHandler"]?["enableProxyingHttpRequest"]?.GetValue<bool>() ?? false,
            RoutePrefix = extensions?["http"]?["routePrefix"]?.GetValue<string>() ?? "api",
            ServiceBusMaxConcurrentCalls = serviceBus?["maxConcurrentCalls"]?.GetValue<int>(),
            ServiceBusAutoCompleteMessages = serviceBus?["autoCompleteMessages"]?.GetValue<bool>() ?? true,
            FunctionTimeout = Duration(json["functionTimeout"]),
            ServiceBusMaxAutoLockRenewalDuration = Duration(serviceBus?["maxAutoLockRenewalDuration"]) ?? TimeSpan.FromMinutes(5),
        };
    }

    /// <summary>host.json durations are TimeSpan text ("00:10:00"); "-1" (no limit) reads as none.</summary>
    private static TimeSpan? Duration(JsonNode? value)
    {
        if (value?.GetValue<string>() is not { } text)
        {
            return null;
        }
        if (!TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var duration))
        {
            throw new FunctionAppManifestException($"host.json: '{text}' at {value.GetPath()} is not a duration (hh:mm:ss).");
        }
        return duration > TimeSpan.Zero ? duration : null;
    }
}

/// <summary>One function.json.</summary>
public sealed record FunctionDefinition(string Name, IReadOnlyList<BindingDefinition> Bindings)
{
    public BindingDefinition Trigger => Bindings.Single(b => b.Direction == "in" && b.Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase));

    public bool IsServiceBusTriggered => Trigger.Type.Equals("serviceBusTrigger", StringComparison.OrdinalIgnoreCase);

    public bool IsHttpTriggered => Trigger.Type.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Exactly one httpTrigger and one http output: the only shape the host proxies byte for byte
    /// (FunctionMetadataExtensions.IsHttpInAndOutFunction). Any other binding sends it through payload mode.
    /// </summary>
    public bool IsHttpInAndOut =>
        Bindings.Count == 2 && IsHttpTriggered &&
        Bindings.Count(b => b.Direction == "out" && b.Type.Equals("http", StringComparison.OrdinalIgnoreCase)) == 1;

    internal static FunctionDefinition Parse(string name, JsonObject json, string path)
    {
        if (json["bindings"] is not JsonArray array || array.Count == 0)
        {
            throw new FunctionAppManifestException($"{path}: 'bindings' must be a non-empty array.");
        }
        var bindings = array.Select(b => BindingDefinition.Parse(b as JsonObject
            ?? throw new FunctionAppManifestException($"{path}: every binding must be an object."), path)).ToArray();
        var triggers = bindings.Count(b => b.Direction == "in" && b.Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase));
        if (triggers != 1)
        {
            throw new FunctionAppManifestException($"{path}: a function needs exactly one trigger binding, found {triggers}.");
        }
        var definition = new FunctionDefinition(name, bindings);
        if (definition.IsServiceBusTriggered && string.IsNullOrEmpty(definition.Trigger.QueueName))
        {
            throw new FunctionAppManifestException($"{path}: a serviceBusTrigger needs a queueName.");
        }
        return definition;
    }
}

public sealed record BindingDefinition
{
    public required string Type { get; init; }

    /// <summary>"in" or "out", lower case.</summary>
    public required string Direction { get; init; }

    public required string Name { get; init; }

    public string? QueueName { get; init; }

    public string? Connection { get; init; }

    /// <summary>"binary", "string" or null.</summary>
    public string? DataType { get; init; }

    public string? Route { get; init; }

    public IReadOnlyList<string> Methods { get; init; } = [];

    public string? AuthLevel { get; init; }

    public bool IsBinary => string.Equals(DataType, "binary", StringComparison.OrdinalIgnoreCase);

    internal static BindingDefinition Parse(JsonObject json, string path)
    {
        string Required(string key) => json[key]?.GetValue<string>() is { Length: > 0 } v
            ? v
            : throw new FunctionAppManifestException($"{path}: a binding is missing '{key}'.");
        return new BindingDefinition
        {
            Type = Required("type"),
            Direction = Required("direction").ToLowerInvariant(),
            Name = Required("name"),
            QueueName = json["queueName"]?.GetValue<string>(),
            Connection = json["connection"]?.GetValue<string>(),
            DataType = json["dataType"]?.GetValue<string>(),
            Route = json["route"]?.GetValue<string>(),
            Methods = (json["methods"] as JsonArray)?.Select(m => m!.GetValue<string>().ToUpperInvariant()).ToArray() ?? [],
            AuthLevel = json["authLevel"]?.GetValue<string>(),
        };
    }
}
