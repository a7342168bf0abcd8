using System.Text.Json;
using System.Xml;
using Azure;
using Azure.Core;

namespace Omni.Azure.Tables;

/// <summary>
/// Reads the error code and message of a failed Table response: the JSON <c>odata.error</c> body, the XML
/// <c>&lt;Error&gt;</c> body that authentication failures use, and the <c>x-ms-error-code</c> header.
/// </summary>
internal sealed class TableErrorParser : RequestFailedDetailsParser
{
    public static readonly TableErrorParser Instance = new();

    public override bool TryParse(Response response, out ResponseError? error, out IDictionary<string, string>? data)
    {
        data = null;
        var (code, message) = ReadBody(response);
        if (code is null && response.Headers.TryGetValue("x-ms-error-code", out var headerCode) && !string.IsNullOrEmpty(headerCode))
        {
            code = headerCode;
        }
        error = code is null && message is null ? null : new ResponseError(code, message);
        return error is not null;
    }

    /// <summary>The error code alone (body first, then header), for callers that treat some codes as outcomes.</summary>
    public static string? GetErrorCode(Response response) =>
        Instance.TryParse(response, out var error, out _) ? error?.Code : null;

    private static (string? Code, string? Message) ReadBody(Response response)
    {
        BinaryData content;
        try
        {
            content = response.Content;
        }
        catch (InvalidOperationException)
        {
            return (null, null); // Not buffered: nothing to read without consuming the stream.
        }
        var bytes = content.ToMemory();
        if (bytes.IsEmpty)
        {
            return (null, null);
        }
        var first = bytes.Span.TrimStart(" \t\r\n\uFEFF"u8);
        if (first.IsEmpty)
        {
            return (null, null);
        }
        try
        {
            return first[0] switch
            {
                (byte)'{' => ReadJson(bytes),
                (byte)'<' => ReadXml(content),
                _ => (null, null),
            };
        }
        catch (Exception e) when (e is JsonException or XmlException)
        {
            return (null, null);
        }
    }

    private static (string?, string?) ReadJson(ReadOnlyMemory<byte> bytes)
    {
        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, null);
        }
        if (!root.TryGetProperty("odata.error", out var error) && !root.TryGetProperty("error", out error))
        {
            return (null, null);
        }
        if (error.ValueKind != JsonValueKind.Object)
        {
            return (null, null);
        }
        var code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        string? message = null;
        if (error.TryGetProperty("message", out var m))
        {
            message = m.ValueKind switch
            {
                JsonValueKind.String => m.GetString(),
                JsonValueKind.Object when m.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String => v.GetString(),
                _ => null,
            };
        }
        return (code, message);
    }

    private static (string?, string?) ReadXml(BinaryData content)
    {
        using var reader = XmlReader.Create(content.ToStream(), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        string? code = null, message = null;
        while (reader.Read())
        {
            if (reader.NodeType != XmlNodeType.Element)
            {
                continue;
            }
            switch (reader.LocalName)
            {
                case "Code" or "code":
                    code ??= reader.ReadElementContentAsString();
                    break;
                case "Message" or "message":
                    message ??= reader.ReadElementContentAsString();
                    break;
            }
        }
        return (code, message);
    }
}
