using System.Text.Json;
using System.Text.Json.Serialization;
using Omni.Core;
using Omni.Core.Messages;

namespace Omni.Functions.Messages;

/// <summary>
/// The serializer options of the queue bodies (<see cref="MessageRequest"/>, <see cref="SendStepCommand"/>,
/// <see cref="EscalationCheck"/>, <see cref="InboundEvent"/>): source-generated metadata only, never reflection.
/// </summary>
internal static class MessageJson
{
    /// <summary>What Omni writes to its queues: web defaults, nulls left out (<see cref="CoreJsonContext"/>).</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = CoreJsonContext.Default,
    };

    /// <summary>What Omni accepts from apps on the outbound queue: the API's strictness (unknown members refused).</summary>
    public static readonly JsonSerializerOptions Strict = Http.JsonBody.Options;
}
