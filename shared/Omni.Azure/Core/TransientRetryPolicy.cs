using Azure.Core;
using Azure.Core.Pipeline;

namespace Omni.Azure.Core;

/// <summary>
/// Retry policy for Omni's REST clients, configured by <see cref="RetryOptions"/>.
/// Retries what the message's <see cref="ResponseClassifier"/> calls transient (408, 429, 500, 502, 503, 504,
/// connection failures and network timeouts) with exponential or fixed back-off, and never earlier than the
/// server asked for (<c>retry-after-ms</c>, <c>x-ms-retry-after-ms</c>, <c>Retry-After</c> as seconds or HTTP-date).
/// </summary>
/// <remarks>
/// Unlike Azure.Core's built-in policy, a server-requested delay longer than <see cref="RetryOptions.MaxDelay"/>
/// is not waited out: the throttled response is surfaced at once, so a queue-triggered function can let the
/// message be redelivered later instead of blocking its invocation.
/// The <see cref="RetryOptions"/> instance is read at every retry, so changes made to
/// <c>ClientOptions.Retry</c> after this policy was created still apply.
/// </remarks>
public sealed class TransientRetryPolicy : HttpPipelinePolicy
{
    private readonly RetryOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;

    /// <summary>Creates the policy reading its limits from <paramref name="options"/>.</summary>
    public TransientRetryPolicy(RetryOptions options)
        : this(options, TimeProvider.System, delay: null)
    {
    }

    /// <summary>Test seam: a clock for HTTP-date Retry-After values and a replacement for the wait itself.</summary>
    internal TransientRetryPolicy(RetryOptions options, TimeProvider timeProvider, Func<TimeSpan, CancellationToken, Task>? delay)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options;
        _timeProvider = timeProvider;
        _delay = delay ?? ((wait, ct) => Task.Delay(wait, timeProvider, ct));
    }

    /// <inheritdoc />
    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        for (int attempt = 1; ; attempt++)
        {
            bool failedWithException = false;
            try
            {
                await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt <= _options.MaxRetries && message.ResponseClassifier.IsRetriable(message, ex))
            {
                failedWithException = true;
            }

            if (!TryGetDelay(message, attempt, failedWithException, out TimeSpan delay))
            {
                return;
            }

            await _delay(delay, message.CancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        for (int attempt = 1; ; attempt++)
        {
            bool failedWithException = false;
            try
            {
                ProcessNext(message, pipeline);
            }
            catch (Exception ex) when (attempt <= _options.MaxRetries && message.ResponseClassifier.IsRetriable(message, ex))
            {
                failedWithException = true;
            }

            if (!TryGetDelay(message, attempt, failedWithException, out TimeSpan delay))
            {
                return;
            }

            _delay(delay, message.CancellationToken).GetAwaiter().GetResult();
        }
    }

    private bool TryGetDelay(HttpMessage message, int attempt, bool failedWithException, out TimeSpan delay)
    {
        delay = TimeSpan.Zero;
        if (!failedWithException)
        {
            if (attempt > _options.MaxRetries || !message.ResponseClassifier.IsRetriableResponse(message))
            {
                return false;
            }
        }

        TimeSpan backOff = ComputeBackOff(attempt);
        if (!failedWithException && message.HasResponse)
        {
            TimeSpan? serverDelay = RetryAfterHeader.GetDelay(message.Response, _timeProvider.GetUtcNow());
            if (serverDelay is { } requested)
            {
                if (requested > _options.MaxDelay)
                {
                    // Waiting that long would block the caller; surface the throttled response instead.
                    return false;
                }

                backOff = requested > backOff ? requested : backOff;
            }

            // Free the connection held by the response we are about to discard.
            message.Response.ContentStream?.Dispose();
        }

        delay = backOff;
        return true;
    }

    private TimeSpan ComputeBackOff(int attempt)
    {
        TimeSpan baseDelay = _options.Delay;
        double milliseconds = _options.Mode == RetryMode.Fixed
            ? baseDelay.TotalMilliseconds
            : baseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);

        // +/-20% jitter so that many throttled callers do not come back in lock-step.
        milliseconds *= 0.8 + (Random.Shared.NextDouble() * 0.4);
        milliseconds = Math.Min(milliseconds, _options.MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(milliseconds);
    }
}
