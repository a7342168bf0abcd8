using System.Text.Json;
using System.Text.Json.Serialization;

namespace Omni.Core.Tests.Content;

/// <summary>The API's strict reading of a message: web defaults (camelCase) and no unknown members.</summary>
internal static class StrictJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}
