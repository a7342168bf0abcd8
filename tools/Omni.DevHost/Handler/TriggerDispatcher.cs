using System.Diagnostics;
using System.Net.Http.Headers;
using Omni.DevHost.ServiceBus;
using Omni.Hosting;

namespace Omni.DevHost.Handler;

/// <summary>
/// Delivers a queue's messages to a serviceBusTrigger function the way the Service Bus extension does: peek-lock,
/// at most <c>maxConcurrentCalls</c> at once, the host's <c>{"Data","Metadata"}</c> request, complete on success,
/// abandon on failure (Service Bus then redelivers, and dead-letters after MaxDeliveryCount). The lock is renewed for
/// <c>maxAutoLockRenewalDuration</c> only: a longer invocation loses it, the message is delivered again meanwhile, and the
/// late settlement is ignored (lock lost). Past <c>functionTimeout</c> the handler is restarted, failing every invocation
/// in flight, as the host restarts its worker.
/// </summary>
public sealed class TriggerDispatcher
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromSeconds(5);

    private readonly FunctionDefinition _function;
    private readonly EmulatedQueue _queue;
    private readonly HandlerProcess _handler;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxConcurrentCalls;
    private readonly TimeSpan _functionTimeout;
    private readonly TimeSpan _maxAutoLockRenewal;

    public TriggerDispatcher(FunctionDefinition function, EmulatedQueue queue, HandlerProcess handler, HostSettings host,
        HttpClient http, TimeProvider time, ILoggerFactory loggers)
    {
        _function = function;
        _queue = queue;
        _handler = handler;
        _http = http;
        _time = time;
        _logger = loggers.CreateLogger("Function." + function.Name);
        _maxConcurrentCalls = host.ServiceBusMaxConcurrentCalls ?? 16 * Environment.ProcessorCount;
        _functionTimeout = host.FunctionTimeout ?? TimeSpan.FromMinutes(30);
        _maxAutoLockRenewal = host.ServiceBusMaxAutoLockRenewalDuration;
    }

    /// <summary>
    /// One delivery as this invocation got it. The message object is shared with later deliveries: once this lock lapses
    /// the message may be locked again (new token, DeliveryCount + 1) while this invocation still runs.
    /// </summary>
    private sealed record Lease(QueuedMessage Message, Guid LockToken, int DeliveryCount, ServiceBusTriggerMessage Trigger);

    public async Task RunAsync(CancellationToken stopping)
    {
        using var slots = new SemaphoreSlim(_maxConcurrentCalls);
        var running = new HashSet<Task>();
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                await slots.WaitAsync(stopping);
                if (_queue.TryLockForTrigger(_maxAutoLockRenewal, out var message))
                {
                    var lease = new Lease(message, message.LockToken, message.DeliveryCount, message.ToTriggerMessage());
                    var delivery = Task.Run(async () =>
                    {
                        try
                        {
                            await DeliverAsync(lease, stopping);
                        }
                        finally
                        {
                            slots.Release();
                        }
                    }, CancellationToken.None);
                    lock (running)
                    {
                        running.Add(delivery);
                    }
                    _ = delivery.ContinueWith(t => { lock (running) { running.Remove(t); } }, TaskScheduler.Default);
                    continue;
                }
                slots.Release();
                var wait = _queue.NextDueIn() is { } due && due < IdlePoll ? due : IdlePoll;
                await _queue.WaitForChangeAsync(wait + TimeSpan.FromMilliseconds(1), stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        Task[] inFlight;
        lock (running)
        {
            inFlight = running.ToArray();
        }
        await Task.WhenAll(inFlight).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task DeliverAsync(Lease lease, CancellationToken stopping)
    {
        var invocationId = Guid.NewGuid();
        var watch = Stopwatch.StartNew();
        var message = lease.Message;
        string? failure;
        try
        {
            failure = await InvokeAsync(lease.Trigger, invocationId, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            failure = "the DevHost is stopping";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or InvalidOperationException)
        {
            failure = $"the handler did not answer: {e.Message}";
        }

        if (failure is null ? !_queue.TryComplete(message, lease.LockToken) : !_queue.TryAbandon(message, lease.LockToken, failure))
        {
            // The host's complete or abandon fails with MessageLockLost; it logs that and leaves the message to its new delivery.
            _logger.LogWarning("Executed '{Function}' ({Outcome}, Id={InvocationId}, MessageId={MessageId}, DeliveryCount={DeliveryCount}, Duration={Duration}ms), " +
                               "but the message lock was lost (MessageLockLost: it lapsed after maxAutoLockRenewalDuration {Renewal}): the {Settlement} is ignored",
                _function.Name, failure is null ? "Succeeded" : "Failed", invocationId, message.MessageId, lease.DeliveryCount, watch.ElapsedMilliseconds,
                _maxAutoLockRenewal, failure is null ? "complete" : "abandon");
        }
        else if (failure is null)
        {
            _logger.LogInformation("Executed '{Function}' (Succeeded, Id={InvocationId}, MessageId={MessageId}, DeliveryCount={DeliveryCount}, Duration={Duration}ms)",
                _function.Name, invocationId, message.MessageId, lease.DeliveryCount, watch.ElapsedMilliseconds);
        }
        else
        {
            _logger.LogWarning("Executed '{Function}' (Failed, Id={InvocationId}, MessageId={MessageId}, DeliveryCount={DeliveryCount}, Duration={Duration}ms): {Failure}{DeadLettered}",
                _function.Name, invocationId, message.MessageId, lease.DeliveryCount, watch.ElapsedMilliseconds, failure,
                message.State == MessageState.DeadLettered ? " — dead-lettered" : "");
        }
    }

    /// <summary>Posts one invocation; null when the host would count it a success, otherwise why it failed.</summary>
    private async Task<string?> InvokeAsync(ServiceBusTriggerMessage trigger, Guid invocationId, CancellationToken stopping)
    {
        var baseAddress = await _handler.WaitUntilReadyAsync(stopping);
        var payload = trigger.ToInvocationPayload(_function, _time.GetUtcNow());

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, _function.Name))
        {
            Content = new ByteArrayContent(payload),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation("X-Azure-Functions-HostVersion", DevHostServer.HostVersion);
        request.Headers.TryAddWithoutValidation("X-Azure-Functions-InvocationId", invocationId.ToString());
        request.Headers.TryAddWithoutValidation("User-Agent", $"Azure-Functions-Host/{DevHostServer.HostVersion}");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(_functionTimeout);
        using var inFlight = _handler.TrackInvocation();
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            var failure = InvocationResult.CheckHostAcceptance((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body, out var result);
            foreach (var line in result?.Logs ?? [])
            {
                _logger.LogInformation("{Line}", line);
            }
            return failure;
        }
        catch (HttpRequestException)
        {
            await _handler.OnUnreachableAsync(baseAddress);
            throw;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            return RestartAfterTimeout(invocationId, baseAddress);
        }
    }

    /// <summary>
    /// The host cannot stop one invocation of an out-of-process worker, so past functionTimeout it restarts the worker:
    /// every invocation in flight fails with this one (queue messages abandoned, HTTP requests answered 500).
    /// </summary>
    private string RestartAfterTimeout(Guid invocationId, Uri baseAddress)
    {
        var pid = _handler.RestartAfterTimeout(baseAddress);
        _logger.LogWarning("Timeout value of {Timeout} exceeded by function '{Function}' (Id: '{InvocationId}'). {Restart}",
            _functionTimeout, _function.Name, invocationId,
            pid is { } killed ? $"Restarting the handler (pid {killed}): every invocation in flight fails." : "The handler is already restarting.");
        return $"Timeout value of {_functionTimeout:c} exceeded by function '{_function.Name}': the handler was restarted";
    }
}
