using System.Security.Cryptography;
using System.Text.Json;
using Omni.Core.Contacts;
using Omni.Core.Messages;
using Omni.Functions.Http;
using Omni.Core;

namespace Omni.Functions.Messages;

/// <summary>
/// <c>POST /api/messages</c>, <c>POST /api/messages/batch</c> and <c>GET /api/messages/{id}</c> (functions SendMessage,
/// SendMessageBatch, GetMessage). A message is recorded, then queued on <c>outbound</c>; the answer is 202 with its id
/// and status URL. <c>Idempotency-Key</c>: the same key and request give the same message (200), compared parsed (not
/// byte for byte: see <see cref="CanonicalJson"/>); the same key with another request is a 409; keys are kept 48 hours.
/// </summary>
public static class MessagesApi
{
    public const int MaxBodyBytes = 256 * 1024;
    public const int MaxBatchBodyBytes = 4 * 1024 * 1024;
    public const int MaxBatch = 100;
    public const int MaxIdempotencyKeyLength = 255;
    private const string IdempotencyHeader = "Idempotency-Key";

    public static void MapMessagesApi(this WebApplication app)
    {
        var group = app.MapGroup("/api/messages").WithTags("Messages");
        group.MapPost("/", SendAsync).WithName("SendMessage").RequireAuthorization(CallerRoles.MessagesSend)
            .WithSummary("Sends a message to a contact (or to inline addresses): Omni picks the channel(s). Idempotency-Key header recommended.")
            .Accepts<MessageRequest>("application/json")
            .Produces<MessageAccepted>(202).Produces<MessageAccepted>(200)
            .ProducesValidationProblem().ProducesProblem(409).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(503);
        group.MapPost("/batch", SendBatchAsync).WithName("SendMessageBatch").RequireAuthorization(CallerRoles.MessagesSend)
            .WithSummary($"Sends up to {MaxBatch} messages; all are validated first and none is accepted unless all are valid.")
            .Accepts<MessageBatchRequest>("application/json")
            .Produces<MessageBatchAccepted>(202).Produces<MessageBatchAccepted>(200)
            .ProducesValidationProblem().ProducesProblem(409).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(503);
        group.MapGet("/{id}", GetAsync).WithName("GetMessage").RequireAuthorization(CallerRoles.MessagesRead)
            .WithSummary("A message's status, plan, decision trace and attempts (with status history and cost). Addresses are masked.")
            .Produces<MessageView>().ProducesProblem(404);
    }

    public sealed record MessageAccepted(string Id, string Status, string StatusUrl);

    public sealed record MessageBatchRequest(IReadOnlyList<MessageRequest>? Messages);

    public sealed record MessageBatchAccepted(IReadOnlyList<MessageAccepted> Messages);

    internal static async Task<IResult> SendAsync(HttpRequest http, OutboundPipeline pipeline, IContactStore contacts,
        IIdempotencyStore idempotency, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (bytes, problem) = await JsonBody.ReadBytesAsync(http, ["application/json"], MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var parsed = JsonBody.Deserialize<MessageRequest>(bytes, "a message request (see docs/messages.md)");
        if (parsed.Problem is not null)
        {
            return parsed.Problem;
        }
        var request = parsed.Value!;
        var errors = new ValidationErrors();
        var key = ReadIdempotencyKey(http, errors);
        Validate(request, "", errors);
        if (!errors.IsValid)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        if (await MissingContactAsync([request], contacts, cancellationToken) is { } missing)
        {
            return missing;
        }

        var now = clock.GetUtcNow();
        var hash = CanonicalJson.Fingerprint(request, ApiJsonContext.Default.MessageRequest);
        var id = MessageIds.New(now);
        var replay = false;
        if (key is not null)
        {
            var entry = await idempotency.ClaimAsync("messages", key, hash, id, now, cancellationToken);
            if (!entry.Created)
            {
                if (!SameRequest(entry.RequestHash, hash, bytes) || !MessageRequestValidator.IsValidId(entry.Result))
                {
                    return Problems.Conflict("This Idempotency-Key was used with a different request (or a batch); send the same request to get its answer again, or use a new key for a new message.");
                }
                id = entry.Result;
                replay = true;
            }
        }

        var record = NewRecord(request, id, hash, now);
        StoredMessage stored;
        try
        {
            stored = await pipeline.AcceptAsync(record, cancellationToken);
        }
        catch (Exception e) when (e is global::Azure.RequestFailedException or Omni.Azure.ServiceBus.ServiceBusException or HttpRequestException)
        {
            return await QueueUnavailableAsync(pipeline, [id], key is null, now, cancellationToken);
        }
        var body = Accepted(stored.Record);
        http.HttpContext.Response.Headers.Location = body.StatusUrl;
        return replay ? TypedResults.Ok(body) : TypedResults.Accepted(body.StatusUrl, body);
    }

    internal static async Task<IResult> SendBatchAsync(HttpRequest http, OutboundPipeline pipeline, IContactStore contacts,
        IIdempotencyStore idempotency, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (bytes, problem) = await JsonBody.ReadBytesAsync(http, ["application/json"], MaxBatchBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var parsed = JsonBody.Deserialize<MessageBatchRequest>(bytes, $"a batch, {{\"messages\": [...]}} with 1–{MaxBatch} message requests (see docs/messages.md)");
        if (parsed.Problem is not null)
        {
            return parsed.Problem;
        }
        var batch = parsed.Value!.Messages;
        var errors = new ValidationErrors();
        var key = ReadIdempotencyKey(http, errors);
        if (batch is null || batch.Count == 0 || batch.Count > MaxBatch)
        {
            errors.Add("messages", $"Give 1–{MaxBatch} messages.");
        }
        else
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i] is null)
                {
                    errors.Add($"messages[{i}]", "Must be a message object.");
                    continue;
                }
                Validate(batch[i], $"messages[{i}].", errors);
            }
        }
        if (!errors.IsValid)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        if (await MissingContactAsync(batch!, contacts, cancellationToken) is { } missing)
        {
            return missing;
        }

        var messages = batch!;
        var now = clock.GetUtcNow();
        var hash = CanonicalJson.Fingerprint(parsed.Value!, ApiJsonContext.Default.MessageBatchRequest);
        var ids = messages.Select(_ => MessageIds.New(now)).ToList();
        var replay = false;
        if (key is not null)
        {
            var entry = await idempotency.ClaimAsync("messages", key, hash, JsonSerializer.Serialize(ids, JsonBody.Options.TypeInfo<List<string>>()), now, cancellationToken);
            if (!entry.Created)
            {
                List<string>? previous = null;
                try
                {
                    previous = entry.Result.StartsWith('[') ? JsonSerializer.Deserialize(entry.Result, JsonBody.Options.TypeInfo<List<string>>()) : null;
                }
                catch (JsonException)
                {
                }
                if (!SameRequest(entry.RequestHash, hash, bytes) || previous is null || previous.Count != messages.Count)
                {
                    return Problems.Conflict("This Idempotency-Key was used with a different request (or a single message); send the same batch to get its answer again, or use a new key for a new batch.");
                }
                ids = previous;
                replay = true;
            }
        }

        var accepted = new List<MessageAccepted>(messages.Count);
        try
        {
            // One message at a time keeps "recorded before queued" simple; the route messages are small.
            for (var i = 0; i < messages.Count; i++)
            {
                var stored = await pipeline.AcceptAsync(NewRecord(messages[i], ids[i], hash, now), cancellationToken);
                accepted.Add(Accepted(stored.Record));
            }
        }
        catch (Exception e) when (e is global::Azure.RequestFailedException or Omni.Azure.ServiceBus.ServiceBusException or HttpRequestException)
        {
            return await QueueUnavailableAsync(pipeline, ids, key is null, now, cancellationToken);
        }
        var body = new MessageBatchAccepted(accepted);
        return replay ? TypedResults.Ok(body) : TypedResults.Json(body, ApiJsonContext.Default.MessageBatchAccepted, statusCode: StatusCodes.Status202Accepted);
    }

    internal static async Task<IResult> GetAsync(string id, IMessageStore store, CancellationToken cancellationToken)
    {
        if (!MessageRequestValidator.IsValidId(id))
        {
            return Problems.NotFound($"There is no message {id}.");
        }
        var stored = await store.GetAsync(id, cancellationToken);
        return stored is null ? Problems.NotFound($"There is no message {id}.") : TypedResults.Ok(MessageView.From(stored.Record));
    }

    private static void Validate(MessageRequest request, string prefix, ValidationErrors errors)
    {
        if (request.Id is not null)
        {
            errors.Add(prefix + "id", "Omni assigns message ids; send an Idempotency-Key header to make retries safe.");
        }
        var own = new ValidationErrors();
        MessageRequestValidator.Validate(request, own);
        foreach (var (field, messages) in own.ToDictionary())
        {
            foreach (var message in messages)
            {
                errors.Add(prefix + field, message);
            }
        }
    }

    /// <summary>
    /// Whether a stored request fingerprint is this request's: the canonical fingerprint, so whitespace and property order
    /// do not matter. Rows from before it (kept 48 hours) hold the SHA-256 of the raw bytes and still match a byte-identical
    /// retry, as they did when written; only a reformatted retry of such a row is a 409.
    /// </summary>
    private static bool SameRequest(string stored, string fingerprint, byte[] body) =>
        string.Equals(stored, fingerprint, StringComparison.Ordinal)
        || (!stored.StartsWith(CanonicalJson.FingerprintPrefix, StringComparison.Ordinal)
            && string.Equals(stored, Convert.ToHexStringLower(SHA256.HashData(body)), StringComparison.Ordinal));

    private static string? ReadIdempotencyKey(HttpRequest http, ValidationErrors errors)
    {
        if (!http.Headers.TryGetValue(IdempotencyHeader, out var values))
        {
            return null;
        }
        var key = values.ToString();
        if (values.Count != 1 || key.Length is 0 or > MaxIdempotencyKeyLength || key.Any(c => c < 0x21 || c > 0x7e))
        {
            errors.Add(IdempotencyHeader, $"One value of 1–{MaxIdempotencyKeyLength} visible ASCII characters (a UUID is a good key).");
            return null;
        }
        return key;
    }

    private static async Task<IResult?> MissingContactAsync(IReadOnlyList<MessageRequest> requests, IContactStore contacts, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        for (var i = 0; i < requests.Count; i++)
        {
            if (requests[i].ContactId is { } contactId && await contacts.GetAsync(contactId, cancellationToken) is null)
            {
                errors.Add(requests.Count == 1 ? "contactId" : $"messages[{i}].contactId", $"There is no contact {contactId}; create it first (PUT /api/contacts/{{id}}).");
            }
        }
        return errors.IsValid ? null : TypedResults.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "Unknown contact",
            Detail = "The message names a contact that does not exist.",
            Extensions = { ["errors"] = errors.ToDictionary() },
        });
    }

    private static MessageRecord NewRecord(MessageRequest request, string id, string hash, DateTimeOffset now) => new()
    {
        Id = id,
        ContactId = request.ContactId,
        Request = request with { Id = id },
        RequestHash = hash,
        Status = MessageStatus.Accepted,
        AcceptedAt = now,
        UpdatedAt = now,
        Trace = ["Accepted by the API."],
    };

    private static MessageAccepted Accepted(MessageRecord record) => new(record.Id, record.Status.Name(), $"/api/messages/{record.Id}");

    /// <summary>
    /// Service Bus did not take the message. With an Idempotency-Key the record stays accepted: the client's retry with the
    /// same key queues it. Without one, a retry would be a new message, so this one is marked rejected (never sent twice).
    /// </summary>
    private static async Task<IResult> QueueUnavailableAsync(OutboundPipeline pipeline, IReadOnlyList<string> ids, bool reject, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (reject)
        {
            foreach (var id in ids)
            {
                try
                {
                    await pipeline.UpdateAsync(id, r => r.Status == MessageStatus.Accepted
                        ? r with { Status = MessageStatus.Rejected, Reason = "The outbound queue was unavailable; not sent.", UpdatedAt = now }
                        : null, cancellationToken);
                }
                catch (Exception e) when (e is global::Azure.RequestFailedException or HttpRequestException)
                {
                    // Storage is down too: the record stays "accepted" and is never routed; nothing is sent.
                }
            }
        }
        return TypedResults.Problem(
            reject ? "The outbound queue is unavailable; nothing was sent. Retry later (with an Idempotency-Key to make retries safe)."
                   : "The outbound queue is unavailable. Retry with the same Idempotency-Key; the message is sent once.",
            statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service unavailable");
    }
}
