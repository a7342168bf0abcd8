using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Omni.Core;
using Omni.Core.Content;

namespace Omni.Storage.Templates;

/// <summary>The stored JSON of a template: an explicit document, so the stored schema only changes on purpose.</summary>
internal static partial class TemplateJson
{
    public const int SchemaVersion = 1;

    /// <summary>The serializer options of stored templates: source-generated metadata only (<see cref="TemplateJsonContext"/>).</summary>
    internal static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = TemplateJsonContext.Default,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // HTML parts are full of '<', '>' and '&': leave them as they are rather than \u003C (the JSON never reaches a page).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The stored document, for <see cref="Options"/> (no reflection).</summary>
    internal static readonly Type[] DocumentTypes = [typeof(TemplateDocument)];

    private static readonly JsonTypeInfo<TemplateDocument> DocumentInfo = Options.TypeInfo<TemplateDocument>();

    public static byte[] Serialize(Template template) => JsonSerializer.SerializeToUtf8Bytes(new TemplateDocument
    {
        Id = template.Id,
        DefaultLocale = template.DefaultLocale,
        Description = template.Description,
        Locales = template.Locales.ToDictionary(
            l => l.Key,
            l => (Dictionary<string, PartDocument?>?)l.Value.ToDictionary(
                p => p.Key,
                p => (PartDocument?)new PartDocument { Text = p.Value.Text, Subject = p.Value.Subject, Html = p.Value.Html })),
        CreatedAt = template.CreatedAt,
        UpdatedAt = template.UpdatedAt,
    }, DocumentInfo);

    public static Template Deserialize(ReadOnlySpan<byte> json)
    {
        var d = JsonSerializer.Deserialize(json, DocumentInfo) ?? throw new InvalidDataException("A stored template is empty.");
        return new Template
        {
            Id = d.Id ?? throw new InvalidDataException("A stored template has no id."),
            DefaultLocale = d.DefaultLocale ?? throw new InvalidDataException("A stored template has no default locale."),
            Description = d.Description,
            Locales = (d.Locales ?? []).ToDictionary(
                l => l.Key,
                l => (IReadOnlyDictionary<string, TemplatePart>)(l.Value ?? []).ToDictionary(
                    p => p.Key,
                    p => new TemplatePart(p.Value?.Text, p.Value?.Subject, p.Value?.Html),
                    StringComparer.Ordinal),
                StringComparer.Ordinal),
            CreatedAt = d.CreatedAt,
            UpdatedAt = d.UpdatedAt,
        };
    }

    private sealed class TemplateDocument
    {
        public string? Id { get; set; }
        public string? DefaultLocale { get; set; }
        public string? Description { get; set; }
        public Dictionary<string, Dictionary<string, PartDocument?>?>? Locales { get; set; }
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset UpdatedAt { get; set; }
    }

    private sealed class PartDocument
    {
        public string? Text { get; set; }
        public string? Subject { get; set; }
        public string? Html { get; set; }
    }

    [JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonSerializable(typeof(TemplateDocument))]
    private sealed partial class TemplateJsonContext : JsonSerializerContext;
}
