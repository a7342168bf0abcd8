using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Omni.Core;
using Omni.Core.Messages;

namespace Omni.Channels.Inbound;

/// <summary>
/// The wire form of an <see cref="InboundEvent"/> on the <c>inbound</c> queue: camelCase JSON, nulls left out, enums in
/// lower case. Source-generated metadata only (<see cref="CoreJsonContext"/>): no reflection on the hot path.
/// </summary>
public static class InboundEventJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = CoreJsonContext.Default,
    };

    private static readonly JsonTypeInfo<InboundEvent> EventInfo = Options.TypeInfo<InboundEvent>();

    public static byte[] Serialize(InboundEvent inboundEvent) => JsonSerializer.SerializeToUtf8Bytes(inboundEvent, EventInfo);

    public static InboundEvent? Deserialize(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, EventInfo);
}
