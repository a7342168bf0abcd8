using System.Text.Json;
using System.Text.Json.Serialization;
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

    public static byte[] Serialize(InboundEvent inboundEvent) => JsonSerializer.SerializeToUtf8Bytes(inboundEvent, Options);

    public static InboundEvent? Deserialize(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize<InboundEvent>(json, Options);
}
