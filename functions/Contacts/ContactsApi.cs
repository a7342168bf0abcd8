using System.Text.Json;
using System.Text.Json.Nodes;
using Omni.Core.Consent;
using Omni.Core.Contacts;
using Omni.Functions.Http;
using Omni.Core;

namespace Omni.Functions.Contacts;

/// <summary>
/// Contacts, their addresses and their consent (functions Contacts and ContactConsent). Every write is conditional
/// where the client asks (If-Match / If-None-Match) and every error is problem+json; nothing is half-written.
/// Contact ids, addresses and evidence are personal data: none of them is logged.
/// </summary>
public static class ContactsApi
{
    // Merge patch only: routing already refuses application/json here (415), so accepting it below was dead code.
    private static readonly string[] PatchMediaTypes = [Problems.MergePatchMediaType];
    private const string ContactShape = "a contact object (see docs/contacts.md)";

    public static void MapContactsApi(this WebApplication app)
    {
        var contacts = app.MapGroup("/api/contacts").WithTags("Contacts");

        contacts.MapGet("/", FindAsync).WithName("FindContact")
            .WithSummary("Finds the contact that has an address (phone, email, WhatsApp id, ...).")
            .Produces<ContactList>().ProducesValidationProblem();
        contacts.MapGet("/{id}", GetAsync).WithName("GetContact")
            .WithSummary("Gets a contact; the ETag header is its version for If-Match.")
            .Produces<ContactResource>().ProducesProblem(404);
        contacts.MapPut("/{id}", PutAsync).WithName("PutContact")
            .WithSummary("Creates or replaces a contact. If-Match: only that version; If-None-Match: * only if new.")
            .Accepts<ContactInput>("application/json")
            .Produces<ContactResource>(200).Produces<ContactResource>(201)
            .ProducesValidationProblem().ProducesProblem(409).ProducesProblem(412).ProducesProblem(413).ProducesProblem(415);
        contacts.MapPatch("/{id}", PatchAsync).WithName("PatchContact")
            .WithSummary("Changes some fields with a JSON merge patch (RFC 7396): null removes, objects merge.")
            .Accepts<ContactInput>(Problems.MergePatchMediaType)
            .Produces<ContactResource>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(412).ProducesProblem(413);
        contacts.MapDelete("/{id}", DeleteAsync).WithName("DeleteContact")
            .WithSummary("Erases a contact: profile, address index entries, consent history, and its message log and timeline.")
            .Produces(204).ProducesProblem(404).ProducesProblem(412);

        contacts.MapGet("/{id}/consent", GetConsentAsync).WithName("GetConsent")
            .WithSummary("Current consent per channel and category, and the full history.")
            .Produces<ConsentResource>().ProducesProblem(404);
        contacts.MapPost("/{id}/consent", PostConsentAsync).WithName("RecordConsent")
            .WithSummary("Records an opt-in or opt-out with its evidence. An opt-out is sticky: only the contact's own opt-in lifts it.")
            .Accepts<ConsentInput>("application/json")
            .Produces<ConsentResource>(201).ProducesValidationProblem().ProducesProblem(404).ProducesProblem(413).ProducesProblem(415);
    }

    public sealed record ContactList(IReadOnlyList<ContactResource> Items);

    internal static async Task<IResult> FindAsync(string? address, string? channel, string? region, IContactStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(address))
        {
            errors.Add("address", "Give the address to look up (listing every contact is not offered).");
            return Problems.Validation(errors.ToDictionary());
        }
        Channel parsed;
        if (channel is null)
        {
            parsed = address.Contains('@') ? Channel.Email : Channel.Sms;
        }
        else if (!Omni.Core.Contacts.Channels.TryParse(channel, out parsed))
        {
            errors.Add("channel", $"Unknown channel; use one of {string.Join(", ", Omni.Core.Contacts.Channels.All.Select(c => c.Name()))}.");
        }
        if (region is not null && !ContactRules.IsValidRegion(region, out var regionError))
        {
            errors.Add("region", regionError);
        }
        if (!errors.IsValid)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        if (!AddressNormalizer.TryNormalize(parsed, address, region, out var normalized, out var addressError))
        {
            errors.Add("address", addressError);
            return Problems.Validation(errors.ToDictionary());
        }
        var found = await store.FindByAddressAsync(parsed, normalized, cancellationToken);
        return TypedResults.Ok(new ContactList(found is null ? [] : [ContactResource.From(found.Contact)]));
    }

    internal static async Task<IResult> GetAsync(string id, HttpContext context, IContactStore store, CancellationToken cancellationToken)
    {
        if (InvalidId(id) is { } invalid)
        {
            return invalid;
        }
        var stored = await store.GetAsync(id, cancellationToken);
        if (stored is null)
        {
            return Problems.NotFound("No contact has this id.");
        }
        context.Response.Headers.ETag = stored.ETag;
        return TypedResults.Ok(ContactResource.From(stored.Contact));
    }

    internal static async Task<IResult> PutAsync(string id, HttpContext context, IContactStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (InvalidId(id) is { } invalid)
        {
            return invalid;
        }
        var body = await JsonBody.ReadAsync<ContactInput>(context.Request, JsonBody.DefaultMaxBytes, ContactShape, cancellationToken);
        if (body.Problem is { } problem)
        {
            return problem;
        }
        var errors = new ValidationErrors();
        var contact = body.Value!.ToContact(id, time.GetUtcNow(), errors);
        if (contact is null)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var headers = context.Request.Headers;
        var result = await store.PutAsync(contact, NullIfEmpty(headers.IfMatch.ToString()), NullIfEmpty(headers.IfNoneMatch.ToString()), cancellationToken);
        return Written(context, result, id);
    }

    internal static async Task<IResult> PatchAsync(string id, HttpContext context, IContactStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (InvalidId(id) is { } invalid)
        {
            return invalid;
        }
        var patch = await JsonBody.ReadNodeAsync(context.Request, PatchMediaTypes, JsonBody.DefaultMaxBytes, "a JSON merge patch of the contact's fields (see docs/contacts.md)", cancellationToken);
        if (patch.Problem is { } problem)
        {
            return problem;
        }
        var patchObject = (JsonObject)patch.Value!;
        if (ContactResource.ReadOnlyFields.FirstOrDefault(patchObject.ContainsKey) is { } readOnly)
        {
            return Problems.BadRequest($"'{readOnly}' is set by the server and cannot be patched; leave it out of the patch.");
        }
        var current = await store.GetAsync(id, cancellationToken);
        if (current is null)
        {
            return Problems.NotFound("No contact has this id; create it with PUT.");
        }

        var document = JsonSerializer.SerializeToNode(ContactResource.From(current.Contact), JsonBody.Options.TypeInfo<ContactResource>())!.AsObject();
        foreach (var field in ContactResource.ReadOnlyFields)
        {
            document.Remove(field);
        }
        var merged = MergePatch.Apply(document, patchObject)!;
        var input = JsonBody.Deserialize<ContactInput>(JsonSerializer.SerializeToUtf8Bytes(merged, JsonBody.Options.TypeInfo<JsonNode>()), ContactShape);
        if (input.Problem is { } shapeProblem)
        {
            return shapeProblem;
        }
        var errors = new ValidationErrors();
        var contact = input.Value!.ToContact(id, time.GetUtcNow(), errors);
        if (contact is null)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        // Without If-Match the patch still applies only to the version it was merged into: a concurrent change
        // makes it fail (412) instead of silently undoing the other writer's fields.
        var ifMatch = NullIfEmpty(context.Request.Headers.IfMatch.ToString()) ?? current.ETag;
        var result = await store.PutAsync(contact, ifMatch, ifNoneMatch: null, cancellationToken);
        return Written(context, result, id);
    }

    internal static async Task<IResult> DeleteAsync(string id, HttpContext context, IContactStore store, Omni.Core.Messages.IMessageStore messages, CancellationToken cancellationToken)
    {
        if (InvalidId(id) is { } invalid)
        {
            return invalid;
        }
        var ifMatch = NullIfEmpty(context.Request.Headers.IfMatch.ToString());
        var current = await store.GetAsync(id, cancellationToken);
        if (current is null)
        {
            return Problems.NotFound("No contact has this id.");
        }
        if (ifMatch is not null && ifMatch != "*" && ifMatch != current.ETag)
        {
            return Problems.PreconditionFailed("The contact changed since the version in If-Match; GET it for the current ETag and retry.");
        }
        // The message log (texts, addresses, timeline) goes first: if the contact's own erase then fails, a retried
        // DELETE still finds the contact and finishes; the other order could leave an orphaned log nobody can erase.
        await messages.EraseContactAsync(id, cancellationToken);
        var result = await store.DeleteAsync(id, ifMatch, cancellationToken);
        return result.Outcome switch
        {
            StoreOutcome.Deleted => TypedResults.NoContent(),
            StoreOutcome.NotFound => Problems.NotFound("No contact has this id."),
            StoreOutcome.PreconditionFailed => Problems.PreconditionFailed("The contact changed since the version in If-Match; GET it for the current ETag and retry."),
            _ => throw new InvalidOperationException($"Unexpected outcome {result.Outcome} of a delete."),
        };
    }

    internal static async Task<IResult> GetConsentAsync(string id, IContactStore store, CancellationToken cancellationToken)
    {
        if (InvalidId(id) is { } invalid)
        {
            return invalid;
        }
        var history = await store.GetConsentHistoryAsync(id, cancellationToken);
        return history is null ? Problems.NotFound("No contact has this id.") : TypedResults.Ok(Resource(history));
    }

    internal static async Task<IResult> PostConsentAsync(string id, HttpContext context, IContactStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (InvalidId(id) is { } invalid)
        {
            return invalid;
        }
        var body = await JsonBody.ReadAsync<ConsentInput>(context.Request, 16 * 1024, "a consent record (see docs/contacts.md)", cancellationToken);
        if (body.Problem is { } problem)
        {
            return problem;
        }
        var errors = new ValidationErrors();
        var consent = body.Value!.ToEvent(time.GetUtcNow(), errors);
        if (consent is null)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var appended = await store.AppendConsentAsync(id, consent, cancellationToken);
        if (!appended.ContactFound)
        {
            return Problems.NotFound("No contact has this id; consent is recorded for existing contacts.");
        }
        var history = await store.GetConsentHistoryAsync(id, cancellationToken) ?? [];
        return TypedResults.Created($"/api/contacts/{Uri.EscapeDataString(id)}/consent", Resource(history));
    }

    private static ConsentResource Resource(IReadOnlyList<ConsentEvent> history)
    {
        var ledger = new ConsentLedger(history);
        var categories = ConsentCategories.BuiltIn
            .Concat(ledger.History.Select(e => e.Category).OfType<string>())
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return new ConsentResource(ledger.Snapshot(Omni.Core.Contacts.Channels.All, categories), ledger.History);
    }

    private static IResult Written(HttpContext context, StoreResult result, string id)
    {
        switch (result.Outcome)
        {
            case StoreOutcome.Created:
                context.Response.Headers.ETag = result.Stored!.ETag;
                return TypedResults.Created($"/api/contacts/{Uri.EscapeDataString(id)}", ContactResource.From(result.Stored.Contact));
            case StoreOutcome.Replaced:
                context.Response.Headers.ETag = result.Stored!.ETag;
                return TypedResults.Ok(ContactResource.From(result.Stored.Contact));
            case StoreOutcome.PreconditionFailed:
                return Problems.PreconditionFailed("The contact changed since the version in If-Match (or exists despite If-None-Match: *). Get it again and retry.");
            case StoreOutcome.AddressTaken:
                return Problems.Conflict($"The {result.Detail} address already belongs to another contact; find it with GET /api/contacts?address=..., or remove the address there first.");
            case StoreOutcome.NotFound:
                return Problems.NotFound("No contact has this id.");
            default:
                throw new InvalidOperationException($"Unexpected outcome {result.Outcome} of a write.");
        }
    }

    private static IResult? InvalidId(string id)
    {
        if (ContactRules.IsValidId(id, out var error))
        {
            return null;
        }
        var errors = new ValidationErrors();
        errors.Add("id", error);
        return Problems.Validation(errors.ToDictionary());
    }

    private static string? NullIfEmpty(string value) => string.IsNullOrEmpty(value) ? null : value;
}
