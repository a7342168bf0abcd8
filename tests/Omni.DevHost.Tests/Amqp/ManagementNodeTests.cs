using System.Text;
using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Microsoft.Extensions.Time.Testing;
using Omni.DevHost.Amqp.Management;
using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Tests.Amqp;

/// <summary>
/// The queue's <c>$management</c> node answering requests shaped as the .NET and JS SDKs shape them (operation in the
/// application properties, an AMQP map body, GUID and long arrays), and the queue methods behind it.
/// </summary>
public class ManagementNodeTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private readonly EmulatedQueue _queue;
    private readonly ManagementNode _node;
    private readonly ManagementNode _deadLetterNode;

    public ManagementNodeTests()
    {
        _queue = new EmulatedQueue(QueueSettings.Default("q") with { LockDuration = TimeSpan.FromSeconds(30), MaxDeliveryCount = 5 }, _time);
        _node = new ManagementNode(_queue, deadLetter: false);
        _deadLetterNode = new ManagementNode(_queue, deadLetter: true);
    }

    private static IncomingMessage Incoming(string id, DateTimeOffset? scheduled = null) =>
        new() { Body = Encoding.UTF8.GetBytes("{\"n\":\"" + id + "\"}"), MessageId = id, ScheduledEnqueueTime = scheduled };

    private static Message Request(string operation, Map body, string trackingId = "track-1")
    {
        var request = new Message(body) { ApplicationProperties = new ApplicationProperties(), Properties = new Properties { MessageId = "req", ReplyTo = "client" } };
        request.ApplicationProperties["operation"] = operation;
        request.ApplicationProperties["com.microsoft:tracking-id"] = trackingId;
        return request;
    }

    private static int Status(Message response) => (int)response.ApplicationProperties["statusCode"];

    private static string? Condition(Message response) => response.ApplicationProperties["errorCondition"]?.ToString();

    private static Map Body(Message response) => (Map)response.Body;

    private static Message Decode(object entry)
    {
        var bytes = (byte[])((Map)entry)["message"];
        return Message.Decode(new ByteBuffer(bytes, 0, bytes.Length, bytes.Length));
    }

    private QueuedMessage Locked(string id)
    {
        _queue.Enqueue(Incoming(id));
        Assert.True(_queue.TryLockForReceiver(out var message));
        return message;
    }

    [Fact]
    public void RenewLock_HeldLock_ExtendsItByTheLockDurationFromNow()
    {
        var message = Locked("a");
        _time.Advance(TimeSpan.FromSeconds(20));

        var response = _node.Handle(Request(ManagementOperations.RenewLock, new Map { ["lock-tokens"] = new[] { message.LockToken } }));

        Assert.Equal(200, Status(response));
        var expirations = (DateTime[])Body(response)["expirations"];
        Assert.Equal(_time.GetUtcNow().AddSeconds(30).UtcDateTime, Assert.Single(expirations));
        Assert.Equal(_time.GetUtcNow().AddSeconds(30), message.LockedUntil);
        Assert.Equal("track-1", response.ApplicationProperties["com.microsoft:tracking-id"]);
        // Past the first lock's end the renewed lock still holds.
        _time.Advance(TimeSpan.FromSeconds(25));
        Assert.True(_queue.TryComplete(message, message.LockToken));
    }

    [Fact]
    public void RenewLock_LapsedLock_IsMessageLockLost()
    {
        var message = Locked("a");
        _time.Advance(TimeSpan.FromSeconds(31));

        var response = _node.Handle(Request(ManagementOperations.RenewLock, new Map { ["lock-tokens"] = new[] { message.LockToken } }));

        Assert.Equal(410, Status(response));
        Assert.Equal("com.microsoft:message-lock-lost", Condition(response));
        Assert.Equal(MessageState.Active, message.State);
    }

    [Fact]
    public void Peek_FromASequenceNumber_ReturnsThatManyInOrderWithoutLocking()
    {
        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            _queue.Enqueue(Incoming(id));
        }
        var second = _queue.Peek(0, 10, deadLetter: false)[1].SequenceNumber;

        var response = _node.Handle(Request(ManagementOperations.PeekMessage, new Map { ["from-sequence-number"] = second, ["message-count"] = 2 }));

        Assert.Equal(200, Status(response));
        var peeked = ((List)Body(response)["messages"]).Select(Decode).ToList();
        Assert.Equal(["b", "c"], peeked.Select(m => m.Properties.MessageId));
        Assert.Equal(second, peeked[0].MessageAnnotations[new Symbol("x-opt-sequence-number")]);
        Assert.Equal("{\"n\":\"b\"}", Encoding.UTF8.GetString((byte[])peeked[0].Body));
        Assert.True(_queue.TryLockForReceiver(out var first));
        Assert.Equal("a", first.MessageId);
    }

    [Fact]
    public void Peek_PastTheLastMessage_Is204()
    {
        _queue.Enqueue(Incoming("a"));

        var response = _node.Handle(Request(ManagementOperations.PeekMessage, new Map { ["from-sequence-number"] = 99L, ["message-count"] = 1 }));

        Assert.Equal(204, Status(response));
    }

    [Fact]
    public void Peek_DeadLetterNode_ReturnsTheDeadLettersOnly()
    {
        var doomed = Locked("doomed");
        Assert.True(_queue.TryDeadLetter(doomed, doomed.LockToken, "Bad", "bad input"));
        _queue.Enqueue(Incoming("alive"));

        var response = _deadLetterNode.Handle(Request(ManagementOperations.PeekMessage, new Map { ["from-sequence-number"] = 1L, ["message-count"] = 10 }));

        Assert.Equal(200, Status(response));
        var peeked = Decode(Assert.Single((List)Body(response)["messages"]));
        Assert.Equal("doomed", peeked.Properties.MessageId);
    }

    [Fact]
    public void ScheduleMessage_ReturnsSequenceNumbers_AndTheMessageWaitsForItsTime()
    {
        var at = _time.GetUtcNow().AddMinutes(5);
        var sent = new Message(new Data { Binary = Encoding.UTF8.GetBytes("{}") })
        {
            Properties = new Properties { MessageId = "later" },
            MessageAnnotations = new MessageAnnotations { [new Symbol("x-opt-scheduled-enqueue-time")] = at.UtcDateTime },
        };
        var buffer = sent.Encode();
        var entry = new Map { ["message"] = buffer.Buffer.AsSpan(buffer.Offset, buffer.Length).ToArray(), ["message-id"] = "later" };

        var response = _node.Handle(Request(ManagementOperations.ScheduleMessage, new Map { ["messages"] = new List { entry } }));

        Assert.Equal(200, Status(response));
        var sequenceNumber = Assert.Single((long[])Body(response)["sequence-numbers"]);
        var scheduled = Assert.Single(_queue.Peek(sequenceNumber, 1, deadLetter: false));
        Assert.Equal(("later", MessageState.Scheduled), (scheduled.MessageId, scheduled.State));
        Assert.False(_queue.TryLockForReceiver(out _));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(_queue.TryLockForReceiver(out var due));
        Assert.Equal("later", due.MessageId);
    }

    [Fact]
    public void Schedule_DuplicateMessageId_GetsItsOwnSequenceNumberAndIsDropped()
    {
        var at = _time.GetUtcNow().AddMinutes(1);
        var first = _queue.Schedule(Incoming("same", at));
        var second = _queue.Schedule(Incoming("same", at));

        Assert.NotEqual(first, second);
        Assert.Single(_queue.Peek(0, 10, deadLetter: false));
    }

    [Fact]
    public void CancelScheduledMessage_RemovesIt_AndAnUnknownNumberIsMessageNotFound()
    {
        var sequenceNumber = _queue.Schedule(Incoming("later", _time.GetUtcNow().AddMinutes(5)));
        var cancel = new Map { ["sequence-numbers"] = new[] { sequenceNumber } };

        Assert.Equal(200, Status(_node.Handle(Request(ManagementOperations.CancelScheduledMessage, cancel))));
        Assert.Empty(_queue.Peek(0, 10, deadLetter: false));
        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.False(_queue.TryLockForReceiver(out _));

        var again = _node.Handle(Request(ManagementOperations.CancelScheduledMessage, cancel));
        Assert.Equal(404, Status(again));
        Assert.Equal("com.microsoft:message-not-found", Condition(again));
    }

    [Fact]
    public void CancelScheduled_AnEnqueuedMessage_ChangesNothing()
    {
        var scheduled = _queue.Schedule(Incoming("later", _time.GetUtcNow().AddMinutes(5)));
        _queue.Enqueue(Incoming("now"));
        var enqueued = _queue.Peek(scheduled + 1, 1, deadLetter: false)[0].SequenceNumber;

        Assert.Equal([enqueued], _queue.CancelScheduled([scheduled, enqueued]));
        Assert.Equal(2, _queue.Peek(0, 10, deadLetter: false).Count);
    }

    [Fact]
    public void ReceiveBySequenceNumber_PeekLock_LocksTheDeferredMessage_AndUpdateDispositionCompletesIt()
    {
        var message = Locked("deferred");
        Assert.True(_queue.TryDefer(message, message.LockToken));

        var response = _node.Handle(Request(ManagementOperations.ReceiveBySequenceNumber,
            new Map { ["sequence-numbers"] = new[] { message.SequenceNumber }, ["receiver-settle-mode"] = 1u }));

        Assert.Equal(200, Status(response));
        var entry = (Map)Assert.Single((List)Body(response)["messages"]);
        var lockToken = (Guid)entry["lock-token"];
        Assert.Equal("deferred", Decode(entry).Properties.MessageId);
        Assert.Equal(MessageState.Locked, message.State);

        var complete = _node.Handle(Request(ManagementOperations.UpdateDisposition,
            new Map { ["lock-tokens"] = new[] { lockToken }, ["disposition-status"] = "completed" }));

        Assert.Equal(200, Status(complete));
        Assert.Equal(MessageState.Completed, message.State);
        Assert.Equal(1, _queue.CompletedCount);
    }

    [Fact]
    public void ReceiveBySequenceNumber_ReceiveAndDelete_RemovesIt()
    {
        var message = Locked("deferred");
        _queue.TryDefer(message, message.LockToken);

        var response = _node.Handle(Request(ManagementOperations.ReceiveBySequenceNumber,
            new Map { ["sequence-numbers"] = new[] { message.SequenceNumber }, ["receiver-settle-mode"] = 0u }));

        Assert.Equal(200, Status(response));
        Assert.False(((Map)Assert.Single((List)Body(response)["messages"])).ContainsKey("lock-token"));
        Assert.Equal(MessageState.Completed, message.State);
    }

    [Fact]
    public void ReceiveBySequenceNumber_NotDeferred_IsMessageNotFound_AndLocksNothing()
    {
        var deferred = Locked("deferred");
        _queue.TryDefer(deferred, deferred.LockToken);
        _queue.Enqueue(Incoming("active"));
        var active = _queue.Peek(deferred.SequenceNumber + 1, 1, deadLetter: false)[0].SequenceNumber;

        var response = _node.Handle(Request(ManagementOperations.ReceiveBySequenceNumber,
            new Map { ["sequence-numbers"] = new[] { deferred.SequenceNumber, active } }));

        Assert.Equal(404, Status(response));
        Assert.Equal("com.microsoft:message-not-found", Condition(response));
        Assert.Equal(MessageState.Deferred, deferred.State);
    }

    [Fact]
    public void UpdateDisposition_AbandonedDeferredMessage_StaysDeferred()
    {
        var message = Locked("deferred");
        _queue.TryDefer(message, message.LockToken);
        Assert.True(_queue.TryLockDeferred(message.SequenceNumber, out _));

        var response = _node.Handle(Request(ManagementOperations.UpdateDisposition,
            new Map { ["lock-tokens"] = new[] { message.LockToken }, ["disposition-status"] = "abandoned" }));

        Assert.Equal(200, Status(response));
        Assert.Equal(MessageState.Deferred, message.State);
        Assert.False(_queue.TryLockForReceiver(out _));
    }

    [Fact]
    public void UpdateDisposition_Suspended_DeadLettersWithReasonAndChangedProperties()
    {
        var message = Locked("bad");

        var response = _node.Handle(Request(ManagementOperations.UpdateDisposition, new Map
        {
            ["lock-tokens"] = new[] { message.LockToken },
            ["disposition-status"] = "suspended",
            ["deadletter-reason"] = "Invalid",
            ["deadletter-description"] = "no contact",
            ["properties-to-modify"] = new Map { ["checkedBy"] = "app" },
        }));

        Assert.Equal(200, Status(response));
        Assert.Equal((MessageState.DeadLettered, "Invalid", "no contact"), (message.State, message.DeadLetterReason, message.DeadLetterErrorDescription));
        Assert.Equal("app", message.Message.ApplicationProperties["checkedBy"]);
    }

    [Fact]
    public void UpdateDisposition_UnknownLockToken_IsMessageLockLost()
    {
        var response = _node.Handle(Request(ManagementOperations.UpdateDisposition,
            new Map { ["lock-tokens"] = new[] { Guid.NewGuid() }, ["disposition-status"] = "completed" }));

        Assert.Equal(410, Status(response));
        Assert.Equal("com.microsoft:message-lock-lost", Condition(response));
    }

    [Fact]
    public void UpdateDisposition_DeadLetterNode_CompletesALockedDeadLetter()
    {
        var message = Locked("bad");
        _queue.TryDeadLetter(message, message.LockToken, "Bad", null);
        Assert.True(_queue.TryLockDeadLetter(out var deadLetter));

        var response = _deadLetterNode.Handle(Request(ManagementOperations.UpdateDisposition,
            new Map { ["lock-tokens"] = new[] { deadLetter.LockToken }, ["disposition-status"] = "completed" }));

        Assert.Equal(200, Status(response));
        Assert.Equal(1, _queue.DeadLettersCompleted);
    }

    [Theory]
    [InlineData("com.microsoft:renew-session-lock")]
    [InlineData("com.microsoft:add-rule")]
    [InlineData("com.microsoft:enumerate-sessions")]
    public void OtherOperations_AreNotImplemented(string operation)
    {
        var response = _node.Handle(Request(operation, new Map()));

        Assert.Equal(501, Status(response));
        Assert.Equal("amqp:not-implemented", Condition(response));
        Assert.Contains(operation, (string)response.ApplicationProperties["statusDescription"]);
    }

    [Fact]
    public void MalformedRequest_IsAnArgumentErrorNamingTheField()
    {
        var response = _node.Handle(Request(ManagementOperations.PeekMessage, new Map { ["from-sequence-number"] = "one", ["message-count"] = 1 }));

        Assert.Equal(400, Status(response));
        Assert.Equal("com.microsoft:argument-error", Condition(response));
        Assert.Contains("from-sequence-number", (string)response.ApplicationProperties["statusDescription"]);
    }
}
