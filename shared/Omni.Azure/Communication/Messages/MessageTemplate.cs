using System.Text.Json;

namespace Omni.Azure.Communication.Messages;

/// <summary>A template reference: name, language, the values to fill in and where they bind.</summary>
public class MessageTemplate
{
    /// <summary>Creates a template reference.</summary>
    /// <param name="name">The template name as approved by WhatsApp.</param>
    /// <param name="language">Language code, e.g. <c>en</c> or <c>en_US</c>.</param>
    public MessageTemplate(string name, string language)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(language);
        Name = name;
        Language = language;
    }

    /// <summary>The template name.</summary>
    public string Name { get; }

    /// <summary>The template language.</summary>
    public string Language { get; }

    /// <summary>Named values referenced by the bindings.</summary>
    public IList<MessageTemplateValue> Values { get; } = new List<MessageTemplateValue>();

    /// <summary>Where each value goes in the template.</summary>
    public MessageTemplateBindings? Bindings { get; set; }

    internal void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("name", Name);
        writer.WriteString("language", Language);
        if (Values.Count > 0)
        {
            writer.WriteStartArray("values");
            foreach (MessageTemplateValue value in Values)
            {
                value.Write(writer);
            }

            writer.WriteEndArray();
        }

        if (Bindings is not null)
        {
            writer.WritePropertyName("bindings");
            Bindings.Write(writer);
        }

        writer.WriteEndObject();
    }
}
