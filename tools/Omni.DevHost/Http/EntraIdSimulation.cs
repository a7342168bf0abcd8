using System.Text;
using System.Text.Json;
using Omni.Hosting;

namespace Omni.DevHost.Http;

/// <summary>
/// <c>--entra</c>: App Service authentication in Entra ID mode, simulated for local runs only. As the platform does, it
/// strips every client-sent <c>X-MS-CLIENT-PRINCIPAL*</c> and <c>X-MS-TOKEN-*</c> header; a caller-facing function
/// (authLevel function or admin, published anonymous in Entra ID mode) needs <c>Authorization: Bearer
/// devhost.&lt;app&gt;.&lt;Role1+Role2&gt;</c>, which becomes the principal headers the handler reads; without a valid
/// one the answer is 401 with an empty body, as the platform's <c>Return401</c>. Anonymous functions (webhooks,
/// unsubscribe, health, OpenAPI) are excluded paths: no token needed. These tokens are unsigned and mean something to
/// the DevHost only; Azure accepts real Entra ID tokens only.
/// </summary>
public static class EntraIdSimulation
{
    public const string TokenPrefix = "devhost.";

    /// <summary>What the handler gets in its environment: Entra ID mode, and the platform's sign that authentication is on.</summary>
    public static IReadOnlyDictionary<string, string> HandlerSettings { get; } = new Dictionary<string, string>
    {
        ["Auth__Mode"] = "EntraId",
        ["WEBSITE_AUTH_ENABLED"] = "True",
    };

    /// <summary>A simulated token: <c>devhost.&lt;app&gt;.&lt;Role1+Role2&gt;</c>.</summary>
    public static string Token(string app, params string[] roles) => $"{TokenPrefix}{app}.{string.Join('+', roles)}";

    /// <summary>The app and roles of a simulated token; null when it is not one. App names have no dots; role names may.</summary>
    public static (string App, string[] Roles)? Read(string? authorization)
    {
        const string bearer = "Bearer ";
        if (authorization is null || !authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var token = authorization[bearer.Length..].Trim();
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal))
        {
            return null;
        }
        var rest = token[TokenPrefix.Length..];
        var dot = rest.IndexOf('.');
        if (dot <= 0 || !rest[..dot].All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return null;
        }
        var roles = rest[(dot + 1)..].Split('+', StringSplitOptions.RemoveEmptyEntries);
        return roles.All(r => r.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')) ? (rest[..dot], roles) : null;
    }

    /// <summary>The platform's headers for a caller, the principal as App Service encodes it (base64 JSON, roles in <c>roles</c> claims).</summary>
    public static IReadOnlyDictionary<string, string> PrincipalHeaders(string app, IReadOnlyList<string> roles)
    {
        var id = new Guid(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(app))[..16]).ToString();
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("auth_typ", "aad");
            json.WriteString("name_typ", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name");
            json.WriteString("role_typ", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role");
            json.WriteStartArray("claims");
            Claim(json, "appid", id);
            Claim(json, "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", app);
            foreach (var role in roles)
            {
                Claim(json, "roles", role);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return new Dictionary<string, string>
        {
            ["X-MS-CLIENT-PRINCIPAL"] = Convert.ToBase64String(buffer.ToArray()),
            ["X-MS-CLIENT-PRINCIPAL-ID"] = id,
            ["X-MS-CLIENT-PRINCIPAL-NAME"] = app,
            ["X-MS-CLIENT-PRINCIPAL-IDP"] = "aad",
        };
    }

    private static void Claim(Utf8JsonWriter json, string type, string value)
    {
        json.WriteStartObject();
        json.WriteString("typ", type);
        json.WriteString("val", value);
        json.WriteEndObject();
    }

    /// <summary>Middleware in place of <see cref="FunctionKeys.Middleware"/> when <c>--entra</c> is on.</summary>
    public static Func<HttpContext, RequestDelegate, Task> Middleware(FunctionAppManifest manifest)
    {
        var protectedFunctions = manifest.Functions
            .Where(f => f.IsHttpTriggered && !string.Equals(f.Trigger.AuthLevel, "anonymous", StringComparison.OrdinalIgnoreCase))
            .Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        return (context, next) =>
        {
            var headers = context.Request.Headers;
            foreach (var name in headers.Keys.Where(k => k.StartsWith("X-MS-CLIENT-PRINCIPAL", StringComparison.OrdinalIgnoreCase)
                                                         || k.StartsWith("X-MS-TOKEN-", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                headers.Remove(name);
            }
            if (context.GetEndpoint()?.DisplayName is not { } function || !protectedFunctions.Contains(function))
            {
                return next(context);
            }
            if (Read(headers.Authorization) is not var (app, roles))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return Task.CompletedTask;
            }
            foreach (var (name, value) in PrincipalHeaders(app, roles))
            {
                headers[name] = value;
            }
            return next(context);
        };
    }
}
