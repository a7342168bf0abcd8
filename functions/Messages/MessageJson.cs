using System.Text.Json;
using System.Text.Json.Serialization;

namespace Omni.Functions.Messages;

internal static class MessageJson
{
    /// <summary>What Omni writes to its queues.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>What Omni accepts from apps on the outbound queue: the API's strictness (unknown members refused).</summary>
    public static readonly JsonSerializerOptions Strict = Http.JsonBody.Options;
}
