using System.Diagnostics;
using Omni.Azure.Tables;
using Omni.Functions.Hosting;
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
        CancellationToken cancellationToken)
    {
        var storage = await CheckTableStorageAsync(tables, cancellationToken);
        var configuration = CheckConfiguration(unresolved);
        var status = storage.Status != "healthy" ? "unhealthy" : configuration.Status != "healthy" ? "degraded" : "healthy";
        var report = new HealthReport(status, new Dictionary<string, HealthCheck> { ["tableStorage"] = storage, ["configuration"] = configuration });
        return TypedResults.Json(report, statusCode: status == "unhealthy" ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }

    /// <summary>Names the settings left as unresolved references (never their text: it carries the vault's URL).</summary>
    private static HealthCheck CheckConfiguration(UnresolvedReferences unresolved) =>
        unresolved.Keys.Count == 0
            ? new HealthCheck("healthy", 0)
            : new HealthCheck("degraded", 0, "unresolved Key Vault or App Configuration reference in: " + string.Join(", ", unresolved.SettingNames));

    private static async Task<HealthCheck> CheckTableStorageAsync(TableServiceClient tables, CancellationToken cancellationToken)
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
            return new HealthCheck("unhealthy", watch.ElapsedMilliseconds, e is OperationCanceledException ? "timed out after 5 s" : e.Message);
        }
    }
}
