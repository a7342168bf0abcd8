using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Omni.Azure.ServiceBus;
using Omni.DevHost.ServiceBus;
using Omni.DevHost.Storage;

namespace Omni.DevHost.Tests;

/// <summary>
/// The emulator's REST receive side (peek-lock, unlock, delete on queues and dead-letter sub-queues) and queue status,
/// over real HTTP, driven by Omni's own REST client and by raw requests where the wire format itself is the point.
/// </summary>
public sealed class ServiceBusReceiveTests : IAsyncLifetime
{
    // The REST client signs with the system clock, so the emulator's fake clock starts at the real time.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private WebApplication _app = null!;
    private ServiceBusEmulator _emulator = null!;
    private Uri _base = null!;
    private ServiceBusClient _client = null!;

    public async Task InitializeAsync()
    {
        _emulator = new ServiceBusEmulator(
            [QueueSettings.Default("work") with { MaxDeliveryCount = 2, LockDuration = TimeSpan.FromSeconds(30) }, QueueSettings.Default("other")],
            _time);
        _base = new Uri($"http://127.0.0.1:{Azurite.FreeTcpPort()}/");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(_base.ToString().TrimEnd('/'));
        builder.Logging.ClearProviders();
        builder.Services.AddProblemDetails();
        _app = builder.Build();
        _emulator.MapEndpoints(_app);
        await _app.StartAsync();
        _client = new ServiceBusClient(ServiceBusEmulator.ConnectionString(_base));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    private EmulatedQueue Work => _emulator.GetQueue("work")!;

    /// <summary>Sends through the REST API, then fails every delivery until the message is dead-lettered.</summary>
    private async Task DeadLetterAsync(string id, string body = "{\"text\":\"poison\"}")
    {
        var message = new ServiceBusMessage(body) { MessageId = id, ContentType = "application/json", CorrelationId = "corr-" + id };
        message.ApplicationProperties["tenant"] = "t1";
        message.ApplicationProperties["attempt"] = 7;
        await _client.CreateSender("work").SendMessageAsync(message);
        for (var i = 0; i < Work.Settings.MaxDeliveryCount; i++)
        {
            Assert.True(Work.TryLock(out var locked));
            Work.Abandon(locked, $"failure {i + 1}");
        }
        Assert.Contains(Work.Snapshot(false).DeadLetters, m => m.MessageId == id);
    }

    [Fact]
    public async Task DeadLetterPeekLock_ReturnsBodyBrokerPropertiesReasonAndApplicationProperties()
    {
        await DeadLetterAsync("m-1");

        var message = await _client.CreateReceiver("work", ServiceBusSubQueue.DeadLetter).PeekLockAsync();

        Assert.NotNull(message);
        Assert.Equal("{\"text\":\"poison\"}", message.Body.ToString());
        Assert.Equal("m-1", message.MessageId);
        Assert.Equal(2, message.DeliveryCount);
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal("corr-m-1", message.CorrelationId);
        Assert.Equal("MaxDeliveryCountExceeded", message.DeadLetterReason);
        Assert.Contains("Last failure: failure 2", message.DeadLetterErrorDescription);
        Assert.Equal("t1", message.ApplicationProperties["tenant"]);
        Assert.Equal(7L, message.ApplicationProperties["attempt"]);
        // LockedUntilUtc travels as an RFC 1123 date: whole seconds.
        Assert.InRange(message.LockedUntil!.Value, _time.GetUtcNow().AddSeconds(29), _time.GetUtcNow().AddSeconds(30));
        Assert.True(Guid.TryParse(message.LockToken, out _));
    }

    [Fact]
    public async Task DeadLetterPeekLock_RawWire_201WithLocationAndQuotedPropertyHeaders()
    {
        await DeadLetterAsync("m-raw");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_base, "work/$DeadLetterQueue/messages/head?timeout=0"));
        request.Headers.TryAddWithoutValidation("Authorization", Sas("work"));

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var broker = JsonDocument.Parse(response.Headers.GetValues("BrokerProperties").Single());
        var lockToken = broker.RootElement.GetProperty("LockToken").GetString();
        var sequence = broker.RootElement.GetProperty("SequenceNumber").GetInt64();
        Assert.Equal(new Uri(_base, $"work/$DeadLetterQueue/messages/{sequence}/{lockToken}"), response.Headers.Location);
        Assert.Equal("\"MaxDeliveryCountExceeded\"", response.Headers.GetValues("DeadLetterReason").Single());
        Assert.Equal("\"t1\"", response.Headers.GetValues("tenant").Single());
        Assert.Equal("7", response.Headers.GetValues("attempt").Single());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{\"text\":\"poison\"}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task DeadLetterLocked_InvisibleToASecondPeekUntilUnlocked()
    {
        await DeadLetterAsync("m-2");
        var receiver = _client.CreateReceiver("work", ServiceBusSubQueue.DeadLetter);

        var first = (await receiver.PeekLockAsync())!;
        Assert.Null(await receiver.PeekLockAsync());
        await receiver.UnlockAsync(first);
        var again = await receiver.PeekLockAsync();

        Assert.Equal("m-2", again?.MessageId);
        Assert.NotEqual(first.LockToken, again!.LockToken);
        Assert.Equal(1, Work.Snapshot(false).DeadLettered);
    }

    [Fact]
    public async Task DeadLetterComplete_RemovesIt_AndASecondCompleteIs404()
    {
        await DeadLetterAsync("m-3");
        var receiver = _client.CreateReceiver("work", ServiceBusSubQueue.DeadLetter);
        var message = (await receiver.PeekLockAsync())!;

        await receiver.CompleteAsync(message);
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => receiver.CompleteAsync(message));

        Assert.Equal(404, error.Status);
        Assert.Equal(0, Work.Snapshot(false).DeadLettered);
        Assert.Equal(1, Work.DeadLettersCompleted);
        Assert.Null(await receiver.PeekLockAsync());
    }

    [Fact]
    public async Task DeadLetterLock_LapsesAfterLockDuration_OldTokenNoLongerSettles()
    {
        await DeadLetterAsync("m-4");
        var receiver = _client.CreateReceiver("work", ServiceBusSubQueue.DeadLetter);
        var first = (await receiver.PeekLockAsync())!;

        _time.Advance(TimeSpan.FromSeconds(31));
        var second = await receiver.PeekLockAsync();
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => receiver.CompleteAsync(first));

        Assert.Equal("m-4", second?.MessageId);
        Assert.Equal(404, error.Status);
        Assert.Equal(1, Work.Snapshot(false).DeadLettered);
    }

    [Fact]
    public async Task EmptyDeadLetterQueue_PeekLock_204Null()
    {
        Assert.Null(await _client.CreateReceiver("other", ServiceBusSubQueue.DeadLetter).PeekLockAsync());
    }

    [Fact]
    public async Task Receive_WrongKey_401_UnknownQueue_404_BadLockToken_400()
    {
        await using var wrong = new ServiceBusClient(ServiceBusEmulator.ConnectionString(_base).Replace(ServiceBusEmulator.Key, Convert.ToBase64String(new byte[32])));

        var unauthorized = await Assert.ThrowsAsync<RequestFailedException>(() => wrong.CreateReceiver("work", ServiceBusSubQueue.DeadLetter).PeekLockAsync());
        var missing = await Assert.ThrowsAsync<RequestFailedException>(() => _client.CreateReceiver("nope", ServiceBusSubQueue.DeadLetter).PeekLockAsync());
        using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(_base, "work/$DeadLetterQueue/messages/1/not-a-guid"));
        request.Headers.TryAddWithoutValidation("Authorization", Sas("work"));
        using var badToken = await _http.SendAsync(request);

        Assert.Equal(401, unauthorized.Status);
        Assert.Equal(404, missing.Status);
        Assert.Equal(HttpStatusCode.BadRequest, badToken.StatusCode);
    }

    [Fact]
    public async Task SasForAnotherQueue_DoesNotCoverThisQueuesDeadLetters()
    {
        await DeadLetterAsync("m-5");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_base, "work/$DeadLetterQueue/messages/head"));
        request.Headers.TryAddWithoutValidation("Authorization", Sas("other"));

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("m-5", (await _client.CreateReceiver("work", ServiceBusSubQueue.DeadLetter).PeekLockAsync())?.MessageId);
    }

    [Fact]
    public async Task QueuePeekLock_CompleteRemovesIt_UnlockCountsADelivery()
    {
        var sender = _client.CreateSender("work");
        await sender.SendMessageAsync(new ServiceBusMessage("one") { MessageId = "q-1" });
        await sender.SendMessageAsync(new ServiceBusMessage("two") { MessageId = "q-2" });
        var receiver = _client.CreateReceiver("work");

        var one = (await receiver.PeekLockAsync())!;
        var two = (await receiver.PeekLockAsync())!;
        await receiver.CompleteAsync(one);
        await receiver.UnlockAsync(two);
        var twoAgain = (await receiver.PeekLockAsync())!;
        await receiver.UnlockAsync(twoAgain);

        Assert.Equal(("q-1", 1), (one.MessageId, one.DeliveryCount));
        Assert.Equal(("q-2", 2), (twoAgain.MessageId, twoAgain.DeliveryCount));
        var snapshot = Work.Snapshot(false);
        Assert.Equal(1, snapshot.Completed);
        Assert.Equal("MaxDeliveryCountExceeded", Assert.Single(snapshot.DeadLetters).DeadLetterReason);
    }

    [Fact]
    public async Task QueueLock_Lapsed_CountsAsAFailedDeliveryAndTheMessageComesBack()
    {
        await _client.CreateSender("work").SendMessageAsync(new ServiceBusMessage("x") { MessageId = "q-3" });
        var receiver = _client.CreateReceiver("work");
        var first = (await receiver.PeekLockAsync())!;

        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.True(Work.TryLock(out var redelivered));

        Assert.Equal("q-3", redelivered.MessageId);
        Assert.Equal(2, redelivered.DeliveryCount);
        Assert.Contains("lock expired", Assert.Single(redelivered.Failures));
        await Assert.ThrowsAsync<RequestFailedException>(() => receiver.CompleteAsync(first));
    }

    [Fact]
    public async Task PeekLockWithTimeout_WaitsForAMessageThatArrives()
    {
        var emulator = new ServiceBusEmulator([QueueSettings.Default("live")], TimeProvider.System);
        var queue = emulator.GetQueue("live")!;
        var builder = WebApplication.CreateSlimBuilder();
        var address = new Uri($"http://127.0.0.1:{Azurite.FreeTcpPort()}/");
        builder.WebHost.UseUrls(address.ToString().TrimEnd('/'));
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        emulator.MapEndpoints(app);
        await app.StartAsync();
        var receiver = new ServiceBusClient(ServiceBusEmulator.ConnectionString(address)).CreateReceiver("live");

        var receive = receiver.PeekLockAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(200);
        queue.Enqueue(new IncomingMessage { Body = Encoding.UTF8.GetBytes("late"), MessageId = "late" });
        var message = await receive.WaitAsync(TimeSpan.FromSeconds(8));

        Assert.Equal("late", message?.MessageId);
    }

    [Fact]
    public async Task QueueStatus_SendDisabled_Refuses403_ThenActiveAcceptsAgain()
    {
        using var disable = await _http.PutAsJsonAsync(new Uri(_base, "_devhost/queues/work/status"), new { status = "SendDisabled" });
        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => _client.CreateSender("work").SendMessageAsync(new ServiceBusMessage("x")));
        using var enable = await _http.PutAsJsonAsync(new Uri(_base, "_devhost/queues/work/status"), new { status = "active" });
        await _client.CreateSender("work").SendMessageAsync(new ServiceBusMessage("y") { MessageId = "after" });
        using var bad = await _http.PutAsJsonAsync(new Uri(_base, "_devhost/queues/work/status"), new { status = "Paused" });

        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        Assert.Equal(403, refused.Status);
        Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var snapshot = Work.Snapshot(false);
        Assert.Equal("Active", snapshot.Status);
        Assert.Equal("after", Assert.Single(snapshot.Messages).MessageId);
    }

    [Fact]
    public async Task QueueStatus_ReceiveDisabled_NoDeliveriesAndRestReceiveRefused()
    {
        await _client.CreateSender("work").SendMessageAsync(new ServiceBusMessage("x") { MessageId = "held" });
        Work.Status = EntityStatus.ReceiveDisabled;

        Assert.False(Work.TryLock(out _));
        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => _client.CreateReceiver("work").PeekLockAsync());
        Work.Status = EntityStatus.Active;

        Assert.Equal(403, refused.Status);
        Assert.True(Work.TryLock(out var delivered));
        Assert.Equal("held", delivered.MessageId);
    }

    private string Sas(string queue) =>
        "SharedAccessSignature " + ServiceBusSharedAccessSignatureFor(new Uri(_base, queue).AbsoluteUri.ToLowerInvariant());

    private string ServiceBusSharedAccessSignatureFor(string resource)
    {
        var expiry = _time.GetUtcNow().AddHours(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var sr = Uri.EscapeDataString(resource);
        var sig = Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(
            Encoding.UTF8.GetBytes(ServiceBusEmulator.Key), Encoding.UTF8.GetBytes(sr + "\n" + expiry)));
        return $"sr={sr}&sig={Uri.EscapeDataString(sig)}&se={expiry}&skn={ServiceBusEmulator.KeyName}";
    }
}
