using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Omni.DevHost.ServiceBus;

/// <summary>
/// The Service Bus namespace the DevHost stands in for: the queues and the send side of the REST API
/// (<c>POST /{queue}/messages</c>, single and batch), with SAS authorization.
/// </summary>
public sealed class ServiceBusEmulator
{
    /// <summary>The DevHost's key. It guards nothing but a loopback emulator, and is published like Azurite's account key.</summary>
    public const string KeyName = "RootManageSharedAccessKey";
    public const string Key = "T21uaURldkhvc3RMb2NhbE9ubHlOb3RBU2VjcmV0S2V5MDA=";

    public const string BatchContentType = "application/vnd.microsoft.servicebus.json";

    // Headers that belong to HTTP or to the client library, not to the message as custom properties.
    private static readonly HashSet<string> NonPropertyHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "BrokerProperties", "Content-Type", "Content-Length", "Host", "User-Agent", "Accept", "Accept-Encoding",
        "Accept-Language", "Connection", "Expect", "Transfer-Encoding", "Keep-Alive", "traceparent", "tracestate", "Request-Id",
        "Cache-Control", "Pragma",
    };

    private readonly Dictionary<string, EmulatedQueue> _queues;
    private readonly SharedAccessSignatureValidator _sas;

    public ServiceBusEmulator(IEnumerable<QueueSettings> queues, TimeProvider time)
    {
        _queues = queues.ToDictionary(q => q.Name, q => new EmulatedQueue(q, time), StringComparer.OrdinalIgnoreCase);
        _sas = new SharedAccessSignatureValidator(KeyName, Key, time);
    }

    public IReadOnlyCollection<EmulatedQueue> Queues => _queues.Values;

    public EmulatedQueue? GetQueue(string name) => _queues.GetValueOrDefault(name);

    /// <summary>The connection string the handler gets for this emulator (the official emulator's convention).</summary>
    public static string ConnectionString(Uri devHost) =>
        $"Endpoint=sb://{devHost.Authority}/;SharedAccessKeyName={KeyName};SharedAccessKey={Key};UseDevelopmentEmulator=true";

    public void MapEndpoints(IEndpointRouteBuilder app)
    {
        app.MapPost("/{queue}/messages", SendAsync).ExcludeFromDescription();

        var admin = app.MapGroup("/_devhost/queues").ExcludeFromDescription();
        admin.MapGet("/", () => TypedResults.Ok(_queues.Values.Select(q => q.Snapshot(includeBodies: false)).Select(s => s with
        {
            Messages = [],
            DeadLetters = [],
            RecentlyCompleted = [],
        })));
        admin.MapGet("/{queue}", Results<Ok<QueueSnapshot>, ProblemHttpResult> (string queue, bool? bodies) =>
            GetQueue(queue) is { } q
                ? TypedResults.Ok(q.Snapshot(bodies ?? false))
                : TypedResults.Problem(statusCode: 404, title: "No such queue", detail: $"The DevHost has no queue '{queue}'."));
    }

    private async Task<IResult> SendAsync(HttpContext context, string queue)
    {
        var target = GetQueue(queue);
        if (target is null)
        {
            return Problem(404, "MessagingEntityNotFound", $"Queue '{queue}' does not exist. Add it to infra/queues.json.");
        }
        var resource = new Uri($"{context.Request.Scheme}://{context.Request.Host}/{target.Name}");
        if (_sas.Validate(context.Request.Headers.Authorization.ToString(), resource) is { } denied)
        {
            return Problem(401, "Unauthorized", denied);
        }

        var limit = target.Settings.MaxMessageSizeBytes;
        byte[] body;
        using (var buffer = new MemoryStream())
        {
            var read = new byte[16 * 1024];
            int n;
            while ((n = await context.Request.Body.ReadAsync(read, context.RequestAborted)) > 0)
            {
                buffer.Write(read, 0, n);
                if (buffer.Length > limit)
                {
                    return Problem(413, "MessageSizeExceeded", $"The request is larger than the queue's {limit}-byte limit.");
                }
            }
            body = buffer.ToArray();
        }

        List<IncomingMessage> messages;
        try
        {
            messages = IsBatch(context.Request.ContentType)
                ? ParseBatch(body)
                : [ParseSingle(context.Request, body)];
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return Problem(400, "BadRequest", e.Message);
        }

        foreach (var message in messages)
        {
            target.Enqueue(message);
        }
        return Results.StatusCode(StatusCodes.Status201Created);
    }

    private static bool IsBatch(string? contentType) =>
        contentType is not null && contentType.StartsWith(BatchContentType, StringComparison.OrdinalIgnoreCase);

    private static IncomingMessage ParseSingle(HttpRequest request, byte[] body)
    {
        var broker = request.Headers["BrokerProperties"].ToString() is { Length: > 0 } json
            ? JsonNode.Parse(json) as JsonObject ?? throw new FormatException("BrokerProperties must be a JSON object.")
            : new JsonObject();
        var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, values) in request.Headers)
        {
            if (!NonPropertyHeaders.Contains(name) && !name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            {
                properties[name] = ParseHeaderValue(values.ToString());
            }
        }
        return FromBrokerProperties(broker, body, request.ContentType, properties);
    }

    private static List<IncomingMessage> ParseBatch(byte[] body)
    {
        var array = JsonNode.Parse(body) as JsonArray ?? throw new FormatException("A batch must be a JSON array.");
        var result = new List<IncomingMessage>(array.Count);
        foreach (var item in array)
        {
            var entry = item as JsonObject ?? throw new FormatException("Every batch entry must be an object.");
            var text = entry["Body"]?.GetValue<string>() ?? throw new FormatException("Every batch entry needs a string Body.");
            var broker = entry["BrokerProperties"] as JsonObject ?? new JsonObject();
            var properties = (entry["UserProperties"] as JsonObject)?.ToDictionary(p => p.Key, p => ToClr(p.Value), StringComparer.Ordinal)
                ?? new Dictionary<string, object?>(StringComparer.Ordinal);
            result.Add(FromBrokerProperties(broker, Encoding.UTF8.GetBytes(text), broker["ContentType"]?.GetValue<string>(), properties));
        }
        return result;
    }

    private static IncomingMessage FromBrokerProperties(JsonObject broker, byte[] body, string? contentType, IReadOnlyDictionary<string, object?> properties)
    {
        string? Text(string key) => broker[key]?.GetValue<string>();
        if (Text("SessionId") is { } session && Text("PartitionKey") is { } partition && session != partition)
        {
            throw new FormatException("SessionId and PartitionKey must match when both are set.");
        }
        return new IncomingMessage
        {
            Body = body,
            MessageId = Text("MessageId"),
            ContentType = contentType,
            CorrelationId = Text("CorrelationId"),
            SessionId = Text("SessionId"),
            Subject = Text("Label"),
            ReplyTo = Text("ReplyTo"),
            To = Text("To"),
            TimeToLive = broker["TimeToLive"] is { } ttl ? TimeSpan.FromSeconds(ttl.GetValue<double>()) : null,
            ScheduledEnqueueTime = Text("ScheduledEnqueueTimeUtc") is { } at
                ? DateTimeOffset.Parse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)
                : null,
            ApplicationProperties = properties,
        };
    }

    /// <summary>Custom property headers: quoted strings are strings; bare values are numbers or booleans.</summary>
    private static object? ParseHeaderValue(string value)
    {
        try
        {
            return ToClr(JsonNode.Parse(value));
        }
        catch (JsonException)
        {
            return value;
        }
    }

    private static object? ToClr(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.True => true,
        JsonValue v when v.GetValueKind() == JsonValueKind.False => false,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        _ => node.ToJsonString(),
    };

    private static IResult Problem(int status, string code, string detail) =>
        TypedResults.Problem(statusCode: status, title: code, detail: detail);
}
