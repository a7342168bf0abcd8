namespace Omni.DevHost.Sandbox;

/// <summary>
/// One send a sandbox provider received, for one recipient. A repeated send under the same repeatability id or
/// Operation-Id is not a new call: it increments <see cref="Replays"/> of the original.
/// </summary>
public sealed record SandboxCall
{
    public long Id { get; init; }

    /// <summary><c>acs</c> or <c>twilio</c>.</summary>
    public required string Provider { get; init; }

    /// <summary><c>sms</c>, <c>email</c> or <c>whatsapp</c>.</summary>
    public required string Channel { get; init; }

    public string? Recipient { get; init; }

    public string? From { get; init; }

    /// <summary>The SMS/WhatsApp text, the email's plain text (or HTML), or <c>template:{name}</c>.</summary>
    public string? Text { get; init; }

    public string? Subject { get; init; }

    /// <summary>The repeatability request id (ACS SMS/WhatsApp), Operation-Id (ACS Email) or I-Twilio-Idempotency-Token.</summary>
    public string? IdempotencyId { get; init; }

    public bool AuthOk { get; init; }

    /// <summary>Why authentication failed, without secrets.</summary>
    public string? AuthError { get; init; }

    public DateTimeOffset Time { get; init; }

    /// <summary>
    /// The HTTP status answered (for ACS SMS the recipient's <c>httpStatusCode</c>); 0 when no answer was given (the
    /// connection was dropped, or the client gave up before a held answer).
    /// </summary>
    public int ResponseStatus { get; init; }

    /// <summary>
    /// Whether the provider took the send for delivery (it will reach the recipient and get its report), whatever the
    /// client was answered: also true for the faults that accept and then answer too late, drop the connection or
    /// answer a malformed body. Replays of the same repeatability id / Operation-Id never add an accepted call.
    /// </summary>
    public bool Accepted { get; init; }

    /// <summary>The fault the deciding rule injected (<c>throttled</c>, <c>error</c>, <c>timeout</c>, <c>drop</c>, <c>malformed</c>, …), null for none.</summary>
    public string? Fault { get; init; }

    public string? ProviderMessageId { get; init; }

    /// <summary>The index of the rule that decided, null for the defaults.</summary>
    public int? Rule { get; init; }

    /// <summary>How often the same send was repeated and answered from the first result.</summary>
    public int Replays { get; init; }

    /// <summary>The report planned: <c>delivered</c>, <c>failed</c>, or null when none will be posted.</summary>
    public string? ReportStatus { get; init; }

    /// <summary>Whether the delivery report was accepted by its receiver.</summary>
    public bool ReportPosted { get; init; }

    public int ReportAttempts { get; init; }

    /// <summary>Why no report was or will be posted, or why posting failed.</summary>
    public string? ReportNote { get; init; }
}

/// <summary>The recorded calls (the most recent <see cref="Capacity"/>), thread-safe.</summary>
public sealed class SandboxCallLog
{
    public const int Capacity = 2000;

    private readonly Lock _lock = new();
    private readonly LinkedList<SandboxCall> _calls = new();
    private long _nextId;

    public SandboxCall Add(SandboxCall call)
    {
        lock (_lock)
        {
            var stored = call with { Id = ++_nextId };
            _calls.AddLast(stored);
            if (_calls.Count > Capacity)
            {
                _calls.RemoveFirst();
            }
            return stored;
        }
    }

    /// <summary>Applies <paramref name="change"/> to the call with <paramref name="id"/>, if it is still kept.</summary>
    public SandboxCall? Update(long id, Func<SandboxCall, SandboxCall> change)
    {
        lock (_lock)
        {
            for (var node = _calls.Last; node is not null; node = node.Previous)
            {
                if (node.Value.Id == id)
                {
                    node.Value = change(node.Value) with { Id = id };
                    return node.Value;
                }
            }
            return null;
        }
    }

    /// <summary>The calls in arrival order, optionally only those to <paramref name="to"/> (exact).</summary>
    public IReadOnlyList<SandboxCall> List(string? to = null)
    {
        lock (_lock)
        {
            return _calls.Where(c => to is null || c.Recipient == to).ToList();
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _calls.Clear();
        }
    }
}
