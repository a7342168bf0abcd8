using System.Diagnostics;
using System.Net.Http.Headers;
using Omni.DevHost.ServiceBus;
using Omni.Hosting;

namespace Omni.DevHost.Handler;

/// <summary>
/// Delivers a queue's messages to a serviceBusTrigger function the way the Service Bus extension does: peek-lock,
/// at most <c>maxConcurrentCalls</c> at once, the host's <c>{"Data","Metadata"}</c> request, complete on success,
/// abandon on failure (Service Bus then redelivers, and dead-letters after MaxDeliveryCount).
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
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        using var slots = new SemaphoreSlim(_maxConcurrentCalls);
        var running = new HashSet<Task>();
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                await slots.WaitAsync(stopping);
                if (_queue.TryLock(out var message))
                {
                    var delivery = Task.Run(async () =>
                    {
                        try
                        {
                            await DeliverAsync(message, stopping);
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

    private async Task DeliverAsync(QueuedMessage message, CancellationToken stopping)
    {
        var invocationId = Guid.NewGuid();
        var watch = Stopwatch.StartNew();
        string? failure;
        try
        {
            failure = await InvokeAsync(message, invocationId, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            failure = "the DevHost is stopping";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or InvalidOperationException)
        {
            failure = $"the handler did not answer: {e.Message}";
        }

        if (failure is null)
        {
            _queue.Complete(message);
            _logger.LogInformation("Executed '{Function}' (Succeeded, Id={InvocationId}, MessageId={MessageId}, DeliveryCount={DeliveryCount}, Duration={Duration}ms)",
                _function.Name, invocationId, message.MessageId, message.DeliveryCount, watch.ElapsedMilliseconds);
        }
        else
        {
            _queue.Abandon(message, failure);
            _logger.LogWarning("Executed '{Function}' (Failed, Id={InvocationId}, MessageId={MessageId}, DeliveryCount={DeliveryCount}, Duration={Duration}ms): {Failure}{DeadLettered}",
                _function.Name, invocationId, message.MessageId, message.DeliveryCount, watch.ElapsedMilliseconds, failure,
                message.State == MessageState.DeadLettered ? " — dead-lettered" : "");
        }
    }

    /// <summary>Posts one invocation; null when the host would count it a success, otherwise why it failed.</summary>
    private async Task<string?> InvokeAsync(QueuedMessage queued, Guid invocationId, CancellationToken stopping)
    {
        var baseAddress = await _handler.WaitUntilReadyAsync(stopping);
        var payload = queued.ToTriggerMessage().ToInvocationPayload(_function, _time.GetUtcNow());

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
        HttpResponseMessage sent;
        try
        {
            sent = await _http.SendAsync(request, timeout.Token);
        }
        catch (HttpRequestException)
        {
            await _handler.OnUnreachableAsync(baseAddress);
            throw;
        }
        using var response = sent;
        var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
        var failure = InvocationResult.CheckHostAcceptance((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body, out var result);
        foreach (var line in result?.Logs ?? [])
        {
            _logger.LogInformation("{Line}", line);
        }
        return failure;
    }
}
