using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Omni.DevHost.Sandbox;

/// <summary>
/// How the sandbox providers answer under a fault rule (<see cref="SandboxResponse"/>), shared by ACS and Twilio: the
/// provider-specific part is only the error body, which the caller writes.
/// </summary>
internal static class SandboxFaults
{
    /// <summary>Writes the provider's error for <paramref name="status"/> (its JSON error format and code).</summary>
    public delegate Task ErrorWriter(HttpContext context, int status);

    /// <summary>
    /// Answers a request the decision refuses before accepting anything (<see cref="SandboxDecision.RefusesRequest"/>):
    /// 503, 429 + <c>Retry-After</c>, 500, an aborted connection, or an answer held past the client's timeout (then 503).
    /// </summary>
    /// <returns>The status answered, 0 when the connection was aborted or the client left first.</returns>
    public static async Task<int> RefuseAsync(HttpContext context, SandboxDecision decision, ErrorWriter error)
    {
        switch (decision.Response)
        {
            case SandboxResponse.Drop:
                context.Abort();
                return 0;
            case SandboxResponse.Timeout:
                if (!await HoldAsync(context, decision.Hold))
                {
                    return 0;
                }
                await error(context, 503);
                return 503;
            case SandboxResponse.Throttled:
                context.Response.Headers.RetryAfter = ((int)decision.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                await error(context, 429);
                return 429;
            case SandboxResponse.Error:
                await error(context, 500);
                return 500;
            default:
                await error(context, 503);
                return 503;
        }
    }

    /// <summary>
    /// Answers an accepted send: the success answer (<paramref name="status"/>, <paramref name="headers"/>,
    /// <paramref name="body"/>) as is, or after the fault: held past the client's timeout, the connection aborted, a 500,
    /// or the success status with the body cut in half.
    /// </summary>
    /// <returns>The status answered, 0 when the connection was aborted or the client left before the held answer.</returns>
    public static async Task<int> AnswerAcceptedAsync(HttpContext context, SandboxResponse fault, TimeSpan hold, int status,
        IReadOnlyDictionary<string, string> headers, JsonNode body, ErrorWriter error)
    {
        switch (fault)
        {
            case SandboxResponse.Drop:
                context.Abort();
                return 0;
            case SandboxResponse.Error:
                await error(context, 500);
                return 500;
            case SandboxResponse.Timeout when !await HoldAsync(context, hold):
                return 0;
        }
        foreach (var (name, value) in headers)
        {
            context.Response.Headers[name] = value;
        }
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        if (fault == SandboxResponse.Malformed)
        {
            bytes = bytes[..(bytes.Length / 2)];
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        try
        {
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
        return status;
    }

    /// <summary>Waits <paramref name="hold"/>; false when the client gave up (closed the connection) first.</summary>
    private static async Task<bool> HoldAsync(HttpContext context, TimeSpan hold)
    {
        try
        {
            await Task.Delay(hold, context.RequestAborted);
            return !context.RequestAborted.IsCancellationRequested;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

/// <summary>Which reports of one accepted send are posted, in what order and when (<see cref="SandboxRule.ReportOrder"/>, <see cref="SandboxRule.DuplicateReports"/>).</summary>
internal static class ReportPlan
{
    /// <summary>The time between two posts of the same send's reports (each also waits for the one before it to be done).</summary>
    public static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(150);

    /// <param name="sequence">Every status the provider reports for the send, in the provider's order, the final one last.</param>
    public static IReadOnlyList<(T Report, TimeSpan Delay)> Order<T>(IReadOnlyList<T> sequence, SandboxDecision decision)
    {
        if (sequence.Count == 0)
        {
            return [];
        }
        IEnumerable<T> ordered = decision.ReportOrder switch
        {
            SandboxReportOrder.InOrder => sequence,
            SandboxReportOrder.Reversed => sequence.Reverse(),
            _ => [sequence[^1]],
        };
        var posts = ordered.ToList();
        if (decision.DuplicateReports)
        {
            posts.AddRange(posts.ToList());
        }
        return [.. posts.Select((report, i) => (report, decision.ReportDelay + (Gap * i)))];
    }
}
