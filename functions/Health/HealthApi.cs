using System.Diagnostics;
using Omni.Azure.Tables;
using Omni.Functions.Hosting;
using Omni.Functions.Http;
using Omni.Functions.Infrastructure;

namespace Omni.Functions.Health;

/// <summary>
/// <c>GET /api/health</c>: whether the handler runs and Table Storage answers (else 503 <c>unhealthy</c>), and whether
/// every app setting resolved (else 200 <c>degraded</c>: the handler runs, but what needs those settings is off).
/// </summary>
public static class HealthApi
{
    public static void MapHealthApi(this WebApplication app) =>
        app.MapGet("/api/health", GetHealthAsync)
            .WithName("GetHealth")
            .WithSummary("Reports whether the handler is up and Table Storage answers.")
            .WithTags("Operations");

    public sealed record HealthReport(string Status, IReadOnlyDictionary<string, HealthCheck> Checks);

    public sealed record HealthCheck(string Status, long DurationMs, string? Error = null);

    internal static async Task<IResult> GetHealthAsync(
        [FromKeyedServices(AzureConnections.HealthProbe)] TableServiceClient tables, UnresolvedReferences unresolved,
        ShortSecrets shortSecrets, CallerAuthSettings callerAuth, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var storage = await CheckTableStorageAsync(tables, loggers.CreateLogger("Omni.Functions.Health"), cancellationToken);
        var configuration = CheckConfiguration(unresolved, shortSecrets, callerAuth);
        var status = storage.Status != "healthy" ? "unhealthy" : configuration.Status != "healthy" ? "degraded" : "healthy";
        var report = new HealthReport(status, new Dictionary<string, HealthCheck> { ["tableStorage"] = storage, ["configuration"] = configuration });
        return TypedResults.Json(report, ApiJsonContext.Default.HealthReport, statusCode: status == "unhealthy" ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }

    /// <summary>
    /// Names the settings left as unresolved references (never their text: it carries the vault's URL) and the secrets set
    /// too short to be used (never their values), and why caller-facing endpoints refuse every request, if they do.
    /// </summary>
    private static HealthCheck CheckConfiguration(UnresolvedReferences unresolved, ShortSecrets shortSecrets, CallerAuthSettings callerAuth)
    {
        var problems = new List<string>(3);
        if (callerAuth.Refusal is { } refusal)
        {
            problems.Add(refusal);
        }
        if (unresolved.Keys.Count > 0)
        {
            problems.Add("unresolved Key Vault or App Configuration reference in: " + string.Join(", ", unresolved.SettingNames));
        }
        if (shortSecrets.Keys.Count > 0)
        {
            problems.Add($"too short (minimum {ShortSecrets.MinimumLength} characters): " + string.Join(", ", shortSecrets.SettingNames));
        }
        return problems.Count == 0 ? new HealthCheck("healthy", 0) : new HealthCheck("degraded", 0, string.Join("; ", problems));
    }

    private static async Task<HealthCheck> CheckTableStorageAsync(TableServiceClient tables, ILogger logger, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            // The cheapest authenticated call: one page of at most one table.
            await foreach (var _ in tables.QueryAsync(filter: null, maxPerPage: 1, cancellationToken: timeout.Token).AsPages(pageSizeHint: 1))
            {
                break;
            }
            return new HealthCheck("healthy", watch.ElapsedMilliseconds);
        }
        catch (Exception e) when (e is global::Azure.RequestFailedException or HttpRequestException or OperationCanceledException
                                      or global::Azure.Identity.AuthenticationFailedException or global::Azure.Identity.CredentialUnavailableException)
        {
            // The caller is anonymous: the exception's text (host names, ports, account names, error bodies) goes to the
            // log only. The Azure SDK redacts credentials from its messages, and the connection string is never in them.
            logger.LogWarning("Health: Table Storage check failed: {ExceptionType}: {Detail}", e.GetType().Name, e.Message);
            return new HealthCheck("unhealthy", watch.ElapsedMilliseconds, DescribeStorageFailure(e));
        }
    }

    /// <summary>A fixed text per failure kind, safe for anyone to read.</summary>
    internal static string DescribeStorageFailure(Exception e) => e switch
    {
        OperationCanceledException => "Table Storage did not answer within 5 s",
        global::Azure.Identity.AuthenticationFailedException or global::Azure.Identity.CredentialUnavailableException
            or global::Azure.RequestFailedException { Status: StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden }
            => "Table Storage refused the credentials",
        global::Azure.RequestFailedException { Status: > 0 } failed => "Table Storage answered " + failed.Status,
        _ => "Table Storage could not be reached",
    };
}
