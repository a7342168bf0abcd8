using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Omni.DevHost.Handler;
using Omni.Hosting;

namespace Omni.DevHost.Http;

/// <summary>
/// HTTP functions the host does not proxy (proxying off in host.json, or a function with more than an httpTrigger and
/// an http output) are invoked in payload mode, as the host does it: <c>POST /{FunctionName}</c> with
/// <c>{"Data":{"req":{Url,Method,Query,Headers,Params,Identities,Body}},"Metadata":{…}}</c>, and the caller's answer is
/// read from <c>Outputs.&lt;http output&gt;</c> of the handler's reply. A handler answer the host cannot use (non-2xx, not
/// JSON, no object) is a failed invocation: the caller gets the host's bare 500. Omni's handler answers such an
/// invocation 503 on purpose (it needs proxying), so this path shows locally what a misconfigured host would do.
/// </summary>
public sealed class PayloadModeInvoker(HandlerProcess handler, HttpClient http, TimeProvider time, ILogger<PayloadModeInvoker> logger)
{
    public async Task InvokeAsync(HttpContext context, FunctionDefinition function)
    {
        var baseAddress = await handler.WaitUntilReadyAsync(context.RequestAborted).WaitAsync(TimeSpan.FromSeconds(30), context.RequestAborted);
        var invocationId = Guid.NewGuid().ToString();
        var envelope = await EnvelopeAsync(context, function);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, function.Name))
        {
            Content = new StringContent(envelope.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("X-Azure-Functions-InvocationId", invocationId);
        request.Headers.TryAddWithoutValidation("X-Azure-Functions-HostVersion", DevHostServer.HostVersion);

        using var response = await http.SendAsync(request, context.RequestAborted);
        var body = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
        var output = function.Bindings.FirstOrDefault(b => b.Direction == "out" && b.Type == "http")?.Name ?? "res";
        if (Result(response, body, output) is not { } result)
        {
            logger.LogWarning("Function {Function} ({InvocationId}) in payload mode: the handler answered {Status} {ContentType}, which the host counts as a failed invocation (500 to the caller).",
                function.Name, invocationId, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? "(no content type)");
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return;
        }
        await WriteAsync(context.Response, result);
    }

    private async Task<JsonObject> EnvelopeAsync(HttpContext context, FunctionDefinition function)
    {
        var incoming = context.Request;
        var req = new JsonObject
        {
            ["Url"] = $"{incoming.Scheme}://{incoming.Host}{incoming.PathBase}{incoming.Path}{incoming.QueryString}",
            ["Method"] = incoming.Method,
            ["Query"] = Object(incoming.Query.Select(q => (q.Key, (JsonNode?)q.Value.ToString()))),
            ["Headers"] = Object(incoming.Headers.Select(h => (h.Key, (JsonNode?)new JsonArray(h.Value.Select(v => (JsonNode?)v).ToArray())))),
            ["Params"] = Object(context.Request.RouteValues.Select(r => (r.Key, (JsonNode?)Convert.ToString(r.Value, CultureInfo.InvariantCulture)))),
            ["Identities"] = new JsonArray(),
        };
        if (incoming.ContentLength > 0)
        {
            using var buffer = new MemoryStream();
            await incoming.Body.CopyToAsync(buffer, context.RequestAborted);
            var bytes = buffer.ToArray();
            // The host keeps only octet-stream and multipart bodies as bytes (base64); everything else is read as UTF-8 text.
            var raw = incoming.ContentType is { } type && (type.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase) || type.Contains("multipart/", StringComparison.OrdinalIgnoreCase));
            req["Body"] = raw ? Convert.ToBase64String(bytes) : new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF');
        }
        return new JsonObject
        {
            ["Data"] = new JsonObject { [function.Trigger.Name] = req },
            ["Metadata"] = new JsonObject
            {
                ["Query"] = Object(incoming.Query.Select(q => (q.Key, (JsonNode?)q.Value.LastOrDefault()))),
                ["Headers"] = Object(incoming.Headers.Select(h => (h.Key, (JsonNode?)h.Value.ToString()))),
                ["sys"] = new JsonObject
                {
                    ["MethodName"] = function.Name,
                    ["UtcNow"] = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                    ["RandGuid"] = Guid.NewGuid().ToString(),
                },
            },
        };
    }

    private static JsonObject Object(IEnumerable<(string Key, JsonNode? Value)> entries)
    {
        var result = new JsonObject();
        foreach (var (key, value) in entries)
        {
            result[key] = value;
        }
        return result;
    }

    /// <summary>The http output the host would write, or null when the host would fail the invocation.</summary>
    private static JsonObject? Result(HttpResponseMessage response, byte[] body, string output)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (!response.IsSuccessStatusCode || mediaType is not ("application/json" or "text/json") || body.Length == 0)
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(body) is JsonObject root
                ? root.FirstOrDefault(p => string.Equals(p.Key, "Outputs", StringComparison.OrdinalIgnoreCase)).Value?[output] as JsonObject ?? []
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task WriteAsync(HttpResponse response, JsonObject result)
    {
        JsonNode? Get(string name) => result.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
        response.StatusCode = int.TryParse(Get("statusCode")?.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var status) ? status : 200;
        if (Get("headers") is JsonObject headers)
        {
            foreach (var (name, value) in headers)
            {
                response.Headers[name] = value?.ToString();
            }
        }
        var body = Get("body") switch
        {
            null => "",
            JsonValue text when text.TryGetValue<string>(out var s) => s,
            var node => node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }),
        };
        response.ContentType ??= "text/plain; charset=utf-8";
        await response.WriteAsync(body);
    }
}
