using System.Diagnostics;
using Omni.Azure.Tables;
using Omni.Functions.Infrastructure;

namespace Omni.Functions.Health;

/// <summary><c>GET /api/health</c>: whether the handler runs and Table Storage answers.</summary>
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
        [FromKeyedServices(AzureConnections.HealthProbe)] TableServiceClient tables, CancellationToken cancellationToken)
    {
        var storage = await CheckTableStorageAsync(tables, cancellationToken);
        var healthy = storage.Status == "healthy";
        var report = new HealthReport(healthy ? "healthy" : "unhealthy", new Dictionary<string, HealthCheck> { ["tableStorage"] = storage });
        return TypedResults.Json(report, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

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
