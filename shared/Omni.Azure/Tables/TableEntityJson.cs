using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Azure;

namespace Omni.Azure.Tables;

/// <summary>
/// Entity JSON in the Table service's OData dialect. Types JSON cannot carry on its own are annotated with
/// <c>Name@odata.type</c>: Edm.Int64 (as a string, so values beyond 2^53 survive), Edm.DateTime, Edm.Guid, Edm.Binary
/// and Edm.Double (always, because an integral double such as 1.0 would otherwise be stored as Int32).
/// </summary>
internal static class TableEntityJson
{
    internal const string OdataType = "@odata.type";
    internal const string OdataEtag = "odata.etag";
    private const string EdmInt32 = "Edm.Int32";
    private const string EdmInt64 = "Edm.Int64";
    private const string EdmDouble = "Edm.Double";
    private const string EdmBoolean = "Edm.Boolean";
    private const string EdmDateTime = "Edm.DateTime";
    private const string EdmGuid = "Edm.Guid";
    private const string EdmBinary = "Edm.Binary";

    /// <summary>
    /// Escape only what JSON requires (quotes, backslash, control characters): the body goes to a REST API, never
    /// into HTML, and escaping every non-ASCII character would multiply payload sizes against the 4 MiB batch limit.
    /// </summary>
    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    internal static DateTime ToUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Local => value.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(value, DateTimeKind.Utc),
        _ => value,
    };

    // ---------------------------------------------------------------- writing

    /// <summary>Writes the entity's keys and properties (Timestamp and ETag are the service's and are not sent).</summary>
    public static void WriteEntity(Utf8JsonWriter writer, ITableEntity entity)
    {
        writer.WriteStartObject();
        writer.WriteString(TableEntity.PartitionKeyName, entity.PartitionKey);
        writer.WriteString(TableEntity.RowKeyName, entity.RowKey);
        if (entity is TableEntity dictionary)
        {
            foreach (var (name, value) in dictionary)
            {
                if (value is null || name is TableEntity.PartitionKeyName or TableEntity.RowKeyName or TableEntity.TimestampName ||
                    name.StartsWith("odata.", StringComparison.Ordinal))
                {
                    continue;
                }
                WriteProperty(writer, name, value);
            }
        }
        else
        {
            var row = new TableEntity();
            Mapped(entity).WriteTo(row);
            foreach (var (name, value) in row)
            {
                if (value is not null)
                {
                    WriteProperty(writer, name, value);
                }
            }
        }
        writer.WriteEndObject();
    }

    public static void WriteProperty(Utf8JsonWriter writer, string name, object value)
    {
        switch (value)
        {
            case string s:
                writer.WriteString(name, s);
                break;
            case int i:
                writer.WriteNumber(name, i);
                break;
            case long l:
                writer.WriteString(name + OdataType, EdmInt64);
                writer.WriteString(name, l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                writer.WriteString(name + OdataType, EdmDouble);
                if (double.IsFinite(d))
                {
                    writer.WriteNumber(name, d);
                }
                else
                {
                    writer.WriteString(name, double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
                }
                break;
            case bool b:
                writer.WriteBoolean(name, b);
                break;
            case DateTimeOffset dto:
                writer.WriteString(name + OdataType, EdmDateTime);
                writer.WriteString(name, dto.UtcDateTime.ToString(TableOdataFilter.DateTimeFormat, CultureInfo.InvariantCulture));
                break;
            case DateTime dt:
                writer.WriteString(name + OdataType, EdmDateTime);
                writer.WriteString(name, ToUtc(dt).ToString(TableOdataFilter.DateTimeFormat, CultureInfo.InvariantCulture));
                break;
            case Guid g:
                writer.WriteString(name + OdataType, EdmGuid);
                writer.WriteString(name, g.ToString("D"));
                break;
            case byte[] bytes:
                writer.WriteString(name + OdataType, EdmBinary);
                writer.WriteBase64String(name, bytes);
                break;
            case BinaryData data:
                writer.WriteString(name + OdataType, EdmBinary);
                writer.WriteBase64String(name, data.ToMemory().Span);
                break;
            case Enum e:
                writer.WriteString(name, e.ToString());
                break;
            default:
                throw new NotSupportedException(
                    $"Property '{name}' has type {value.GetType().Name}, which Table storage cannot hold. " +
                    "Use string, int, long, double, bool, DateTime, DateTimeOffset, Guid, byte[]/BinaryData or an enum.");
        }
    }

    // ---------------------------------------------------------------- reading

    public static T ReadEntity<T>(JsonElement element) where T : class, ITableEntity, new()
    {
        if (typeof(T) == typeof(TableEntity))
        {
            return (T)(object)ReadTableEntity(element);
        }
        var row = ReadTableEntity(element);
        var entity = new T { ETag = row.ETag, Timestamp = row.Timestamp };
        if (row.TryGetValue(TableEntity.PartitionKeyName, out var partitionKey))
        {
            entity.PartitionKey = partitionKey as string ?? "";
        }
        if (row.TryGetValue(TableEntity.RowKeyName, out var rowKey))
        {
            entity.RowKey = rowKey as string ?? "";
        }
        try
        {
            Mapped(entity).ReadFrom(row);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException or ArgumentException)
        {
            throw new FormatException($"A row could not be read into {typeof(T).Name}: {e.Message}", e);
        }
        return entity;
    }

    private static IMappedTableEntity Mapped(ITableEntity entity) => entity as IMappedTableEntity ?? throw new NotSupportedException(
        $"{entity.GetType().Name} maps no properties: implement {nameof(IMappedTableEntity)} on it, or use {nameof(TableEntity)}.");

    public static TableEntity ReadTableEntity(JsonElement element)
    {
        Dictionary<string, string>? types = null;
        var count = 0;
        foreach (var property in element.EnumerateObject())
        {
            count++;
            if (property.Name.EndsWith(OdataType, StringComparison.Ordinal) && property.Value.ValueKind == JsonValueKind.String)
            {
                types ??= new Dictionary<string, string>(StringComparer.Ordinal);
                types[property.Name[..^OdataType.Length]] = property.Value.GetString()!;
            }
        }

        var entity = new TableEntity(count);
        foreach (var property in element.EnumerateObject())
        {
            var name = property.Name;
            if (name == OdataEtag)
            {
                entity.ETag = new ETag(property.Value.GetString() ?? string.Empty);
                continue;
            }
            if (name.StartsWith("odata.", StringComparison.Ordinal) || name.Contains('@', StringComparison.Ordinal))
            {
                continue;
            }
            if (name == TableEntity.TimestampName)
            {
                entity.Timestamp = ReadDateTimeOffset(property.Value);
                continue;
            }
            string? edmType = null;
            types?.TryGetValue(name, out edmType);
            entity[name] = ReadValue(name, property.Value, edmType);
        }
        return entity;
    }

    private static object? ReadValue(string name, JsonElement value, string? edmType)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        try
        {
            return edmType switch
            {
                EdmInt64 => value.ValueKind == JsonValueKind.String
                    ? long.Parse(value.GetString()!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
                    : value.GetInt64(),
                EdmDouble => ReadDouble(value),
                EdmInt32 => value.ValueKind == JsonValueKind.String
                    ? int.Parse(value.GetString()!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
                    : value.GetInt32(),
                EdmBoolean => value.GetBoolean(),
                EdmDateTime => ReadDateTimeOffset(value),
                EdmGuid => Guid.Parse(value.GetString()!),
                EdmBinary => value.GetBytesFromBase64(),
                _ => value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    // The service writes doubles with a fraction ("2.0"), so an integral literal is an Int32.
                    JsonValueKind.Number => value.TryGetInt32(out var i) ? (object)i : value.GetDouble(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => value.GetRawText(),
                },
            };
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException)
        {
            throw new FormatException($"Property '{name}' could not be read as {edmType ?? value.ValueKind.ToString()}.", e);
        }
    }

    private static double ReadDouble(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            return value.GetDouble();
        }
        return value.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" or "INF" => double.PositiveInfinity,
            "-Infinity" or "-INF" => double.NegativeInfinity,
            var text => double.Parse(text!, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
    }

    private static DateTimeOffset ReadDateTimeOffset(JsonElement value) =>
        DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
