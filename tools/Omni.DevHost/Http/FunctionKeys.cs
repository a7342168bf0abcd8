using System.Security.Cryptography;
using System.Text;
using Omni.Hosting;

namespace Omni.DevHost.Http;

/// <summary>
/// Function keys, checked as the Functions host checks them before it proxies a request: per function.json
/// <c>authLevel</c>, <c>anonymous</c> needs no key, <c>function</c> the function key or the master key, <c>admin</c> the
/// master key; the key comes in <c>x-functions-key</c> or, only when that header is absent, the <c>code</c> query
/// parameter; anything else is <c>401</c> with an empty body. The request goes on with its key, as in Azure.
/// The default keys are public, like Azurite's account key: the DevHost listens on loopback only and is never a
/// production path.
/// </summary>
public sealed class FunctionKeys
{
    public const string HeaderName = "x-functions-key";
    public const string QueryName = "code";
    public const string DefaultFunctionKey = "local-function-key";
    public const string DefaultMasterKey = "local-master-key";

    /// <summary>Settings (environment or local.settings.json Values) that replace the default keys.</summary>
    public const string FunctionKeySetting = "DevHost__FunctionKey";
    public const string MasterKeySetting = "DevHost__MasterKey";

    private FunctionKeys(string functionKey, string masterKey, bool enforced)
    {
        FunctionKey = functionKey;
        MasterKey = masterKey;
        Enforced = enforced;
    }

    public string FunctionKey { get; }

    public string MasterKey { get; }

    /// <summary>False with <c>--no-keys</c>: every HTTP function answers without a key.</summary>
    public bool Enforced { get; }

    /// <summary>
    /// The keys in force: <see cref="DevHostOptions"/> first, then <paramref name="settings"/> (the handler's environment:
    /// the process environment over local.settings.json Values), then the well-known defaults.
    /// </summary>
    public static FunctionKeys Resolve(DevHostOptions options, IReadOnlyDictionary<string, string> settings)
    {
        string Pick(string? explicitKey, string setting, string fallback) =>
            explicitKey is { Length: > 0 } ? explicitKey
            : settings.TryGetValue(setting, out var configured) && configured.Length > 0 ? configured
            : fallback;

        return new FunctionKeys(Pick(options.FunctionKey, FunctionKeySetting, DefaultFunctionKey),
            Pick(options.MasterKey, MasterKeySetting, DefaultMasterKey), options.RequireKeys);
    }

    /// <summary>One line for the start banner: which keys open which functions. Keys the developer set are not printed.</summary>
    public string Describe() => Enforced
        ? $"{HeaderName}: {Shown(FunctionKey, DefaultFunctionKey, FunctionKeySetting)} for authLevel function, " +
          $"{Shown(MasterKey, DefaultMasterKey, MasterKeySetting)} for admin (?{QueryName}= only for the dashboard in a browser; --no-keys turns the check off)"
        : "not checked (--no-keys): every /api route answers without a function key";

    private static string Shown(string key, string defaultKey, string setting) => key == defaultKey ? key : $"the {setting} value";

    /// <summary>Whether a request may reach a function of <paramref name="authLevel"/> (function.json's; absent means function, the host's default; any level but anonymous and function takes the master key only).</summary>
    public bool Allows(HttpRequest request, string? authLevel)
    {
        var level = (authLevel ?? "function").ToLowerInvariant();
        if (!Enforced || level == "anonymous")
        {
            return true;
        }
        // As the host reads it: the header wins whenever it is present, even empty; only then the query string.
        var presented = request.Headers.TryGetValue(HeaderName, out var header) ? header.FirstOrDefault()
            : request.Query.TryGetValue(QueryName, out var code) ? code.FirstOrDefault()
            : null;
        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }
        return SameSecret(presented, MasterKey) || (level == "function" && SameSecret(presented, FunctionKey));
    }

    /// <summary>
    /// Middleware for the proxied functions (endpoints named after their function, as <see cref="FunctionProxy"/> maps
    /// them): 401 with an empty body, like the host's UnauthorizedResult, when the key does not fit the function's authLevel.
    /// </summary>
    public Func<HttpContext, RequestDelegate, Task> Middleware(FunctionAppManifest manifest)
    {
        var levels = manifest.Functions.Where(f => f.IsHttpTriggered)
            .ToDictionary(f => f.Name, f => f.Trigger.AuthLevel, StringComparer.Ordinal);
        return (context, next) =>
        {
            if (context.GetEndpoint()?.DisplayName is { } name && levels.TryGetValue(name, out var level) && !Allows(context.Request, level))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            }
            return next(context);
        };
    }

    /// <summary>Sends the function key (or, for admin functions, the master key) on every request of <paramref name="client"/>.</summary>
    public void AddTo(HttpClient client, bool admin = false)
    {
        client.DefaultRequestHeaders.Remove(HeaderName);
        client.DefaultRequestHeaders.Add(HeaderName, admin ? MasterKey : FunctionKey);
    }

    // Hashing first makes the comparison constant-time in the length too, so a timing probe learns nothing about the key.
    private static bool SameSecret(string presented, string key) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
