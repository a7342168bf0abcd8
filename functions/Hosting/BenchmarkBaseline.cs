namespace Omni.Functions.Hosting;

/// <summary>
/// An opt-in baseline for tools/Omni.Perf's <c>handler</c> benchmark: <c>POST /_bench/baseline</c> reads the request body
/// and answers a fixed empty 200, on the same Kestrel, middleware and process as the real functions, so the benchmark can
/// report a function's throughput as a share of "the least an endpoint here can do". Off unless
/// <c>Omni__Benchmark__BaselineEndpoint</c> is <c>true</c>; a local-only setting that no deployment sets.
/// </summary>
public static class BenchmarkBaseline
{
    public const string EnabledKey = "Omni:Benchmark:BaselineEndpoint";
    public const string Path = "/_bench/baseline";

    /// <summary>Maps <see cref="Path"/> when <see cref="EnabledKey"/> is true; otherwise does nothing.</summary>
    public static void MapBenchmarkBaseline(this WebApplication app)
    {
        if (!bool.TryParse(app.Configuration[EnabledKey], out var enabled) || !enabled)
        {
            return;
        }
        app.MapPost(Path, async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            await request.Body.CopyToAsync(Stream.Null, cancellationToken);
            return Results.Ok();
        }).ExcludeFromDescription();
    }
}
