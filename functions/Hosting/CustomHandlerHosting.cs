using Omni.Hosting;
using Omni.Functions.Http;

namespace Omni.Functions.Hosting;

/// <summary>Wires the ASP.NET Core app to the Functions host: the port it listens on, readiness, and trigger dispatch.</summary>
public static class CustomHandlerHosting
{
    public const string PortVariable = "FUNCTIONS_CUSTOMHANDLER_PORT";
    public const string AppRootVariable = "FUNCTIONS_APP_ROOT_PATH";
    public const string HostNameVariable = "WEBSITE_HOSTNAME";
    public const string PublicBaseUrlKey = "Omni:PublicBaseUrl";

    /// <summary>
    /// Listens where the host calls: http://127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT (IPv4 loopback, plain HTTP).
    /// Without the variable (a developer running the executable by hand) ASP.NET Core's own URL settings apply.
    /// </summary>
    public static WebApplicationBuilder AddCustomHandlerHosting(this WebApplicationBuilder builder)
    {
        // First, so every later read (here and in every service) sees an unresolved Key Vault reference as unset.
        builder.Services.AddSingleton(UnresolvedReferences.Mask(builder.Configuration));
        builder.Services.AddSingleton(ShortSecrets.Mask(builder.Configuration));
        if (builder.Configuration[PortVariable] is { Length: > 0 } port)
        {
            if (!int.TryParse(port, out var number) || number is <= 0 or > 65535)
            {
                throw new InvalidOperationException($"{PortVariable} must be a TCP port number, not '{port}'.");
            }
            builder.WebHost.UseUrls($"http://127.0.0.1:{number}");
        }
        // The host logs each stdout line as Information and each stderr line as Error (Host.Function.Console):
        // one line per entry, errors on stderr, framework chatter only when it matters.
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        // Request lines name URLs: incoming ones may carry a query, outgoing ones are contacts' webhook URLs (often a
        // bearer-like token in the path). Neither is logged: ASP.NET Core's request lines stay at Warning, and the
        // HttpClient factory's logging handlers are removed outright, so no log level setting can bring them back.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Services.ConfigureHttpClientDefaults(http => http.RemoveAllLoggers());
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Error);

        // Twilio status callbacks and unsubscribe links need the app's public URL. App Service sets WEBSITE_HOSTNAME to
        // the default host name; Omni__PublicBaseUrl (a custom domain, or the DevHost's address) wins when set.
        if (string.IsNullOrEmpty(builder.Configuration[PublicBaseUrlKey]) && builder.Configuration[HostNameVariable] is { Length: > 0 } hostName)
        {
            builder.Configuration.AddInMemoryCollection([new(PublicBaseUrlKey, "https://" + hostName)]);
        }

        var root = builder.Configuration[AppRootVariable] is { Length: > 0 } configured ? configured : AppContext.BaseDirectory;
        builder.Services.AddSingleton(FunctionAppManifest.Load(root));
        builder.Services.AddSingleton(ClockOffset.From(builder.Configuration));
        return builder;
    }

    /// <summary>
    /// <c>GET /</c> answers at once: the host polls it every 25 ms until the handler responds, and only then invokes.
    /// </summary>
    public static void MapReadiness(this WebApplication app) =>
        app.MapGet("/", () => Results.Json(new Readiness("ready"), ApiJsonContext.Default.Readiness)).ExcludeFromDescription();

    /// <summary>The readiness answer, <c>{"status":"ready"}</c> (a named type: the API's JSON is source-generated).</summary>
    public sealed record Readiness(string Status);
}
