using Omni.Channels.Outbound;
using Omni.Core.Contacts;
using Omni.Functions.Http;

namespace Omni.Functions.Operations;

/// <summary>
/// Function WebhookSecrets (<c>authLevel: admin</c>): <c>POST /api/ops/webhook-secrets</c> re-issues the secret Omni signs
/// posts to one contact webhook URL with (<see cref="StandardWebhook.DeriveTargetSecret"/> of <c>Webhooks__SigningSecret</c>),
/// and the previous one while the setting holds "current previous". Nothing is stored; secrets are never logged and the
/// answers are <c>Cache-Control: no-store</c>. See docs/webhooks.md.
/// </summary>
public static class WebhookSecretsApi
{
    private const int MaxBodyBytes = 8 * 1024;

    public sealed record WebhookSecretRequest(string? Url);

    /// <param name="Url">The URL the secret is bound to, as Omni stores and calls it (normalised).</param>
    /// <param name="Previous">During a rotation: the secret of the previous master, which still signs too.</param>
    public sealed record WebhookSecretResult(string Url, string Secret, string? Previous);

    /// <summary>The current (and, while rotating, previous) secret of a contact webhook.</summary>
    public sealed record TargetSecrets(string Current, string? Previous);

    public static void MapWebhookSecretsApi(this WebApplication app) =>
        app.MapPost("/api/ops/webhook-secrets", IssueAsync).WithTags("Operations").WithName("IssueWebhookSecret").RequireAuthorization(CallerRoles.Operations)
            .WithSummary("Admin only: the signing secret of one contact webhook URL, to hand to its receiver (and the previous one during a rotation).")
            .Accepts<WebhookSecretRequest>("application/json")
            .Produces<WebhookSecretResult>().ProducesValidationProblem().ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);

    /// <summary>
    /// The secrets for <paramref name="address"/> (a stored, normalised webhook address) under the master
    /// <paramref name="setting"/>; null when no master is set or the address is not an http(s) URL.
    /// </summary>
    public static TargetSecrets? Derive(string? setting, string address)
    {
        var masters = StandardWebhook.Secrets(setting);
        if (masters.Count == 0 || !Uri.TryCreate(address, UriKind.Absolute, out var target) || target.Scheme is not ("https" or "http"))
        {
            return null;
        }
        return new TargetSecrets(StandardWebhook.DeriveTargetSecret(masters[0], target),
            masters.Count > 1 ? StandardWebhook.DeriveTargetSecret(masters[1], target) : null);
    }

    internal static async Task<IResult> IssueAsync(HttpContext context, WebhookOptions webhooks, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync<WebhookSecretRequest>(context.Request, MaxBodyBytes, """an object {"url": "https://…"}""", cancellationToken);
        if (body.Problem is { } problem)
        {
            return problem;
        }
        var errors = new ValidationErrors();
        string? address = null;
        if (body.Value!.Url is not { } url)
        {
            errors.Add("url", "Give the contact's webhook URL.");
        }
        else if (!AddressNormalizer.TryNormalize(Channel.Webhook, url, null, out address, out var error))
        {
            errors.Add("url", error);
        }
        if (!errors.IsValid)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        if (Derive(webhooks.SigningSecret, address!) is not { } secrets)
        {
            return Problems.Conflict("Webhooks__SigningSecret is not set: Omni signs no contact webhook, so there is no secret to hand out.");
        }
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new WebhookSecretResult(address!, secrets.Current, secrets.Previous));
    }
}
