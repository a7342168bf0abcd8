using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Omni.DevHost;
using Omni.DevHost.Http;
using Omni.DevHost.Sandbox;

namespace Omni.EndToEnd.Tests.Faults;

/// <summary>How a message ended (docs/reliability.md, "Invariants").</summary>
public enum TerminalKind
{
    /// <summary>Status <c>delivered</c> or <c>read</c>, with a delivered/read attempt.</summary>
    Delivered,

    /// <summary>Status <c>undeliverable</c> with a reason.</summary>
    Undeliverable,

    Expired,

    /// <summary>Status <c>capped</c> (frequency cap) with a reason.</summary>
    Capped,

    /// <summary>Status <c>rejected</c> (invalid on the queue) with a reason.</summary>
    Rejected,

    /// <summary>Not final in the message log, but a queue message of it is in a dead-letter queue, visible in <c>GET /api/ops/deadletters/{queue}</c>.</summary>
    DeadLettered,
}

/// <summary>One message at the end of a fault run.</summary>
/// <param name="Message">The last <c>GET /api/messages/{id}</c> body.</param>
/// <param name="DeadLetterQueues">The queues holding a dead letter of this message.</param>
public sealed record MessageOutcome(string Id, TerminalKind Kind, string Status, string? Reason, JsonElement Message, IReadOnlyList<string> DeadLetterQueues);

/// <summary>What <see cref="DeliveryInvariants.CheckAsync"/> saw; <see cref="Violations"/> is empty when every invariant held.</summary>
public sealed record DeliveryReport(
    IReadOnlyDictionary<string, MessageOutcome> Outcomes,
    IReadOnlyDictionary<(string MessageId, int Step), IReadOnlyList<SandboxCall>> AcceptedSends,
    IReadOnlyList<string> Violations)
{
    public int Count(TerminalKind kind) => Outcomes.Values.Count(o => o.Kind == kind);
}

/// <summary>
/// The end-state invariants of a fault run, for any test that accepted messages on a <see cref="DevHostServer"/>:
/// <list type="number">
/// <item><b>Terminal, exactly once.</b> Every accepted message reaches one terminal state within the timeout: delivered
/// (or read), undeliverable with a reason, expired, capped/rejected with a reason, or dead-lettered (a queue message of it
/// listed by <c>GET /api/ops/deadletters/{queue}</c>, and its log not final). A message both final in the log and
/// dead-lettered is a violation.</item>
/// <item><b>At most one accepted send per (message, step).</b> Over the sandbox call log, counting only
/// <see cref="SandboxCall.Accepted"/> calls (replays of a repeatability id / Operation-Id are not new calls). A call is
/// tied to its (message, step) by the ACS idempotency id Omni derives from <c>"{messageId}:{step}"</c>, or, for Twilio
/// (which has none), by the recipient address when the caller passes <c>recipients</c>.</item>
/// <item><b>No status moves backwards.</b> Each attempt's history is a chain of forward moves of the attempt status
/// machine (pending &lt; queued &lt; sent &lt; delivered &lt; read; failed/expired terminal and never after delivery) ending
/// in the attempt's status.</item>
/// <item><b>Nothing out of thin air.</b> Every provider message id Omni recorded on an ACS/Twilio attempt was issued by the
/// sandbox for an accepted send.</item>
/// </list>
/// Violations name the message ids and what was seen. Read-only over the app: it only GETs.
/// </summary>
public static class DeliveryInvariants
{
    /// <summary>The queues whose dead letters carry a message id (<c>id</c> for outbound, <c>messageId</c> for the others).</summary>
    public static readonly IReadOnlyList<string> MessageQueues = ["outbound", "send-sms", "send-email", "send-whatsapp", "send-webhook", "escalations"];

    /// <summary>
    /// Waits (at most <paramref name="timeout"/>) until every message in <paramref name="messageIds"/> is terminal, lets
    /// pending sandbox reports finish, then checks the invariants and fails the test listing every violation.
    /// </summary>
    /// <param name="recipients">Optional: each message's recipient addresses (phone number, email, WhatsApp number)
    /// → message id, so that Twilio sends (no idempotency id) are counted too. Addresses must be unique to one message.</param>
    public static async Task<DeliveryReport> AssertAsync(DevHostServer server, HttpClient http, IReadOnlyCollection<string> messageIds,
        TimeSpan timeout, IReadOnlyDictionary<string, string>? recipients = null)
    {
        var report = await CheckAsync(server, http, messageIds, timeout, recipients);
        if (report.Violations.Count > 0)
        {
            Assert.Fail($"{report.Violations.Count} delivery invariant violation(s) over {messageIds.Count} message(s):\n  " +
                string.Join("\n  ", report.Violations.Take(50)) + (report.Violations.Count > 50 ? "\n  …" : ""));
        }
        return report;
    }

    /// <summary>As <see cref="AssertAsync"/>, but returns the violations instead of failing.</summary>
    public static async Task<DeliveryReport> CheckAsync(DevHostServer server, HttpClient http, IReadOnlyCollection<string> messageIds,
        TimeSpan timeout, IReadOnlyDictionary<string, string>? recipients = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(messageIds);
        var ids = messageIds.Distinct(StringComparer.Ordinal).ToList();
        var deadline = DateTime.UtcNow + timeout;
        var violations = new List<string>();

        // 1. Wait until every message is terminal (in the log, or dead-lettered).
        var messages = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var deadLetters = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var waiting = ids.ToList();
        var lastScan = DateTime.MinValue;
        while (true)
        {
            foreach (var (id, message) in await GetMessagesAsync(server, http, waiting))
            {
                messages[id] = message;
            }
            waiting = [.. waiting.Where(id => !messages.TryGetValue(id, out var m) || !IsFinal(Status(m)))];
            if (waiting.Count > 0 && DateTime.UtcNow - lastScan > TimeSpan.FromSeconds(1))
            {
                deadLetters = await DeadLettersAsync(server, http);
                lastScan = DateTime.UtcNow;
            }
            waiting = [.. waiting.Where(id => !deadLetters.ContainsKey(id))];
            if (waiting.Count == 0 || DateTime.UtcNow > deadline)
            {
                break;
            }
            await Task.Delay(200);
        }

        // 2. Settle: reports still in flight may move delivered → read, or arrive late and must change nothing backwards.
        await server.Sandbox.WhenReportsIdleAsync(TimeSpan.FromSeconds(Math.Max(1, (deadline - DateTime.UtcNow).TotalSeconds)));
        foreach (var (id, message) in await GetMessagesAsync(server, http, ids))
        {
            messages[id] = message;
        }
        deadLetters = await DeadLettersAsync(server, http);

        var outcomes = new Dictionary<string, MessageOutcome>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var queues = deadLetters.TryGetValue(id, out var q) ? q : [];
            if (!messages.TryGetValue(id, out var message))
            {
                violations.Add($"{id}: GET /api/messages/{id} never answered 200" + (queues.Count > 0 ? $" (dead-lettered in {string.Join(", ", queues)})" : ""));
                continue;
            }
            var status = Status(message);
            var reason = message.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            TerminalKind? kind = status switch
            {
                "delivered" or "read" => TerminalKind.Delivered,
                "undeliverable" => TerminalKind.Undeliverable,
                "expired" => TerminalKind.Expired,
                "capped" => TerminalKind.Capped,
                "rejected" => TerminalKind.Rejected,
                _ => queues.Count > 0 ? TerminalKind.DeadLettered : null,
            };
            if (kind is not { } k)
            {
                violations.Add($"{id}: not terminal after {timeout.TotalSeconds:0} s: status {status}, attempts [{DescribeAttempts(message)}], not dead-lettered");
                continue;
            }
            outcomes[id] = new MessageOutcome(id, k, status, reason, message, queues);
            if (k != TerminalKind.DeadLettered && queues.Count > 0)
            {
                violations.Add($"{id}: two terminal states: {status} in the log and dead-lettered in {string.Join(", ", queues)}");
            }
            if (k is TerminalKind.Undeliverable or TerminalKind.Capped or TerminalKind.Rejected && string.IsNullOrWhiteSpace(reason))
            {
                violations.Add($"{id}: {status} without a reason");
            }
            if (k == TerminalKind.Delivered && !Attempts(message).Any(a => a.Status is "delivered" or "read"))
            {
                violations.Add($"{id}: status {status} but no delivered/read attempt: [{DescribeAttempts(message)}]");
            }
            CheckHistories(id, message, violations);
        }

        // 3. Sends: at most one accepted per (message, step); every recorded provider message id was issued by the sandbox.
        var calls = server.Sandbox.Calls.List();
        var accepted = AcceptedSends(ids, messages, calls, recipients);
        for (var i = 0; i < violations.Count; i++)
        {
            // For a message that never ended, what the sandbox did with its accepted sends (and their reports) says why.
            var stuck = violations[i].Split(':', 2)[0];
            if (violations[i].Contains("not terminal", StringComparison.Ordinal))
            {
                violations[i] += "; accepted sends: [" + string.Join("; ", accepted.Where(a => a.Key.MessageId == stuck).SelectMany(a => a.Value).Select(c =>
                    $"{c.Provider}/{c.Channel} status {c.ResponseStatus}{(c.Fault is null ? "" : " fault " + c.Fault)} report {c.ReportStatus ?? "-"} posted {c.ReportPosted}{(c.ReportNote is null ? "" : " (" + c.ReportNote + ")")}")) + "]";
            }
        }
        foreach (var ((id, step), sends) in accepted.Where(a => a.Value.Count > 1).OrderBy(a => a.Key.MessageId, StringComparer.Ordinal))
        {
            violations.Add($"{id} step {step}: {sends.Count} accepted sends: " + string.Join("; ", sends.Select(c =>
                $"call {c.Id} {c.Provider}/{c.Channel} status {c.ResponseStatus}{(c.Fault is null ? "" : " fault " + c.Fault)} id {c.ProviderMessageId}")));
        }
        var issued = calls.Where(c => c.Accepted && c.ProviderMessageId is not null).Select(c => c.ProviderMessageId!).ToHashSet(StringComparer.Ordinal);
        foreach (var (id, message) in messages)
        {
            foreach (var attempt in Attempts(message))
            {
                if (attempt.Provider is "acs" or "twilio" && attempt.ProviderMessageId is { } pid && attempt.Status is not ("pending" or "failed")
                    && !issued.Contains(pid))
                {
                    violations.Add($"{id} step {attempt.Step}: {attempt.Status} with {attempt.Provider} message id {pid}, which the sandbox never issued for an accepted send");
                }
            }
        }
        return new DeliveryReport(outcomes, accepted, violations);
    }

    /// <summary>
    /// The id Omni's ACS senders derive from the idempotency key <c>"{messageId}:{step}"</c> (purpose <c>acs-sms</c>,
    /// <c>acs-email</c>, <c>acs-whatsapp</c>): a UUIDv8 over SHA-256 of <c>"{purpose}\n{key}"</c>, as
    /// <c>Omni.Channels.Outbound.DeterministicGuid</c> computes it (that assembly is not referenced here).
    /// </summary>
    public static string AcsIdempotencyId(string purpose, string messageId, int step)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{purpose}\n{messageId}:{step}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString("D");
    }

    private static Dictionary<(string MessageId, int Step), IReadOnlyList<SandboxCall>> AcceptedSends(IReadOnlyList<string> ids,
        Dictionary<string, JsonElement> messages, IReadOnlyList<SandboxCall> calls, IReadOnlyDictionary<string, string>? recipients)
    {
        var byIdempotency = new Dictionary<string, (string, int)>(StringComparer.OrdinalIgnoreCase);
        foreach (var id in ids)
        {
            var steps = messages.TryGetValue(id, out var m) && m.TryGetProperty("plan", out var plan) ? plan.GetArrayLength() : 4;
            for (var step = 0; step < Math.Max(steps, 1); step++)
            {
                foreach (var purpose in new[] { "acs-sms", "acs-email", "acs-whatsapp" })
                {
                    byIdempotency[AcsIdempotencyId(purpose, id, step)] = (id, step);
                }
            }
        }
        var result = new Dictionary<(string, int), List<SandboxCall>>();
        foreach (var call in calls.Where(c => c.Accepted))
        {
            (string, int)? key = null;
            if (call.IdempotencyId is { } idem && byIdempotency.TryGetValue(idem, out var k))
            {
                key = k;
            }
            else if (recipients is not null && call.Recipient is { } to && recipients.TryGetValue(StripScheme(to), out var owner) &&
                messages.TryGetValue(owner, out var message))
            {
                // The plan step on this call's channel (the plan shows addresses masked, so the channel decides).
                var steps = message.GetProperty("plan").EnumerateArray()
                    .Where(s => string.Equals(s.GetProperty("channel").GetString(), call.Channel, StringComparison.OrdinalIgnoreCase))
                    .Select(s => s.GetProperty("step").GetInt32()).ToList();
                key = (owner, steps.Count > 0 ? steps[0] : -1);
            }
            if (key is { } found)
            {
                if (!result.TryGetValue(found, out var list))
                {
                    result[found] = list = [];
                }
                list.Add(call);
            }
        }
        return result.ToDictionary(e => e.Key, e => (IReadOnlyList<SandboxCall>)e.Value);
    }

    private static string StripScheme(string address) =>
        address.StartsWith("whatsapp:", StringComparison.OrdinalIgnoreCase) ? address["whatsapp:".Length..] : address;

    private static void CheckHistories(string id, JsonElement message, List<string> violations)
    {
        foreach (var attempt in Attempts(message))
        {
            var history = attempt.History;
            for (var i = 1; i < history.Count; i++)
            {
                if (!CanMove(history[i - 1], history[i]))
                {
                    violations.Add($"{id} step {attempt.Step} ({attempt.Channel}): status moved backwards or out of a terminal state: {string.Join(" → ", history)}");
                    break;
                }
            }
            if (history.Count > 0 && history[^1] != attempt.Status)
            {
                violations.Add($"{id} step {attempt.Step} ({attempt.Channel}): status {attempt.Status} but its history ends in {history[^1]}: {string.Join(" → ", history)}");
            }
        }
    }

    /// <summary>The attempt status machine (shared/Omni.Core/Messages/MessageStatus.cs), over wire names.</summary>
    internal static bool CanMove(string current, string next)
    {
        static bool Terminal(string s) => s is "failed" or "expired";
        static int Rank(string s) => s switch { "pending" => 0, "queued" => 1, "sent" => 2, "delivered" => 3, "read" => 4, _ => 5 };
        if (current == "pending" && next == "pending")
        {
            return true; // a note on a pending send (a Twilio call started or unconfirmed, docs/reliability.md), not a move
        }
        if (current == next || Terminal(current))
        {
            return false;
        }
        return Terminal(next) ? current is not ("delivered" or "read") : Rank(next) > Rank(current);
    }

    private static bool IsFinal(string status) => status is "delivered" or "read" or "undeliverable" or "expired" or "capped" or "rejected";

    private static string Status(JsonElement message) => message.GetProperty("status").GetString() ?? "";

    private sealed record AttemptInfo(int Step, string Channel, string Status, string? Provider, string? ProviderMessageId, IReadOnlyList<string> History);

    private static List<AttemptInfo> Attempts(JsonElement message) =>
        message.TryGetProperty("attempts", out var attempts)
            ? [.. attempts.EnumerateArray().Select(a => new AttemptInfo(
                a.GetProperty("step").GetInt32(),
                a.GetProperty("channel").GetString() ?? "",
                a.GetProperty("status").GetString() ?? "",
                a.TryGetProperty("provider", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null,
                a.TryGetProperty("providerMessageId", out var pid) && pid.ValueKind == JsonValueKind.String ? pid.GetString() : null,
                a.TryGetProperty("history", out var h) ? [.. h.EnumerateArray().Select(e => e.GetProperty("status").GetString() ?? "")] : []))]
            : [];

    private static string DescribeAttempts(JsonElement message) =>
        string.Join(", ", Attempts(message).Select(a => $"{a.Step}:{a.Channel}/{a.Provider ?? "-"} {string.Join("→", a.History)}"));

    private static async Task<List<(string Id, JsonElement Message)>> GetMessagesAsync(DevHostServer server, HttpClient http, IReadOnlyList<string> ids)
    {
        using var gate = new SemaphoreSlim(4);
        var results = await Task.WhenAll(ids.Select(async id =>
        {
            await gate.WaitAsync();
            try
            {
                using var response = await http.GetAsync(new Uri(server.BaseAddress, "api/messages/" + Uri.EscapeDataString(id)));
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    return ((string, JsonElement)?)null;
                }
                using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                return (id, document.RootElement.Clone());
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                return null;
            }
            finally
            {
                gate.Release();
            }
        }));
        return [.. results.Where(r => r is not null).Select(r => r!.Value)];
    }

    /// <summary>Message id → the queues holding one of its dead letters (from the ops API, up to 100 per queue).</summary>
    private static async Task<Dictionary<string, List<string>>> DeadLettersAsync(DevHostServer server, HttpClient http)
    {
        var found = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var queue in MessageQueues)
        {
            try
            {
                // An admin function: the master key, whatever key the caller's client sends.
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, $"api/ops/deadletters/{queue}?max=100"));
                request.Headers.Add(FunctionKeys.HeaderName, server.Keys.MasterKey);
                using var response = await http.SendAsync(request);
                if (!response.IsSuccessStatusCode)
                {
                    continue;
                }
                using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                foreach (var dead in document.RootElement.GetProperty("messages").EnumerateArray())
                {
                    if (!dead.TryGetProperty("body", out var body) || body.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }
                    var id = body.TryGetProperty("messageId", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()
                        : body.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
                    if (id is null)
                    {
                        continue;
                    }
                    if (!found.TryGetValue(id, out var queues))
                    {
                        found[id] = queues = [];
                    }
                    if (!queues.Contains(queue))
                    {
                        queues.Add(queue);
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
            {
                // A queue that cannot be read now is read again on the next round.
            }
        }
        return found;
    }
}
