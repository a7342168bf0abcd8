using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Omni.DevHost.Sandbox;

/// <summary>
/// Delivers delivery reports after their delay, like the providers do: ACS through Event Grid, either as a message on
/// the emulated <c>acs-events</c> queue (<see cref="ProviderSandboxOptions.AcsEventsQueue"/>: the event alone as the
/// body, <c>aeg-*</c> application properties, Event Grid's own MessageId) or POSTed to the webhook (an Event Grid schema
/// array, <c>aeg-*</c> headers, success = 200–204); Twilio as a form-encoded status callback signed with
/// <c>X-Twilio-Signature</c>. A failed delivery is retried after each of <see cref="ProviderSandboxOptions.ReportRetryDelays"/>
/// and then given up (logged, and noted on the call).
/// </summary>
public sealed class DeliveryReporter : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly SandboxCallLog _calls;
    private readonly ProviderSandboxOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _pending = new();

    public DeliveryReporter(SandboxCallLog calls, ProviderSandboxOptions options, ILogger logger)
    {
        _calls = calls;
        _options = options;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            Timeout = options.ReportTimeout,
        };
    }

    /// <summary>Reports not yet finished (posted or given up).</summary>
    public int Pending => _pending.Count;

    /// <summary>
    /// Delivers the event <paramref name="buildEvent"/> makes (at delivery time) to the ACS events queue, or else to
    /// the ACS events URL as a one-event array, after <paramref name="delay"/> and not before <paramref name="after"/>
    /// (the previous report of the same send) has been delivered or given up, so that one send's reports arrive in their
    /// planned order however busy the machine is.
    /// </summary>
    /// <returns>The delivery; pass it as the next report's <paramref name="after"/>.</returns>
    public Task ScheduleEventGrid(long callId, string messageId, TimeSpan delay, Func<DateTimeOffset, JsonObject> buildEvent, Task? after = null)
    {
        if (EventGridPath is null)
        {
            _calls.Update(callId, c => c with { ReportNote = "No ACS events queue or URL is configured: no Event Grid subscriber." });
            return Task.CompletedTask;
        }
        // Event Grid's id for this delivery: the queue message's MessageId, kept across its retries.
        var eventGridId = Guid.NewGuid().ToString("D");
        return Track(async token =>
        {
            await Task.Delay(delay, _options.Time, token);
            await (after ?? Task.CompletedTask).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await DeliverEventAsync(callId, messageId, buildEvent(_options.Time.GetUtcNow()), eventGridId, token);
        });
    }

    /// <summary>Where ACS events go: <c>queue acs-events</c>, the webhook's path, or null when there is no Event Grid subscriber.</summary>
    public string? EventGridPath => _options.AcsEventsQueue is { } queue ? $"queue {queue.Name}" : _options.AcsEventsUrl?.AbsolutePath;

    /// <summary>
    /// Delivers <paramref name="event"/> now, the way and with the retries of <see cref="ScheduleEventGrid"/> (the customer
    /// simulator and events on demand use it), and waits for the outcome: null when delivered, otherwise why not.
    /// <paramref name="callId"/> is the sandbox call it reports on (0: none, e.g. an inbound message).
    /// </summary>
    public Task<string?> DeliverEventGridAsync(long callId, string messageId, JsonObject @event) =>
        EventGridPath is null
            ? Task.FromResult<string?>("No ACS events queue or URL is configured: no Event Grid subscriber.")
            : TrackOutcome(token => DeliverEventAsync(callId, messageId, @event, Guid.NewGuid().ToString("D"), token));

    /// <summary>
    /// Posts what <paramref name="request"/> builds (a new request per attempt) now, with the report retries, and waits for
    /// the outcome: null when answered 2xx, otherwise why not. For webhooks that are not Event Grid's (chat).
    /// </summary>
    public Task<string?> PostNowAsync(string provider, string id, Uri target, Func<HttpRequestMessage> request) =>
        TrackOutcome(token => DeliverWithRetriesAsync(0, id, provider, target.AbsolutePath,
            _ => PostAsync(request(), status => status is >= 200 and < 300, token), token));

    private Task<string?> DeliverEventAsync(long callId, string messageId, JsonObject @event, string eventGridId, CancellationToken token)
    {
        if (_options.AcsEventsQueue is { } queue)
        {
            return DeliverWithRetriesAsync(callId, messageId, "acs", $"queue {queue.Name}",
                attempt => Task.FromResult(EventGridDelivery.Enqueue(queue, @event, eventGridId, attempt)), token);
        }
        var url = _options.AcsEventsUrl!;
        var body = new JsonArray(@event.DeepClone()).ToJsonString();
        return DeliverWithRetriesAsync(callId, messageId, "acs", url.AbsolutePath, attempt =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            foreach (var (name, value) in EventGridDelivery.Properties(@event, attempt))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
            if (_options.AcsEventsSecret is { } secret)
            {
                request.Headers.TryAddWithoutValidation(SandboxEnvironment.AcsEventsSecretHeader, secret);
            }
            return PostAsync(request, status => status is >= 200 and <= 204, token);
        }, token);
    }

    /// <summary>
    /// Posts a Twilio status callback with <paramref name="parameters"/> to <paramref name="callback"/>, signed with
    /// <paramref name="authToken"/>, after <paramref name="delay"/> and not before <paramref name="after"/> is done (as
    /// <see cref="ScheduleEventGrid"/>).
    /// </summary>
    public Task ScheduleTwilio(long callId, string messageSid, TimeSpan delay, Uri callback, IReadOnlyDictionary<string, string> parameters, string authToken, Task? after = null)
    {
        var signature = TwilioSignature.Compute(authToken, callback.OriginalString, parameters);
        var idempotencyToken = Guid.NewGuid().ToString("D");
        return Track(async token =>
        {
            await Task.Delay(delay, _options.Time, token);
            await (after ?? Task.CompletedTask).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await DeliverWithRetriesAsync(callId, messageSid, "twilio", callback.AbsolutePath, _ =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, callback) { Content = new FormUrlEncodedContent(parameters) };
                request.Headers.TryAddWithoutValidation("X-Twilio-Signature", signature);
                request.Headers.TryAddWithoutValidation("I-Twilio-Idempotency-Token", idempotencyToken);
                request.Headers.UserAgent.Add(new ProductInfoHeaderValue("TwilioProxy", "1.1"));
                return PostAsync(request, status => status is >= 200 and < 300, token);
            }, token);
        });
    }

    private Task Track(Func<CancellationToken, Task> work)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await work(_stopping.Token);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
            }
        });
        _pending[task] = 0;
        task.ContinueWith(t => _pending.TryRemove(t, out _), TaskScheduler.Default);
        return task;
    }

    /// <summary>Runs <paramref name="work"/> like a report (the DevHost's shutdown waits for it) and returns its outcome.</summary>
    private async Task<string?> TrackOutcome(Func<CancellationToken, Task<string?>> work)
    {
        string? outcome = "The DevHost is stopping.";
        await Track(async token => outcome = await work(token));
        return outcome;
    }

    /// <summary>Sends <paramref name="request"/> (and disposes it): null when the answer counts as success, else why not.</summary>
    private async Task<string?> PostAsync(HttpRequestMessage request, Func<int, bool> isSuccess, CancellationToken token)
    {
        using (request)
        {
            try
            {
                using var response = await _http.SendAsync(request, token);
                var status = (int)response.StatusCode;
                return isSuccess(status) ? null : $"HTTP {status}";
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !token.IsCancellationRequested))
            {
                return e is TaskCanceledException ? "timed out" : e.Message;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="deliver"/> (attempt 1, 2, …; null = delivered, else the error) until it succeeds or the retries
    /// run out. Null when delivered, else the last error.
    /// </summary>
    private async Task<string?> DeliverWithRetriesAsync(long callId, string messageId, string provider, string target,
        Func<int, Task<string?>> deliver, CancellationToken token)
    {
        var attempts = _options.ReportRetryDelays.Count + 1;
        string? lastError = null;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            if (attempt > 1)
            {
                await Task.Delay(_options.ReportRetryDelays[attempt - 2], _options.Time, token);
            }
            lastError = await deliver(attempt);
            if (lastError is null)
            {
                _calls.Update(callId, c => c with { ReportPosted = true, ReportAttempts = attempt, ReportNote = null });
                _logger.LogInformation("Sandbox {Provider} event for {MessageId} delivered to {Target} (attempt {Attempt}).",
                    provider, messageId, target, attempt);
                return null;
            }
            _calls.Update(callId, c => c with { ReportAttempts = attempt, ReportNote = $"Attempt {attempt} failed: {lastError}" });
            _logger.LogWarning("Sandbox {Provider} event for {MessageId} to {Target}: attempt {Attempt} of {Attempts} failed ({Error}).",
                provider, messageId, target, attempt, attempts, lastError);
        }
        _calls.Update(callId, c => c with { ReportNote = $"Given up after {attempts} attempts; last: {lastError}" });
        _logger.LogWarning("Sandbox {Provider} event for {MessageId} given up after {Attempts} attempts.", provider, messageId, attempts);
        return $"Given up after {attempts} attempts; last: {lastError}";
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_pending.Keys);
        _http.Dispose();
        _stopping.Dispose();
    }
}

/// <summary>
/// Twilio's request signature (https://www.twilio.com/docs/usage/security): Base64 HMAC-SHA1, keyed with the UTF-8
/// auth token, of the full URL followed by every POST parameter as name + value, names in ordinal order.
/// </summary>
public static class TwilioSignature
{
    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(authToken);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(parameters);
        var data = new StringBuilder(url);
        foreach (var (name, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal))
        {
            data.Append(name).Append(value);
        }
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
    }
}
