using System.Text.Json;

namespace Omni.Azure.Communication.Messages;

/// <summary>Where template values go; the subclass decides the channel (<c>kind</c>).</summary>
public abstract class MessageTemplateBindings
{
    private protected MessageTemplateBindings()
    {
    }

    internal abstract void Write(Utf8JsonWriter writer);
}

/// <summary>WhatsApp bindings (<c>kind: "whatsApp"</c>): values by name for header, body, footer and buttons.</summary>
public sealed class WhatsAppMessageTemplateBindings : MessageTemplateBindings
{
    /// <summary>Header parameters, in order.</summary>
    public IList<WhatsAppMessageTemplateBindingsComponent> Header { get; } = new List<WhatsAppMessageTemplateBindingsComponent>();

    /// <summary>Body parameters, in order.</summary>
    public IList<WhatsAppMessageTemplateBindingsComponent> Body { get; } = new List<WhatsAppMessageTemplateBindingsComponent>();

    /// <summary>Footer parameters, in order.</summary>
    public IList<WhatsAppMessageTemplateBindingsComponent> Footer { get; } = new List<WhatsAppMessageTemplateBindingsComponent>();

    /// <summary>Button parameters, in order.</summary>
    public IList<WhatsAppMessageTemplateBindingsButton> Buttons { get; } = new List<WhatsAppMessageTemplateBindingsButton>();

    internal override void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", "whatsApp");
        WriteComponents(writer, "header", Header);
        WriteComponents(writer, "body", Body);
        WriteComponents(writer, "footer", Footer);
        if (Buttons.Count > 0)
        {
            writer.WriteStartArray("buttons");
            foreach (WhatsAppMessageTemplateBindingsButton button in Buttons)
            {
                writer.WriteStartObject();
                writer.WriteString("subType", button.SubType.ToString());
                writer.WriteString("refValue", button.RefValue);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteComponents(Utf8JsonWriter writer, string name, IList<WhatsAppMessageTemplateBindingsComponent> components)
    {
        if (components.Count == 0)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (WhatsAppMessageTemplateBindingsComponent component in components)
        {
            writer.WriteStartObject();
            writer.WriteString("refValue", component.RefValue);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}

/// <summary>A reference to a template value by name.</summary>
public sealed class WhatsAppMessageTemplateBindingsComponent
{
    /// <summary>Creates a reference.</summary>
    public WhatsAppMessageTemplateBindingsComponent(string refValue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(refValue);
        RefValue = refValue;
    }

    /// <summary>The <see cref="MessageTemplateValue.Name"/> referred to.</summary>
    public string RefValue { get; }
}

/// <summary>A button binding: its sub-type and the value it refers to.</summary>
public sealed class WhatsAppMessageTemplateBindingsButton
{
    /// <summary>Creates a button binding.</summary>
    public WhatsAppMessageTemplateBindingsButton(WhatsAppMessageButtonSubType subType, string refValue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(refValue);
        SubType = subType;
        RefValue = refValue;
    }

    /// <summary><c>quickReply</c> or <c>url</c>.</summary>
    public WhatsAppMessageButtonSubType SubType { get; }

    /// <summary>The <see cref="MessageTemplateValue.Name"/> referred to.</summary>
    public string RefValue { get; }
}

/// <summary>WhatsApp button sub-types (extensible).</summary>
public readonly struct WhatsAppMessageButtonSubType : IEquatable<WhatsAppMessageButtonSubType>
{
    private readonly string? _value;

    /// <summary>Wraps a sub-type string.</summary>
    public WhatsAppMessageButtonSubType(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    /// <summary>A quick-reply button.</summary>
    public static WhatsAppMessageButtonSubType QuickReply { get; } = new("quickReply");

    /// <summary>A URL button.</summary>
    public static WhatsAppMessageButtonSubType Url { get; } = new("url");

    /// <summary>Compares ignoring case.</summary>
    public static bool operator ==(WhatsAppMessageButtonSubType left, WhatsAppMessageButtonSubType right) => left.Equals(right);

    /// <summary>Compares ignoring case.</summary>
    public static bool operator !=(WhatsAppMessageButtonSubType left, WhatsAppMessageButtonSubType right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(WhatsAppMessageButtonSubType other) => string.Equals(_value, other._value, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is WhatsAppMessageButtonSubType other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(_value);

    /// <inheritdoc />
    public override string ToString() => _value ?? string.Empty;
}
