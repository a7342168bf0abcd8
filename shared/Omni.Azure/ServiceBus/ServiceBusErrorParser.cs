using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Omni.Azure.Core;

namespace Omni.Azure.ServiceBus;

/// <summary>
/// Reads Service Bus REST errors, <c>&lt;Error&gt;&lt;Code&gt;401&lt;/Code&gt;&lt;Detail&gt;...&lt;/Detail&gt;&lt;/Error&gt;</c>,
/// and also the Azure JSON shape <c>{"error":{"code":...,"message":...}}</c> that emulators tend to return.
/// </summary>
internal sealed class ServiceBusErrorParser : RequestFailedDetailsParser
{
    public static readonly ServiceBusErrorParser Instance = new();

    public override bool TryParse(Response response, out ResponseError? error, out IDictionary<string, string>? data)
    {
        data = null;
        error = null;
        BinaryData? content = response.Content;
        string text = content is null ? string.Empty : content.ToString().Trim();

        if (text.StartsWith('<') && TryParseXml(text, out error))
        {
            return true;
        }

        if (text.StartsWith('{') && TryParseJson(text, out error))
        {
            return true;
        }

        if (response.Headers.TryGetValue("x-ms-error-code", out string? code))
        {
            error = new ResponseError(code, text.Length > 0 ? text : response.ReasonPhrase);
            return true;
        }

        return false;
    }

    private static bool TryParseXml(string text, out ResponseError? error)
    {
        error = null;
        try
        {
            XElement? root = XDocument.Parse(text).Root;
            if (root is null)
            {
                return false;
            }

            string? code = root.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;
            string? detail = root.Elements().FirstOrDefault(e => e.Name.LocalName == "Detail")?.Value;
            if (code is null && detail is null)
            {
                return false;
            }

            error = new ResponseError(code, detail);
            return true;
        }
        catch (XmlException)
        {
            return false;
        }
    }

    private static bool TryParseJson(string text, out ResponseError? error)
    {
        error = null;
        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            if (!document.RootElement.TryGetPropertyIgnoreCase("error", out JsonElement inner) || inner.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            error = new ResponseError(inner.GetStringOrNull("code"), inner.GetStringOrNull("message"));
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
