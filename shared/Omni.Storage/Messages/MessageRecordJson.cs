using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Omni.Core;
using Omni.Core.Messages;

namespace Omni.Storage.Messages;

/// <summary>
/// The stored JSON of a <see cref="MessageRecord"/>: System.Text.Json web defaults (camelCase), nulls omitted, enums by
/// their wire names (the enums carry <see cref="JsonStringEnumConverter{TEnum}"/>; channel-keyed maps use them as keys).
/// </summary>
/// <remarks>
/// HTML is not escaped (<c>&lt;</c> stays <c>&lt;</c>, not <c>\u003C</c>): the JSON is stored, never embedded in a page,
/// and escaping every tag bracket and non-ASCII letter of an HTML e-mail would inflate it by up to 6× and push
/// large e-mails over the 1 MiB entity limit.
/// Serialisation uses the source-generated <see cref="CoreJsonContext"/> only (no reflection).
/// </remarks>
public static class MessageRecordJson
{
    /// <summary>Bumped when the stored shape changes incompatibly; stored beside the data as <c>SchemaVersion</c>.</summary>
    public const int SchemaVersion = 1;

    /// <summary>The serializer options used for stored records.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static readonly JsonTypeInfo<MessageRecord> RecordInfo = Options.TypeInfo<MessageRecord>();

    public static string Serialize(MessageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return JsonSerializer.Serialize(record, RecordInfo);
    }

    /// <exception cref="InvalidDataException">The JSON is not a message record.</exception>
    public static MessageRecord Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize(json, RecordInfo) ?? throw new InvalidDataException("A stored message record is empty.");
        }
        catch (JsonException e)
        {
            // The exception message may quote the document; keep it (personal data) out of the message.
            throw new InvalidDataException($"A stored message record is not valid JSON (at {e.Path ?? "?"}).");
        }
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            // Source-generated metadata only: no reflection, and a type missing from the context throws.
            TypeInfoResolver = CoreJsonContext.Default,
        };
        options.MakeReadOnly();
        return options;
    }
}
