using System.Text.Json;
using Omni.Functions.Http;
using Omni.Hosting;

namespace Omni.Functions.Hosting;

/// <summary>
/// HTTP functions rely on the host proxying the caller's request (<c>enableProxyingHttpRequest</c>): path, headers and
/// exact body bytes, which webhook signatures are computed over. A host that does not proxy (an older or differently
/// configured one) falls back to payload mode and posts an invocation envelope to <c>/{FunctionName}</c> instead; Omni
/// cannot serve that, and without this guard the 404 would reach callers as an unexplained 500. So such an envelope is
/// answered 503 and logged as an error that says what to fix.
/// </summary>
public static class PayloadModeGuard
{
    public static void MapPayloadModeGuard(this WebApplication app)
    {
        var manifest = app.Services.GetRequiredService<FunctionAppManifest>();
        foreach (var function in manifest.Functions.Where(f => f.IsHttpTriggered))
        {
            app.MapPost("/" + function.Name, (HttpContext context, ILoggerFactory loggers) => AnswerAsync(context, function.Name, loggers))
                .ExcludeFromDescription();
        }
    }

    private static async Task<IResult> AnswerAsync(HttpContext context, string function, ILoggerFactory loggers)
    {
        if (!await IsInvocationEnvelopeAsync(context.Request))
        {
            return Problems.NotFound($"POST /{function} is where the Functions host invokes a function in payload mode; call the function's route under /api instead.");
        }
        loggers.CreateLogger("Omni.Functions.Hosting").LogError(
            "HTTP function {Function} was invoked in payload mode: the Functions host is not proxying HTTP requests. " +
            "Set customHandler.enableProxyingHttpRequest to true in host.json (and run a host version that supports it); every call to this function fails until then",
            function);
        return TypedResults.Problem(
            $"The Functions host invoked {function} in payload mode, but Omni serves HTTP functions only with request proxying (customHandler.enableProxyingHttpRequest in host.json).",
            statusCode: StatusCodes.Status503ServiceUnavailable, title: "Request proxying is not in effect");
    }

    /// <summary>The host's invocation request: a JSON object with <c>Data</c> and <c>Metadata</c>.</summary>
    private static async Task<bool> IsInvocationEnvelopeAsync(HttpRequest request)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("Data", out _)
                && document.RootElement.TryGetProperty("Metadata", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
