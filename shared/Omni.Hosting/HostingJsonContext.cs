using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Omni.Hosting;

/// <summary>
/// Source-generated System.Text.Json metadata for the host ⇄ handler payloads. The payloads are built as
/// <see cref="JsonNode"/> trees and strings, so those are the only serialised types; nothing here reflects.
/// </summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonArray))]
[JsonSerializable(typeof(JsonValue))]
public sealed partial class HostingJsonContext : JsonSerializerContext;

/// <summary>The serializer options of the host ⇄ handler payloads: <see cref="HostingJsonContext"/> only, never reflection.</summary>
public static class HostingJson
{
    /// <summary>System.Text.Json's default escaping: the handler's invocation responses and reading the host's strings.</summary>
    public static JsonSerializerOptions Options { get; } = Create(encoder: null);

    /// <summary>
    /// What the host writes (Newtonsoft escapes only quotes, backslashes and control characters): the DevHost's
    /// invocation payloads.
    /// </summary>
    public static JsonSerializerOptions HostOptions { get; } = Create(JavaScriptEncoder.UnsafeRelaxedJsonEscaping);

    /// <summary>The types the payloads serialise, each resolvable from both options without reflection.</summary>
    public static IReadOnlyList<Type> PayloadTypes { get; } = [typeof(string), typeof(JsonNode), typeof(JsonObject), typeof(JsonArray), typeof(JsonValue)];

    /// <summary>Typed metadata for the <see cref="JsonTypeInfo{T}"/> overloads of <see cref="JsonSerializer"/>, with the escaping of <see cref="Options"/>.</summary>
    public static JsonTypeInfo<string> String { get; } = Info<string>(Options);

    /// <inheritdoc cref="String"/>
    public static JsonTypeInfo<JsonObject> Object { get; } = Info<JsonObject>(Options);

    /// <summary>Typed metadata with the escaping of <see cref="HostOptions"/>.</summary>
    public static JsonTypeInfo<string> HostString { get; } = Info<string>(HostOptions);

    /// <inheritdoc cref="HostString"/>
    public static JsonTypeInfo<JsonObject> HostObject { get; } = Info<JsonObject>(HostOptions);

    private static JsonTypeInfo<T> Info<T>(JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

    private static JsonSerializerOptions Create(JavaScriptEncoder? encoder)
    {
        var options = new JsonSerializerOptions { Encoder = encoder, TypeInfoResolver = HostingJsonContext.Default };
        options.MakeReadOnly();
        return options;
    }
}
