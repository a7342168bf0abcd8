using Microsoft.AspNetCore.Diagnostics;

namespace Omni.Functions.Http;

/// <summary>
/// An HTTP request that fails because Table Storage or Service Bus cannot be reached (no answer, timeout, 408, 429,
/// 5xx after the client's own retries) is answered <c>503</c> problem+json with <c>Retry-After</c> — not a 500: the
/// caller did nothing wrong and may retry (with the same <c>Idempotency-Key</c> for messages). Nothing was accepted:
/// the handlers write the record before answering success. Other exceptions stay 500s (a bug, not an outage).
/// </summary>
public sealed class DependencyUnavailableHandler(IProblemDetailsService problems, ILogger<DependencyUnavailableHandler> logger) : IExceptionHandler
{
    /// <summary>Seconds a client is asked to wait before retrying.</summary>
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsUnavailable(exception, httpContext.RequestAborted) || httpContext.Response.HasStarted)
        {
            return false;
        }
        // The exception type and status only: messages can quote request data.
        logger.LogWarning("{Method} {Path}: a dependency is unavailable ({Exception}, status {Status}); answered 503.",
            httpContext.Request.Method, Omni.Core.Contacts.ContactIds.RedactPath(httpContext.Request.Path.Value ?? ""), exception.GetType().Name, (exception as global::Azure.RequestFailedException)?.Status);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Service unavailable",
                Detail = "Storage or messaging is unavailable right now; nothing was accepted. Retry later (with the same Idempotency-Key).",
            },
        });
    }

    /// <summary>Whether <paramref name="exception"/> says a dependency is unreachable or overloaded, not that the request or the code is wrong.</summary>
    public static bool IsUnavailable(Exception exception, CancellationToken requestAborted) => exception switch
    {
        global::Azure.RequestFailedException { Status: 0 or 408 or 429 or >= 500 } => true,
        HttpRequestException or IOException or TimeoutException => true,
        OperationCanceledException => !requestAborted.IsCancellationRequested,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(e => IsUnavailable(e, requestAborted)),
        _ => false,
    };
}
