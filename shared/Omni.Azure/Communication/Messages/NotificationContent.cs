using System.Text.Json;

namespace Omni.Azure.Communication.Messages;

/// <summary>
/// What to send through a channel (WhatsApp) to one or more recipients. Use <see cref="TextNotificationContent"/>
/// inside the 24-hour customer service window and <see cref="TemplateNotificationContent"/> outside it.
/// </summary>
public abstract class NotificationContent
{
    private protected NotificationContent(Guid channelRegistrationId, IEnumerable<string> to)
    {
        ArgumentNullException.ThrowIfNull(to);
        ChannelRegistrationId = channelRegistrationId;
        To = to.ToList();
        if (To.Count == 0 || To.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("At least one non-empty recipient is required.", nameof(to));
        }
    }

    /// <summary>The channel registration (the WhatsApp business number connected to the ACS resource).</summary>
    public Guid ChannelRegistrationId { get; }

    /// <summary>Recipients' WhatsApp ids (phone numbers in E.164 without the '+', as the official examples show).</summary>
    public IList<string> To { get; }

    /// <summary>The wire discriminator (<c>text</c>, <c>template</c>).</summary>
    internal abstract string Kind { get; }

    internal void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("channelRegistrationId", ChannelRegistrationId.ToString("D"));
        writer.WriteStartArray("to");
        foreach (string recipient in To)
        {
            writer.WriteStringValue(recipient);
        }

        writer.WriteEndArray();
        writer.WriteString("kind", Kind);
        WriteKindProperties(writer);
        writer.WriteEndObject();
    }

    private protected abstract void WriteKindProperties(Utf8JsonWriter writer);
}

/// <summary>A free-form text message (<c>kind: "text"</c>).</summary>
public sealed class TextNotificationContent : NotificationContent
{
    /// <summary>Creates a text notification.</summary>
    public TextNotificationContent(Guid channelRegistrationId, IEnumerable<string> to, string content)
        : base(channelRegistrationId, to)
    {
        ArgumentNullException.ThrowIfNull(content);
        Content = content;
    }

    /// <summary>The message text.</summary>
    public string Content { get; }

    internal override string Kind => "text";

    private protected override void WriteKindProperties(Utf8JsonWriter writer) => writer.WriteString("content", Content);
}

/// <summary>A pre-approved template message (<c>kind: "template"</c>).</summary>
public sealed class TemplateNotificationContent : NotificationContent
{
    /// <summary>Creates a template notification.</summary>
    public TemplateNotificationContent(Guid channelRegistrationId, IEnumerable<string> to, MessageTemplate template)
        : base(channelRegistrationId, to)
    {
        ArgumentNullException.ThrowIfNull(template);
        Template = template;
    }

    /// <summary>The template with its values and bindings.</summary>
    public MessageTemplate Template { get; }

    internal override string Kind => "template";

    private protected override void WriteKindProperties(Utf8JsonWriter writer)
    {
        writer.WritePropertyName("template");
        Template.Write(writer);
    }
}
