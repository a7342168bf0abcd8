namespace Omni.DevHost.Http;

/// <summary>
/// Retries a request to the handler that could not connect, as the Functions host's proxy does (10 attempts, 50 ms
/// doubling to at most 250 ms between them: about 1.9 s in all), so a request that arrives while the handler restarts
/// or rebinds still gets through.
/// </summary>
/// <remarks>
/// The host retries every <see cref="HttpRequestException"/> until the invocation itself has failed; the DevHost retries
/// connection failures only, so a request the handler may already have received is never sent a second time.
/// </remarks>
internal sealed class ConnectRetryHandler(HttpMessageHandler inner, ILogger logger) : DelegatingHandler(inner)
{
    internal const int MaxAttempts = 10;
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(250);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError && attempt < MaxAttempts)
            {
                logger.LogDebug("Could not connect to the handler (attempt {Attempt} of {MaxAttempts}); retrying in {Delay} ms.",
                    attempt, MaxAttempts, delay.TotalMilliseconds);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }
}
