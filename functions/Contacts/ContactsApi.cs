using System.Text.Json;
using System.Text.Json.Nodes;
using Omni.Core.Consent;
using Omni.Channels.Outbound;
using Omni.Core.Contacts;
using Omni.Functions.Http;
using Omni.Functions.Operations;
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

        contacts.MapPost("/lookup", LookupAsync).WithName("FindContact").RequireAuthorization(CallerRoles.ContactsRead)
            .WithSummary("Finds the contact that has an address (phone, email, WhatsApp id, ...), given in the body: addresses never go in URLs.")
            .Accepts<ContactLookup>("application/json")
            .Produces<ContactResource>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(413).ProducesProblem(415);
        // The old look-up by query string: refused, so no address reaches a URL (the host and proxies log URLs).
        contacts.MapGet("/", RefuseQueryLookup).ExcludeFromDescription().RequireAuthorization(CallerRoles.ContactsRead);
        contacts.MapGet("/{id}", GetAsync).WithName("GetContact").RequireAuthorization(CallerRoles.ContactsRead)
            .WithSummary("Gets a contact; the ETag header is its version for If-Match.")
            .Produces<ContactResource>().ProducesProblem(404);
        contacts.MapPut("/{id}", PutAsync).WithName("PutContact").RequireAuthorization(CallerRoles.ContactsWrite)
            .WithSummary("Creates or replaces a contact. If-Match: only that version; If-None-Match: * only if new.")
            .Accepts<ContactInput>("application/json")
            .Produces<ContactResource>(200).Produces<ContactResource>(201)
            .ProducesValidationProblem().ProducesProblem(409).ProducesProblem(412).ProducesProblem(413).ProducesProblem(415);
        contacts.MapPatch("/{id}", PatchAsync).WithName("PatchContact").RequireAuthorization(CallerRoles.ContactsWrite)
            .WithSummary("Changes some fields with a JSON merge patch (RFC 7396): null removes, objects merge.")
            .Accepts<ContactInput>(Problems.MergePatchMediaType)
            .Produces<ContactResource>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(412).ProducesProblem(413);
        contacts.MapDelete("/{id}", DeleteAsync).WithName("DeleteContact").RequireAuthorization(CallerRoles.ContactsErase)
            .WithSummary("Erases a contact: profile, address index entries, consent history, and its message log and timeline.")
            .Produces(204).ProducesProblem(404).ProducesProblem(412);

        contacts.MapGet("/{id}/consent", GetConsentAsync).WithName("GetConsent").RequireAuthorization(CallerRoles.ContactsRead)
            .WithSummary("Current consent per channel and category, and the full history.")
            .Produces<ConsentResource>().ProducesProblem(404);
        contacts.MapPost("/{id}/consent", PostConsentAsync).WithName("RecordConsent").RequireAuthorization(CallerRoles.ContactsWrite)
            .WithSummary("Records an opt-in or opt-out with its evidence. An opt-out is sticky: only the contact's own opt-in lifts it.")
            .Accepts<ConsentInput>("application/json")
            .Produces<ConsentResource>(201).ProducesValidationProblem().ProducesProblem(404).ProducesProblem(413).ProducesProblem(415);
    }

    /// <summary>The body of <c>POST /api/contacts/lookup</c>.</summary>
    public sealed record ContactLookup(string? Address, string? Channel, string? Region);

    internal const string LookupHint = "Look a contact up with POST /api/contacts/lookup and a JSON body { \"address\": \"...\", \"channel\": \"sms\", \"region\": \"GB\" }.";

    /// <summary>
    /// <c>GET /api/contacts</c>, with or without <c>?address=</c>: always 400. Addresses are personal data and URLs are
    /// logged along the way, so the look-up takes them in the body only; the problem names it and never echoes the address.
    /// </summary>
    internal static IResult RefuseQueryLookup(HttpRequest request)
    {
        var detail = request.Query.ContainsKey("address")
            ? "Addresses never go in URLs (they are logged by hosts and proxies): " + LookupHint
            : "Listing every contact is not offered. " + LookupHint;
        return Problems.BadRequest(detail);
    }

    internal static async Task<IResult> LookupAsync(HttpContext context, IContactStore store, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync<ContactLookup>(context.Request, 16 * 1024, "a look-up { \"address\", \"channel\", \"region\" } (see docs/contacts.md)", cancellationToken);
        if (body.Problem is { } problem)
        {
            return problem;
        }
        var (address, channel, region) = body.Value!;
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
        if (found is null)
        {
            return Problems.NotFound($"No contact has this {parsed.Name()} address.");
        }
        context.Response.Headers.ETag = found.ETag;
        return TypedResults.Ok(ContactResource.From(found.Contact));
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

    internal static async Task<IResult> PutAsync(string id, HttpContext context, IContactStore store, WebhookOptions webhooks, TimeProvider time, CancellationToken cancellationToken)
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
        // The webhook secret is handed out when the address is new or changed: that needs the address it replaces.
        var before = contact.Addresses.ContainsKey(Channel.Webhook) ? (await store.GetAsync(id, cancellationToken))?.Contact : null;
        var result = await store.PutAsync(contact, NullIfEmpty(headers.IfMatch.ToString()), NullIfEmpty(headers.IfNoneMatch.ToString()), cancellationToken);
        return Written(context, result, id, WebhookAddress(before), webhooks);
    }

    internal static async Task<IResult> PatchAsync(string id, HttpContext context, IContactStore store, WebhookOptions webhooks, TimeProvider time, CancellationToken cancellationToken)
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
        return Written(context, result, id, WebhookAddress(current.Contact), webhooks);
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

    private static string? WebhookAddress(Contact? contact) =>
        contact is not null && contact.Addresses.TryGetValue(Channel.Webhook, out var address) ? address.Value : null;

    /// <summary>The contact as written, with the webhook secret when the write set a new or changed webhook address.</summary>
    private static ContactResource Answer(HttpContext context, Contact written, string? webhookBefore, WebhookOptions webhooks)
    {
        var resource = ContactResource.From(written);
        if (WebhookAddress(written) is not { } address || address == webhookBefore
            || WebhookSecretsApi.Derive(webhooks.SigningSecret, address) is not { } secrets)
        {
            return resource;
        }
        context.Response.Headers.CacheControl = "no-store";
        return resource with { WebhookSecret = secrets.Current };
    }

    private static IResult Written(HttpContext context, StoreResult result, string id, string? webhookBefore, WebhookOptions webhooks)
    {
        switch (result.Outcome)
        {
            case StoreOutcome.Created:
                context.Response.Headers.ETag = result.Stored!.ETag;
                return TypedResults.Created($"/api/contacts/{Uri.EscapeDataString(id)}", Answer(context, result.Stored.Contact, webhookBefore, webhooks));
            case StoreOutcome.Replaced:
                context.Response.Headers.ETag = result.Stored!.ETag;
                return TypedResults.Ok(Answer(context, result.Stored.Contact, webhookBefore, webhooks));
            case StoreOutcome.PreconditionFailed:
                return Problems.PreconditionFailed("The contact changed since the version in If-Match (or exists despite If-None-Match: *). Get it again and retry.");
            case StoreOutcome.AddressTaken:
                return Problems.Conflict($"The {result.Detail} address already belongs to another contact; find it with POST /api/contacts/lookup, or remove the address there first.");
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
