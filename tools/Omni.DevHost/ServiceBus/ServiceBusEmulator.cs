using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Omni.DevHost.ServiceBus;

/// <summary>
/// The Service Bus namespace the DevHost stands in for: the queues, the send side of the REST API
/// (<c>POST /{queue}/messages</c>, single and batch) and its peek-lock receive side for queues and their dead-letter
/// sub-queues (<c>POST /{queue}[/$DeadLetterQueue]/messages/head</c>, <c>PUT</c>/<c>DELETE</c>
/// <c>/{queue}[/$DeadLetterQueue]/messages/{messageId|sequenceNumber}/{lockToken}</c>), with SAS authorization.
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

    /// <param name="tokenTime">
    /// The clock SAS expiry is checked against; null: <paramref name="time"/>. The DevHost passes the system clock when
    /// its own is shifted (<c>--clock</c>), because Omni's Service Bus client signs with the real time.
    /// </param>
    public ServiceBusEmulator(IEnumerable<QueueSettings> queues, TimeProvider time, TimeProvider? tokenTime = null)
    {
        _queues = queues.ToDictionary(q => q.Name, q => new EmulatedQueue(q, time), StringComparer.OrdinalIgnoreCase);
        TokenTime = tokenTime ?? time;
        _sas = new SharedAccessSignatureValidator(KeyName, Key, TokenTime);
    }

    /// <summary>Checks SAS tokens for this namespace (the REST side's Authorization header, the AMQP side's $cbs put-token).</summary>
    internal SharedAccessSignatureValidator TokenValidator => _sas;

    /// <summary>The clock SAS expiry is checked against.</summary>
    internal TimeProvider TokenTime { get; }

    public IReadOnlyCollection<EmulatedQueue> Queues => _queues.Values;

    public EmulatedQueue? GetQueue(string name) => _queues.GetValueOrDefault(name);

    /// <summary>The connection string the handler gets for this emulator (the official emulator's convention).</summary>
    public static string ConnectionString(Uri devHost) =>
        $"Endpoint=sb://{devHost.Authority}/;SharedAccessKeyName={KeyName};SharedAccessKey={Key};UseDevelopmentEmulator=true";

    public void MapEndpoints(IEndpointRouteBuilder app)
    {
        app.MapPost("/{queue}/messages", SendAsync).ExcludeFromDescription();
        app.MapPost("/{queue}/messages/head", (HttpContext c, string queue, string? timeout) => PeekLockAsync(c, queue, deadLetter: false, timeout))
            .ExcludeFromDescription();
        app.MapPost("/{queue}/$DeadLetterQueue/messages/head", (HttpContext c, string queue, string? timeout) => PeekLockAsync(c, queue, deadLetter: true, timeout))
            .ExcludeFromDescription();
        app.MapMethods("/{queue}/messages/{reference}/{lockToken}", ["PUT", "DELETE"],
            (HttpContext c, string queue, string reference, string lockToken) => Settle(c, queue, deadLetter: false, reference, lockToken))
            .ExcludeFromDescription();
        app.MapMethods("/{queue}/$DeadLetterQueue/messages/{reference}/{lockToken}", ["PUT", "DELETE"],
            (HttpContext c, string queue, string reference, string lockToken) => Settle(c, queue, deadLetter: true, reference, lockToken))
            .ExcludeFromDescription();

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
        admin.MapPut("/{queue}/status", (string queue, StatusChange? change) =>
        {
            if (GetQueue(queue) is not { } q)
            {
                return Results.Problem(statusCode: 404, title: "No such queue", detail: $"The DevHost has no queue '{queue}'.");
            }
            if (change?.Status is not { } text || !Enum.TryParse<EntityStatus>(text, ignoreCase: true, out var status) || !Enum.IsDefined(status) ||
                int.TryParse(text, out _))
            {
                return Results.Problem(statusCode: 400, title: "Invalid status",
                    detail: $"Send {{\"status\":\"...\"}} with one of {string.Join(", ", Enum.GetNames<EntityStatus>())}.");
            }
            q.Status = status;
            return Results.Ok(new StatusChange(status.ToString()));
        });
        admin.MapGet("/{queue}/faults", (string queue) => GetQueue(queue) is { } q
            ? Results.Ok(q.Faults)
            : Results.Problem(statusCode: 404, title: "No such queue", detail: $"The DevHost has no queue '{queue}'."));
        admin.MapPut("/{queue}/faults", (string queue, DeliveryFaults? faults) =>
        {
            if (GetQueue(queue) is not { } q)
            {
                return Results.Problem(statusCode: 404, title: "No such queue", detail: $"The DevHost has no queue '{queue}'.");
            }
            if (faults is null || faults.Validate() is { } error)
            {
                return Results.Problem(statusCode: 400, title: "Invalid delivery faults",
                    detail: faults is null ? "Send {\"duplicate\":true|false,\"shuffleWindow\":1..100,\"seed\":n}." : faults.Validate());
            }
            q.Faults = faults;
            return Results.Ok(q.Faults);
        });
    }

    /// <summary>Body of <c>PUT /_devhost/queues/{name}/status</c>.</summary>
    public sealed record StatusChange(string? Status);

    /// <summary>The longest a peek-lock waits for a message (the REST API's default timeout is 60 s).</summary>
    public static readonly TimeSpan MaxReceiveTimeout = TimeSpan.FromSeconds(60);

    private async Task<IResult> PeekLockAsync(HttpContext context, string queue, bool deadLetter, string? timeoutText)
    {
        if (Authorize(context, queue, deadLetter, out var target) is { } refused)
        {
            return refused;
        }
        var timeout = TimeSpan.Zero;
        if (timeoutText is { Length: > 0 })
        {
            if (!int.TryParse(timeoutText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return Problem(400, "BadRequest", "timeout must be a whole number of seconds.");
            }
            timeout = TimeSpan.FromSeconds(Math.Min(seconds, MaxReceiveTimeout.TotalSeconds));
        }
        if (target.ReceiveDisabled)
        {
            return Problem(403, "MessagingEntityDisabled", $"Receiving from queue '{target.Name}' is disabled.");
        }

        var deadline = DateTimeOffset.UtcNow + timeout;
        QueuedMessage message;
        while (!(deadLetter ? target.TryLockDeadLetter(out message) : target.TryLockForReceiver(out message)))
        {
            var left = deadline - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return Results.StatusCode(StatusCodes.Status204NoContent);
            }
            await target.WaitForChangeAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), context.RequestAborted);
        }

        WriteReceivedMessage(context, target, deadLetter, message);
        context.Response.StatusCode = StatusCodes.Status201Created;
        if (message.Message.ContentType is { } contentType)
        {
            context.Response.ContentType = contentType;
        }
        context.Response.ContentLength = message.Message.Body.Length;
        await context.Response.Body.WriteAsync(message.Message.Body, CancellationToken.None);
        return Results.Empty;
    }

    private IResult Settle(HttpContext context, string queue, bool deadLetter, string reference, string lockTokenText)
    {
        if (Authorize(context, queue, deadLetter, out var target) is { } refused)
        {
            return refused;
        }
        if (!Guid.TryParse(lockTokenText, out var lockToken))
        {
            return Problem(400, "BadRequest", "The lock token is not a GUID.");
        }
        if (target.ReceiveDisabled)
        {
            return Problem(403, "MessagingEntityDisabled", $"Receiving from queue '{target.Name}' is disabled.");
        }
        var complete = HttpMethods.IsDelete(context.Request.Method);
        var settled = deadLetter
            ? target.TrySettleDeadLetter(reference, lockToken, complete)
            : target.TrySettle(reference, lockToken, complete);
        return settled
            ? Results.Ok()
            : Problem(404, "MessageLockLost", $"No message '{reference}' is locked with that lock token (wrong id or token, the lock expired, or it was settled).");
    }

    /// <summary>Null when the request may use the queue; otherwise the 404 or 401 answer.</summary>
    private IResult? Authorize(HttpContext context, string queue, bool deadLetter, out EmulatedQueue target)
    {
        target = GetQueue(queue)!;
        if (target is null)
        {
            return Problem(404, "MessagingEntityNotFound", $"Queue '{queue}' does not exist. Add it to infra/queues.json.");
        }
        var path = deadLetter ? $"{target.Name}/$DeadLetterQueue" : target.Name;
        var resource = new Uri($"{context.Request.Scheme}://{context.Request.Host}/{path}");
        return _sas.Validate(context.Request.Headers.Authorization.ToString(), resource) is { } denied
            ? Problem(401, "Unauthorized", denied)
            : null;
    }

    /// <summary>The peek-lock answer's headers: BrokerProperties, Location (the lock URI), and one header per application property.</summary>
    private static void WriteReceivedMessage(HttpContext context, EmulatedQueue queue, bool deadLetter, QueuedMessage queued)
    {
        var m = queued.Message;
        var broker = new JsonObject
        {
            ["DeliveryCount"] = queued.DeliveryCount,
            ["EnqueuedSequenceNumber"] = queued.SequenceNumber,
            ["EnqueuedTimeUtc"] = queued.EnqueuedTime.ToString("r", CultureInfo.InvariantCulture),
            ["LockToken"] = queued.LockToken.ToString(),
            ["LockedUntilUtc"] = queued.LockedUntil?.ToString("r", CultureInfo.InvariantCulture),
            ["MessageId"] = queued.MessageId,
            ["SequenceNumber"] = queued.SequenceNumber,
            ["State"] = deadLetter ? "Deadlettered" : "Active",
            ["TimeToLive"] = (queued.ExpiresAt - queued.VisibleAt).TotalSeconds,
        };
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                broker[name] = value;
            }
        }
        Add("CorrelationId", m.CorrelationId);
        Add("SessionId", m.SessionId);
        Add("Label", m.Subject);
        Add("ReplyTo", m.ReplyTo);
        Add("To", m.To);
        Add("ContentType", m.ContentType);
        if (m.ScheduledEnqueueTime is { } scheduled)
        {
            broker["ScheduledEnqueueTimeUtc"] = scheduled.ToString("r", CultureInfo.InvariantCulture);
        }

        var headers = context.Response.Headers;
        headers["BrokerProperties"] = broker.ToJsonString();
        var path = deadLetter ? $"{Uri.EscapeDataString(queue.Name)}/$DeadLetterQueue" : Uri.EscapeDataString(queue.Name);
        headers.Location = $"{context.Request.Scheme}://{context.Request.Host}/{path}/messages/{queued.SequenceNumber}/{queued.LockToken}";
        foreach (var (name, value) in m.ApplicationProperties)
        {
            if (value is not null && !NonPropertyHeaders.Contains(name))
            {
                headers[name] = PropertyHeaderValue(value);
            }
        }
        if (deadLetter)
        {
            // Service Bus keeps the dead-lettering's reason and description as application properties.
            if (queued.DeadLetterReason is { } reason)
            {
                headers["DeadLetterReason"] = PropertyHeaderValue(reason);
            }
            if (queued.DeadLetterErrorDescription is { } description)
            {
                headers["DeadLetterErrorDescription"] = PropertyHeaderValue(description);
            }
        }
    }

    /// <summary>Strings as JSON string literals (ASCII only, so a legal header value), numbers and booleans bare.</summary>
    private static string PropertyHeaderValue(object value) => value switch
    {
        bool b => b ? "true" : "false",
        long or int or double or decimal => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        _ => JsonSerializer.Serialize(value.ToString()),
    };

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
        if (target.SendDisabled)
        {
            return Problem(403, "MessagingEntityDisabled", $"Sending to queue '{target.Name}' is disabled.");
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
