using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;
using Omni.Hosting;

namespace Omni.Functions.Http;

/// <summary>Who may call the caller-facing endpoints: the Functions host's keys, or Entra ID app roles (SECURITY.md).</summary>
public enum AuthMode
{
    /// <summary>The host checks function.json's authLevel (function key, master key) before the request arrives.</summary>
    FunctionKeys,

    /// <summary>App Service authentication validates an Entra ID token and forwards the caller; the handler checks app roles.</summary>
    EntraId,
}

/// <summary>The app roles of Omni's Entra ID app registration, and the policy names the endpoints require.</summary>
public static class CallerRoles
{
    public const string MessagesSend = "Messages.Send";
    public const string MessagesRead = "Messages.Read";
    public const string ContactsRead = "Contacts.Read";
    public const string ContactsWrite = "Contacts.Write";
    public const string ContactsErase = "Contacts.Erase";
    public const string TemplatesWrite = "Templates.Write";
    public const string Operations = "Operations";

    /// <summary>A policy, not a role: template reads and previews are open to senders and template writers.</summary>
    public const string TemplatesRead = "Templates.Read";

    public static readonly IReadOnlyList<string> All = [MessagesSend, MessagesRead, ContactsRead, ContactsWrite, ContactsErase, TemplatesWrite, Operations];

    /// <summary>
    /// Functions every caller reaches without a key or token (function.json authLevel anonymous in both modes; App
    /// Service authentication's excluded paths): provider webhooks and unsubscribe links verify their own signatures.
    /// </summary>
    public static readonly IReadOnlyList<string> PublicFunctions = ["AcsEvents", "ChatWebhook", "Health", "MetaWebhook", "OpenApi", "TwilioWebhook", "Unsubscribe"];
}

/// <summary>
/// <c>Auth__Mode</c> and what the platform says about it. Fails closed: an unknown mode, Entra ID mode without App
/// Service authentication in front (anyone could forge its headers), or function-keys mode while caller-facing
/// functions were published anonymous (nothing would check a key) each leave <see cref="Refusal"/> set, and every
/// caller-facing endpoint answers 503 until the deployment is fixed. /api/health names the reason.
/// </summary>
public sealed class CallerAuthSettings
{
    public const string ModeKey = "Auth:Mode";

    /// <summary>Set by App Service to <c>True</c> on a site whose built-in authentication is on.</summary>
    public const string PlatformAuthVariable = "WEBSITE_AUTH_ENABLED";

    private CallerAuthSettings(AuthMode mode, string? refusal)
    {
        Mode = mode;
        Refusal = refusal;
    }

    public AuthMode Mode { get; }

    /// <summary>Why caller-facing endpoints refuse every request; null when the mode fits the deployment. Fixed text, no secrets.</summary>
    public string? Refusal { get; }

    public static CallerAuthSettings From(IConfiguration configuration, FunctionAppManifest manifest)
    {
        var text = configuration[ModeKey];
        if (string.IsNullOrWhiteSpace(text))
        {
            text = nameof(AuthMode.FunctionKeys);
        }
        if (!Enum.TryParse<AuthMode>(text, ignoreCase: true, out var mode) || !Enum.IsDefined(mode) || int.TryParse(text, out _))
        {
            return new CallerAuthSettings(AuthMode.FunctionKeys, "Auth__Mode must be FunctionKeys or EntraId");
        }
        if (mode == AuthMode.EntraId)
        {
            var platform = string.Equals(configuration[PlatformAuthVariable], "true", StringComparison.OrdinalIgnoreCase);
            return new CallerAuthSettings(mode, platform ? null
                : "Auth__Mode is EntraId but App Service authentication is off (WEBSITE_AUTH_ENABLED is not True)");
        }
        var open = manifest.Functions
            .Where(f => f.IsHttpTriggered && !CallerRoles.PublicFunctions.Contains(f.Name, StringComparer.OrdinalIgnoreCase)
                        && string.Equals(f.Trigger.AuthLevel, "anonymous", StringComparison.OrdinalIgnoreCase))
            .Select(f => f.Name).ToList();
        return new CallerAuthSettings(mode, open.Count == 0 ? null
            : "Auth__Mode is FunctionKeys but these functions were published for Entra ID (authLevel anonymous): " + string.Join(", ", open));
    }
}

/// <summary>
/// Builds the caller from what is in front of the handler. Function keys: the host has already checked the key against
/// the function's authLevel, so the caller holds every role. Entra ID: the principal App Service authentication
/// forwards in <c>X-MS-CLIENT-PRINCIPAL</c> (base64 JSON; the platform strips the header from incoming requests).
/// </summary>
public sealed class CallerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, CallerAuthSettings settings)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Omni";
    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL";

    /// <summary>The claim type roles carry here: Entra ID puts app roles in <c>roles</c> claims whatever <c>role_typ</c> says.</summary>
    public const string RoleClaimType = "roles";

    /// <summary>A forwarded principal larger than this is refused unread (Entra ID tokens are a few KiB).</summary>
    private const int MaxPrincipalHeaderLength = 16 * 1024;

    private static readonly ClaimsPrincipal KeyHolder = new(new ClaimsIdentity(
        CallerRoles.All.Select(r => new Claim(RoleClaimType, r)), "FunctionKey", ClaimTypes.Name, RoleClaimType));

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (settings.Refusal is { } refusal)
        {
            return Task.FromResult(AuthenticateResult.Fail(refusal));
        }
        if (settings.Mode == AuthMode.FunctionKeys)
        {
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(KeyHolder, SchemeName)));
        }
        var header = Request.Headers[PrincipalHeader].ToString();
        if (header.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        return Task.FromResult(ClientPrincipal.TryRead(header, MaxPrincipalHeaderLength) is { } principal
            ? AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName))
            : AuthenticateResult.Fail("X-MS-CLIENT-PRINCIPAL is not base64-encoded JSON with claims"));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        settings.Refusal is { } refusal
            ? CallerProblems.Write(Context, StatusCodes.Status503ServiceUnavailable, "Caller authentication is misconfigured",
                refusal + ". Every caller-facing endpoint refuses until the deployment is fixed (see docs/deploy.md).")
            : CallerProblems.Write(Context, StatusCodes.Status401Unauthorized, "Authentication required",
                "Send an Entra ID access token for Omni's app registration: Authorization: Bearer <token> (client credentials).");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        CallerProblems.Write(Context, StatusCodes.Status403Forbidden, "Missing app role", "The caller does not hold the app role this endpoint needs.");
}

/// <summary>
/// 403 answers that name the app role the endpoint needs (and the roles the caller holds: role names, never tokens);
/// 401 and 503 come from the scheme's challenge.
/// </summary>
public sealed class CallerAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Forbidden)
        {
            return _default.HandleAsync(next, context, policy, authorizeResult);
        }
        var needed = authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<RolesAuthorizationRequirement>()
            .SelectMany(r => r.AllowedRoles).Distinct().ToList() ?? [];
        var held = context.User.FindAll(CallerAuthenticationHandler.RoleClaimType).Select(c => c.Value).Distinct().Order(StringComparer.Ordinal).ToList();
        var need = needed.Count == 1 ? $"the app role {needed[0]}" : "one of the app roles " + string.Join(", ", needed);
        var has = held.Count == 0 ? "none" : string.Join(", ", held);
        return CallerProblems.Write(context, StatusCodes.Status403Forbidden, "Missing app role",
            $"This endpoint needs {need}; the caller holds: {has}. Assign the role to the calling app's service principal.");
    }
}

internal static class CallerProblems
{
    public static Task Write(HttpContext context, int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title).ExecuteAsync(context);
}

/// <summary>App Service authentication's <c>X-MS-CLIENT-PRINCIPAL</c> payload.</summary>
public static class ClientPrincipal
{
    /// <summary>The principal in <paramref name="header"/>; null when it is not base64 JSON with a claims array.</summary>
    public static ClaimsPrincipal? TryRead(string header, int maxLength = 16 * 1024)
    {
        if (header.Length > maxLength)
        {
            return null;
        }
        Payload? payload;
        try
        {
            payload = JsonSerializer.Deserialize(Convert.FromBase64String(header), ClientPrincipalJsonContext.Default.Payload);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
        if (payload?.Claims is not { } claims)
        {
            return null;
        }
        var roleType = payload.RoleType;
        var mapped = claims.Where(c => !string.IsNullOrEmpty(c.Type) && c.Value is not null).Select(c =>
            c.Type == CallerAuthenticationHandler.RoleClaimType || c.Type == roleType || c.Type == ClaimTypes.Role
                ? new Claim(CallerAuthenticationHandler.RoleClaimType, c.Value!)
                : new Claim(c.Type!, c.Value!));
        var identity = new ClaimsIdentity(mapped, string.IsNullOrEmpty(payload.AuthenticationType) ? "aad" : payload.AuthenticationType,
            string.IsNullOrEmpty(payload.NameType) ? ClaimTypes.Name : payload.NameType, CallerAuthenticationHandler.RoleClaimType);
        return new ClaimsPrincipal(identity);
    }

    /// <summary>A principal holding <paramref name="roles"/>, encoded as the platform encodes it (for tests).</summary>
    public static string Encode(string name, IEnumerable<string> roles)
    {
        var claims = new List<Claim> { new("name", name) };
        claims.AddRange(roles.Select(r => new Claim(CallerAuthenticationHandler.RoleClaimType, r)));
        var payload = new Payload("aad", "name", ClaimTypes.Role, claims.Select(c => new PayloadClaim(c.Type, c.Value)).ToList());
        return Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(payload, ClientPrincipalJsonContext.Default.Payload));
    }

    public sealed record Payload(
        [property: JsonPropertyName("auth_typ")] string? AuthenticationType,
        [property: JsonPropertyName("name_typ")] string? NameType,
        [property: JsonPropertyName("role_typ")] string? RoleType,
        [property: JsonPropertyName("claims")] IReadOnlyList<PayloadClaim>? Claims);

    public sealed record PayloadClaim(
        [property: JsonPropertyName("typ")] string? Type,
        [property: JsonPropertyName("val")] string? Value);
}

[JsonSerializable(typeof(ClientPrincipal.Payload))]
internal sealed partial class ClientPrincipalJsonContext : JsonSerializerContext;

public static class CallerAuthRegistration
{
    /// <summary>The <c>Omni</c> scheme, one policy per app role (plus <see cref="CallerRoles.TemplatesRead"/>), and 403s that name the role.</summary>
    public static IServiceCollection AddCallerAuth(this IServiceCollection services)
    {
        services.AddSingleton(sp => CallerAuthSettings.From(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<FunctionAppManifest>()));
        services.AddAuthentication(CallerAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, CallerAuthenticationHandler>(CallerAuthenticationHandler.SchemeName, null);
        var policies = services.AddAuthorizationBuilder();
        foreach (var role in CallerRoles.All)
        {
            policies.AddPolicy(role, p => p.RequireRole(role));
        }
        policies.AddPolicy(CallerRoles.TemplatesRead, p => p.RequireRole(CallerRoles.MessagesSend, CallerRoles.TemplatesWrite));
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, CallerAuthorizationResultHandler>();
        return services;
    }
}
