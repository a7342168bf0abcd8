using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Amqp.Types;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Amqp.Management;

/// <summary>
/// A queue's <c>$management</c> node (<c>{queue}/$management</c>, <c>{queue}/$DeadLetterQueue/$management</c>): the
/// request/response operations the Service Bus SDKs send besides plain sends and receives. A request names its
/// <c>operation</c> in the application properties and carries an AMQP map body; the answer has <c>statusCode</c>,
/// <c>statusDescription</c>, <c>errorCondition</c> (on failure) and the request's <c>com.microsoft:tracking-id</c>.
/// Operations for sessions, topic rules and anything else answer 501 <c>amqp:not-implemented</c>.
/// </summary>
public sealed class ManagementNode : IRequestProcessor
{
    private readonly EmulatedQueue _queue;
    private readonly bool _deadLetter;
    private readonly Func<Connection, string, string?>? _authorize;

    /// <param name="authorize">Null when the connection's $cbs token (or SASL PLAIN) covers the node's path, else why not;
    /// null: every request is answered (unit tests of the operations).</param>
    public ManagementNode(EmulatedQueue queue, bool deadLetter, Func<Connection, string, string?>? authorize = null)
    {
        _queue = queue;
        _deadLetter = deadLetter;
        _authorize = authorize;
    }

    /// <summary>The node's entity path, as a $cbs token's audience names it.</summary>
    public string Path => _deadLetter ? $"{_queue.Name}/$DeadLetterQueue/{NodeName}" : $"{_queue.Name}/{NodeName}";

    /// <summary>The node's name under each queue and dead-letter sub-queue (<see cref="AmqpFront.RegisterQueueNode"/>).</summary>
    public const string NodeName = "$management";

    int IRequestProcessor.Credit => 100;

    void IRequestProcessor.Process(RequestContext context)
    {
        // The container dispatches even when no response link matches the request's reply-to (it rejects the request).
        if (context.ResponseLink is null)
        {
            return;
        }
        if (_authorize?.Invoke(context.Link.Session.Connection, Path) is { } denied)
        {
            // As Service Bus answers a management request without a valid token: 401, amqp:unauthorized-access.
            var refusal = Answer(401, denied, new Map(), "amqp:unauthorized-access");
            refusal.ApplicationProperties["com.microsoft:tracking-id"] =
                context.Message.ApplicationProperties?["com.microsoft:tracking-id"] as string ?? Guid.NewGuid().ToString();
            context.Complete(refusal);
            return;
        }
        context.Complete(Handle(context.Message));
    }

    /// <summary>Answers one request.</summary>
    public Message Handle(Message request)
    {
        var operation = request.ApplicationProperties?["operation"] as string;
        Message response;
        try
        {
            var body = request.Body as Map ?? (request.Body is null ? new Map() : throw Fail.Argument("The request body must be an AMQP map."));
            response = operation switch
            {
                ManagementOperations.RenewLock => RenewLock(body),
                ManagementOperations.PeekMessage => Peek(body),
                ManagementOperations.ScheduleMessage => Schedule(body),
                ManagementOperations.CancelScheduledMessage => CancelScheduled(body),
                ManagementOperations.ReceiveBySequenceNumber => ReceiveBySequenceNumber(body),
                ManagementOperations.UpdateDisposition => UpdateDisposition(body),
                null => throw Fail.Argument("The request has no 'operation' application property."),
                _ => throw new ManagementException(501, "amqp:not-implemented",
                    $"The DevHost's Service Bus emulator does not implement '{operation}' (no sessions, topics, rules or transactions)."),
            };
        }
        catch (ManagementException e)
        {
            response = Answer(e.StatusCode, e.Description, new Map(), e.Condition);
        }
        response.ApplicationProperties["com.microsoft:tracking-id"] =
            request.ApplicationProperties?["com.microsoft:tracking-id"] as string ?? Guid.NewGuid().ToString();
        return response;
    }

    private Message RenewLock(Map body)
    {
        var tokens = Fields.Items<Guid>(body, "lock-tokens");
        var expirations = new DateTime[tokens.Count];
        for (var i = 0; i < tokens.Count; i++)
        {
            expirations[i] = (_queue.TryRenewLock(tokens[i], _deadLetter) ?? throw Fail.LockLost()).UtcDateTime;
        }
        return Answer(200, "OK", new Map { ["expirations"] = expirations });
    }

    private Message Peek(Map body)
    {
        RefuseSession(body);
        var from = Fields.Required<long>(body, "from-sequence-number");
        var count = Fields.Required<int>(body, "message-count");
        if (count < 1)
        {
            throw Fail.Argument("message-count must be at least 1.");
        }
        var found = _queue.Peek(from, count, _deadLetter);
        if (found.Count == 0)
        {
            return Answer(204, "No messages to peek.", new Map());
        }
        var messages = new List();
        foreach (var message in found)
        {
            messages.Add(new Map { ["message"] = Encode(AmqpMessageMapping.ToAmqp(message, peeked: true)) });
        }
        return Answer(200, "OK", new Map { ["messages"] = messages });
    }

    private Message Schedule(Map body)
    {
        RefuseDeadLetterNode("schedule messages");
        if (_queue.SendDisabled)
        {
            throw Fail.EntityDisabled($"Sending to queue '{_queue.Name}' is disabled.");
        }
        var entries = Fields.Items<Map>(body, "messages");
        var incoming = new List<IncomingMessage>(entries.Count);
        foreach (var entry in entries)
        {
            if (entry["message"] is not byte[] bytes)
            {
                throw Fail.Argument("Every entry of 'messages' needs a binary 'message'.");
            }
            if (bytes.Length > _queue.Settings.MaxMessageSizeBytes)
            {
                throw new ManagementException(403, "amqp:link:message-size-exceeded",
                    $"The message is larger than the queue's {_queue.Settings.MaxMessageSizeBytes}-byte limit.");
            }
            Message decoded;
            try
            {
                decoded = Message.Decode(new ByteBuffer(bytes, 0, bytes.Length, bytes.Length));
            }
            catch (Exception e) when (e is AmqpException or InvalidCastException or ArgumentException or IndexOutOfRangeException)
            {
                throw Fail.Argument($"An entry's 'message' is not an AMQP message: {e.Message}");
            }
            incoming.Add(AmqpMessageMapping.ToIncoming(decoded));
        }
        var sequenceNumbers = incoming.Select(_queue.Schedule).ToArray();
        return Answer(200, "OK", new Map { ["sequence-numbers"] = sequenceNumbers });
    }

    private Message CancelScheduled(Map body)
    {
        RefuseDeadLetterNode("cancel scheduled messages");
        var missing = _queue.CancelScheduled(Fields.Items<long>(body, "sequence-numbers"));
        return missing.Count == 0
            ? Answer(200, "OK", new Map())
            : throw Fail.MessageNotFound($"No scheduled message with sequence number {string.Join(", ", missing)} (never scheduled, already enqueued, or cancelled).");
    }

    private Message ReceiveBySequenceNumber(Map body)
    {
        RefuseSession(body);
        var sequenceNumbers = Fields.Items<long>(body, "sequence-numbers");
        var peekLock = body["receiver-settle-mode"] switch
        {
            null or 1u => true,
            0u => false,
            var other => throw Fail.Argument($"receiver-settle-mode must be 0 (receive and delete) or 1 (peek-lock), not {other}."),
        };
        if (_queue.ReceiveDisabled)
        {
            throw Fail.EntityDisabled($"Receiving from queue '{_queue.Name}' is disabled.");
        }
        // Dead letters are never deferred here, so the dead-letter node finds none.
        var missing = _deadLetter ? sequenceNumbers : _queue.MissingDeferred(sequenceNumbers);
        if (missing.Count > 0)
        {
            throw Fail.MessageNotFound($"No deferred message with sequence number {string.Join(", ", missing)}.");
        }
        var messages = new List();
        foreach (var sequenceNumber in sequenceNumbers)
        {
            if (!_queue.TryLockDeferred(sequenceNumber, out var message))
            {
                throw Fail.MessageNotFound($"The deferred message {sequenceNumber} was taken by another receiver.");
            }
            var entry = new Map { ["message"] = Encode(AmqpMessageMapping.ToAmqp(message)) };
            if (peekLock)
            {
                entry["lock-token"] = message.LockToken;
            }
            else
            {
                _queue.TryComplete(message, message.LockToken);
            }
            messages.Add(entry);
        }
        return Answer(200, "OK", new Map { ["messages"] = messages });
    }

    private Message UpdateDisposition(Map body)
    {
        RefuseSession(body);
        var tokens = Fields.Items<Guid>(body, "lock-tokens");
        var status = body["disposition-status"] as string;
        if (status is not ("completed" or "abandoned" or "suspended" or "defered"))
        {
            throw Fail.Argument($"disposition-status must be completed, abandoned, suspended or defered, not '{status}'.");
        }
        var properties = body["properties-to-modify"] is Map map
            ? map.ToDictionary(p => p.Key.ToString()!, p => AmqpMessageMapping.FromAmqpValue(p.Value))
            : null;
        var reason = body["deadletter-reason"] as string;
        var description = body["deadletter-description"] as string;
        foreach (var token in tokens)
        {
            var settled = _deadLetter
                ? SettleDeadLetter(token, status)
                : _queue.TryGetLocked(token, out var message) && status switch
                {
                    "completed" => _queue.TryComplete(message, token),
                    "abandoned" => _queue.TryAbandon(message, token, "abandoned by the receiver", properties),
                    "suspended" => _queue.TryDeadLetter(message, token, reason, description, properties),
                    _ => _queue.TryDefer(message, token, properties),
                };
            if (!settled)
            {
                throw Fail.LockLost();
            }
        }
        return Answer(200, "OK", new Map());
    }

    /// <summary>A dead letter can be completed (removed) or abandoned (unlocked); the emulator neither defers nor re-dead-letters it.</summary>
    private bool SettleDeadLetter(Guid token, string status)
    {
        if (status is "suspended" or "defered")
        {
            throw new ManagementException(400, "amqp:not-allowed",
                "The DevHost's Service Bus emulator can only complete or abandon a message of a dead-letter sub-queue.");
        }
        return _queue.FindLockedDeadLetter(token) is { } message &&
               _queue.TrySettleDeadLetter(message.SequenceNumber.ToString(System.Globalization.CultureInfo.InvariantCulture), token, status == "completed");
    }

    private static void RefuseSession(Map body)
    {
        if (body["session-id"] is string { Length: > 0 })
        {
            throw new ManagementException(501, "amqp:not-implemented", "The DevHost's Service Bus emulator has no sessions.");
        }
    }

    private void RefuseDeadLetterNode(string what)
    {
        if (_deadLetter)
        {
            throw new ManagementException(400, "amqp:not-allowed", $"Cannot {what} on a dead-letter sub-queue.");
        }
    }

    private static byte[] Encode(Message message)
    {
        var buffer = message.Encode();
        return buffer.Buffer.AsSpan(buffer.Offset, buffer.Length).ToArray();
    }

    private static Message Answer(int statusCode, string description, Map body, string? condition = null)
    {
        var response = new Message(body) { ApplicationProperties = new ApplicationProperties() };
        response.ApplicationProperties["statusCode"] = statusCode;
        response.ApplicationProperties["statusDescription"] = description;
        if (condition is not null)
        {
            response.ApplicationProperties["errorCondition"] = new Symbol(condition);
        }
        return response;
    }

    /// <summary>The failures, with the conditions the SDKs turn into their exceptions.</summary>
    private static class Fail
    {
        public static ManagementException Argument(string description) => new(400, "com.microsoft:argument-error", description);

        public static ManagementException LockLost() => new(410, "com.microsoft:message-lock-lost",
            "The lock supplied is invalid: it expired, or the message was settled or removed from the queue.");

        public static ManagementException MessageNotFound(string description) => new(404, "com.microsoft:message-not-found", description);

        public static ManagementException EntityDisabled(string description) => new(400, "com.microsoft:entity-disabled", description);
    }

    /// <summary>Reading the request map's fields, whatever list or array encoding the client chose.</summary>
    private static class Fields
    {
        public static T Required<T>(Map body, string key) => body[key] switch
        {
            T value => value,
            null => throw Fail.Argument($"The request has no '{key}'."),
            var other => throw Fail.Argument($"'{key}' must be {typeof(T).Name}, not {other.GetType().Name}."),
        };

        public static IReadOnlyList<T> Items<T>(Map body, string key)
        {
            var items = body[key] switch
            {
                T[] array => array,
                System.Collections.IList list => list.Cast<object>().Select(o => o is T t ? t : throw Fail.Argument($"Every item of '{key}' must be {typeof(T).Name}.")).ToArray(),
                null => throw Fail.Argument($"The request has no '{key}'."),
                var other => throw Fail.Argument($"'{key}' must be a list or an array, not {other.GetType().Name}."),
            };
            return items.Length == 0 ? throw Fail.Argument($"'{key}' is empty.") : items;
        }
    }
}

/// <summary>A management request's failure: its status code, error condition and description.</summary>
public sealed class ManagementException(int statusCode, string condition, string description) : Exception(description)
{
    public int StatusCode { get; } = statusCode;

    public string Condition { get; } = condition;

    public string Description { get; } = description;
}

/// <summary>The operation names (application property <c>operation</c>).</summary>
public static class ManagementOperations
{
    public const string RenewLock = "com.microsoft:renew-lock";
    public const string PeekMessage = "com.microsoft:peek-message";
    public const string ScheduleMessage = "com.microsoft:schedule-message";
    public const string CancelScheduledMessage = "com.microsoft:cancel-scheduled-message";
    public const string ReceiveBySequenceNumber = "com.microsoft:receive-by-sequence-number";
    public const string UpdateDisposition = "com.microsoft:update-disposition";
}
