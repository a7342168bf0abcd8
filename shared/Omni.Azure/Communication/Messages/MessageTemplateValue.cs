using System.Text.Json;

namespace Omni.Azure.Communication.Messages;

/// <summary>A named value for a template parameter; the subclass decides its <c>kind</c>.</summary>
public abstract class MessageTemplateValue
{
    private protected MessageTemplateValue(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>The name bindings refer to (<c>refValue</c>).</summary>
    public string Name { get; }

    internal abstract string Kind { get; }

    internal void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("name", Name);
        writer.WriteString("kind", Kind);
        WriteKindProperties(writer);
        writer.WriteEndObject();
    }

    private protected abstract void WriteKindProperties(Utf8JsonWriter writer);

    private protected static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}

/// <summary>A text parameter (<c>kind: "text"</c>).</summary>
public sealed class MessageTemplateText : MessageTemplateValue
{
    /// <summary>Creates a text value.</summary>
    public MessageTemplateText(string name, string text)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(text);
        Text = text;
    }

    /// <summary>The text.</summary>
    public string Text { get; }

    internal override string Kind => "text";

    private protected override void WriteKindProperties(Utf8JsonWriter writer) => writer.WriteString("text", Text);
}

/// <summary>Common shape of media parameters: a public URL plus optional caption and file name.</summary>
public abstract class MessageTemplateMedia : MessageTemplateValue
{
    private protected MessageTemplateMedia(string name, Uri url)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(url);
        Url = url;
    }

    /// <summary>The (public) URL of the media.</summary>
    public Uri Url { get; }

    /// <summary>Optional caption.</summary>
    public string? Caption { get; set; }

    /// <summary>Optional file name.</summary>
    public string? FileName { get; set; }

    private protected override void WriteKindProperties(Utf8JsonWriter writer)
    {
        writer.WriteString("url", Url.AbsoluteUri);
        WriteIfSet(writer, "caption", Caption);
        WriteIfSet(writer, "fileName", FileName);
    }
}

/// <summary>An image parameter (<c>kind: "image"</c>).</summary>
public sealed class MessageTemplateImage : MessageTemplateMedia
{
    /// <summary>Creates an image value.</summary>
    public MessageTemplateImage(string name, Uri url)
        : base(name, url)
    {
    }

    internal override string Kind => "image";
}

/// <summary>A document parameter (<c>kind: "document"</c>).</summary>
public sealed class MessageTemplateDocument : MessageTemplateMedia
{
    /// <summary>Creates a document value.</summary>
    public MessageTemplateDocument(string name, Uri url)
        : base(name, url)
    {
    }

    internal override string Kind => "document";
}

/// <summary>A video parameter (<c>kind: "video"</c>).</summary>
public sealed class MessageTemplateVideo : MessageTemplateMedia
{
    /// <summary>Creates a video value.</summary>
    public MessageTemplateVideo(string name, Uri url)
        : base(name, url)
    {
    }

    internal override string Kind => "video";
}

/// <summary>A location parameter (<c>kind: "location"</c>).</summary>
public sealed class MessageTemplateLocation : MessageTemplateValue
{
    /// <summary>Creates a location value.</summary>
    public MessageTemplateLocation(string name, double latitude, double longitude)
        : base(name)
    {
        Latitude = latitude;
        Longitude = longitude;
    }

    /// <summary>Latitude in degrees.</summary>
    public double Latitude { get; }

    /// <summary>Longitude in degrees.</summary>
    public double Longitude { get; }

    /// <summary>Optional place name.</summary>
    public string? LocationName { get; set; }

    /// <summary>Optional address.</summary>
    public string? Address { get; set; }

    internal override string Kind => "location";

    private protected override void WriteKindProperties(Utf8JsonWriter writer)
    {
        WriteIfSet(writer, "locationName", LocationName);
        WriteIfSet(writer, "address", Address);
        writer.WriteNumber("latitude", Latitude);
        writer.WriteNumber("longitude", Longitude);
    }
}

/// <summary>A quick-action (button) parameter (<c>kind: "quickAction"</c>).</summary>
public sealed class MessageTemplateQuickAction : MessageTemplateValue
{
    /// <summary>Creates a quick-action value.</summary>
    public MessageTemplateQuickAction(string name)
        : base(name)
    {
    }

    /// <summary>Optional button text.</summary>
    public string? Text { get; set; }

    /// <summary>Optional payload returned when the button is pressed.</summary>
    public string? Payload { get; set; }

    internal override string Kind => "quickAction";

    private protected override void WriteKindProperties(Utf8JsonWriter writer)
    {
        WriteIfSet(writer, "text", Text);
        WriteIfSet(writer, "payload", Payload);
    }
}
