using System.Net;
using System.Text;
using System.Text.Json;
using Moq;
using Omni.Azure.ServiceBus;
using Omni.Functions.Echo;
using Omni.Hosting;
using Omni.Functions.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Omni.Functions.Tests;

/// <summary>Trigger invocations exactly as the host posts them, answered the way the host requires.</summary>
public sealed class ServiceBusFunctionsTests : IDisposable
{
    private readonly FunctionAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private static HttpRequestMessage HostInvocation(string function, string payload)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/" + function)
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
        request.Headers.Add("X-Azure-Functions-HostVersion", "4.1040.300.0");
        request.Headers.Add("User-Agent", "Azure-Functions-Host/4.1040.300.0");
        return request;
    }

    // The host's binary-dataType request (shared reference §5.2 shape) for the Echo function.
    private static string EchoPayload(string body, int deliveryCount, string messageId = "7f4e6c1e2b9f4b6c9a1d2e3f4a5b6c7d") => $$"""
        {
          "Data": { "message": "{{Convert.ToBase64String(Encoding.UTF8.GetBytes(body))}}" },
          "Metadata": {
            "MessageReceiver": {}, "MessageSession": {}, "MessageActions": {}, "SessionActions": {}, "ReceiveActions": {},
            "Client": { "FullyQualifiedNamespace": "contoso-sb.servicebus.windows.net", "IsClosed": false, "TransportType": 0 },
            "DeliveryCount": "{{deliveryCount}}",
            "LockToken": "\"a1b2c3d4-0000-4000-8000-1234567890ab\"",
            "ExpiresAtUtc": "2025-05-15T10:15:30",
            "ExpiresAt": "2025-05-15T10:15:30+00:00",
            "EnqueuedTimeUtc": "2025-05-01T10:15:30",
            "EnqueuedTime": "2025-05-01T10:15:30+00:00",
            "MessageId": "\"{{messageId}}\"",
            "ContentType": "\"application/json\"",
            "SequenceNumber": "17",
            "CorrelationId": "\"req-123\"",
            "ApplicationProperties": {},
            "UserProperties": {},
            "sys": { "MethodName": "Echo", "UtcNow": "2025-05-01T10:15:31.456Z", "RandGuid": "0b9e0000-0000-0000-0000-000000000000" }
          }
        }
        """;

    [Fact]
    public async Task Readiness_GetRoot_AnswersOk()
    {
        using var response = await _factory.CreateClient().GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Echo_HostInvocation_AnswersAnEnvelopeTheHostAcceptsAndSendsTheReply()
    {
        ServiceBusMessage? sent = null;
        _factory.Sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
            .Callback<ServiceBusMessage, CancellationToken>((m, _) => sent = m)
            .Returns(Task.CompletedTask);

        using var response = await _factory.CreateClient().SendAsync(HostInvocation("Echo", EchoPayload("""{"text":"hi"}""", deliveryCount: 1)));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Null(InvocationResult.CheckHostAcceptance((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body, out var result));
        Assert.Contains(result!.Logs, l => l.Contains("7f4e6c1e2b9f4b6c9a1d2e3f4a5b6c7d"));
        _factory.ServiceBus.Verify(c => c.CreateSender(EchoFunction.ReplyQueue));
        Assert.NotNull(sent);
        Assert.Equal("7f4e6c1e2b9f4b6c9a1d2e3f4a5b6c7d:echo", sent.MessageId);
        Assert.Equal("req-123", sent.CorrelationId);
        using var reply = JsonDocument.Parse(sent.Body.ToString());
        Assert.Equal("hi", reply.RootElement.GetProperty("text").GetString());
        Assert.Equal(1, reply.RootElement.GetProperty("deliveryCount").GetInt32());
    }

    [Fact]
    public async Task Echo_FailureRequestedForThisDelivery_AnswersNon2xxSoTheHostAbandons()
    {
        using var response = await _factory.CreateClient().SendAsync(HostInvocation("Echo", EchoPayload("""{"failUntilDelivery":3}""", deliveryCount: 2)));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        _factory.Sender.Verify(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Echo_SendToServiceBusFails_AnswersNon2xxSoTheMessageIsRetried()
    {
        _factory.Sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new global::Azure.RequestFailedException(503, "Service unavailable"));

        using var response = await _factory.CreateClient().SendAsync(HostInvocation("Echo", EchoPayload("""{"text":"hi"}""", deliveryCount: 1)));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{"Metadata":{}}""")]
    [InlineData("""{"Data":{"wrongBinding":"e30="}}""")]
    public async Task Echo_NotAHostInvocation_Answers400(string payload)
    {
        using var response = await _factory.CreateClient().SendAsync(HostInvocation("Echo", payload));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public void InvocationDeadline_RepositoryHostJson_StopsHalfAMinuteBeforeTheLockRenewalEnds()
    {
        var host = FunctionAppManifest.Load(AppContext.BaseDirectory).Host;

        // host.json: maxAutoLockRenewalDuration 5 min < functionTimeout 10 min.
        Assert.Equal(TimeSpan.FromMinutes(4.5), ServiceBusFunctions.InvocationDeadline(host));
    }

    [Fact]
    public async Task SlowInvocation_PastItsDeadline_FailsAloneSoTheHostAbandonsAndRedelivers()
    {
        // An app folder whose host.json gives each invocation 2 s (function timeout), so the deadline is 1.8 s.
        var root = Directory.CreateTempSubdirectory("omni-deadline-").FullName;
        try
        {
            foreach (var functionJson in Directory.EnumerateFiles(AppContext.BaseDirectory, "function.json", SearchOption.AllDirectories))
            {
                var target = Path.Combine(root, Path.GetRelativePath(AppContext.BaseDirectory, functionJson));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(functionJson, target);
            }
            var hostJson = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "host.json")).Replace("\"00:10:00\"", "\"00:00:02\"", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(root, "host.json"), hostJson);
            using var app = _factory.WithWebHostBuilder(b =>
            {
                b.UseSetting("FUNCTIONS_APP_ROOT_PATH", root);
                b.ConfigureServices(s => s.AddKeyedScoped<IServiceBusFunction, WaitsForCancellation>(EchoFunction.Name));
            });
            var watch = System.Diagnostics.Stopwatch.StartNew();

            using var response = await app.CreateClient().SendAsync(HostInvocation("Echo", EchoPayload("{}", deliveryCount: 1)));
            var body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Contains("stopped at its deadline of 00:00:01.8000000", body);
            Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(30));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task HttpFunction_InvokedInPayloadMode_Answers503SayingProxyingIsOff()
    {
        using var response = await _factory.CreateClient().SendAsync(HostInvocation("Health", """{"Data":{"req":{"Url":"http://localhost/api/health","Method":"GET"}},"Metadata":{}}"""));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("enableProxyingHttpRequest", body);
    }

    [Fact]
    public async Task HttpFunctionName_PostedSomethingElse_Answers404PointingToTheRoute()
    {
        using var response = await _factory.CreateClient().PostAsync("/Health", new StringContent("""{"hello":1}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("/api", await response.Content.ReadAsStringAsync());
    }

    /// <summary>A function that takes as long as it is allowed to.</summary>
    private sealed class WaitsForCancellation : IServiceBusFunction
    {
        public async Task<InvocationResult> RunAsync(ServiceBusTriggerMessage message, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return new InvocationResult();
        }
    }
}
