using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Moq;
using Omni.Azure.ServiceBus;
using Omni.Functions.AcsEventQueue;
using Omni.Functions.Operations;
using Omni.Hosting;

namespace Omni.Functions.Tests.AcsEventQueue;

/// <summary>
/// AcsEventQueue through the app, invoked as the Functions host invokes it (the host's binary payload for a message on
/// acs-events, as Event Grid puts it there: one event, aeg-* properties). What it puts on inbound is compared with what
/// the AcsEvents webhook puts there for the same event, on the same clock. Service Bus is mocked at the edge.
/// </summary>
public sealed class AcsEventQueueFunctionTests : IDisposable
{
    private const string Secret = "acs-secret-0123456789abcdefghijklmnop";

    // A delivery report in the documented shape, one event as Event Grid writes it to a queue (not an array).
    private const string SmsDeliveryReport = """
        {"id":"Outgoing_202009180022138813a09b-0cbf-4304-9b03-1546683bb910","subject":"/phonenumber/15555555555","eventType":"Microsoft.Communication.SMSDeliveryReportReceived","dataVersion":"1.0","metadataVersion":"1","eventTime":"2020-09-18T00:22:20Z",
         "data":{"messageId":"Outgoing_202009180022138813a09b-0cbf-4304-9b03-1546683bb910","from":"15555555555","to":"+15555555555","deliveryStatus":"Delivered","deliveryStatusDetails":"No error.","receivedTimestamp":"2020-09-18T00:22:20.2855749Z"}}
        """;

    private const string SmsDeliveryReportCloudEvent = """
        {"specversion":"1.0","id":"e1","source":"/s","type":"Microsoft.Communication.SMSDeliveryReportReceived","time":"2024-01-01T00:00:00Z","data":{"messageId":"Outgoing_1","deliveryStatus":"Failed","deliveryStatusDetails":"Blocked"}}
        """;

    /// <summary>The webhook tests' samples are one-event arrays; on the queue the event comes alone.</summary>
    private static string Alone(string oneEventArray) => oneEventArray.Trim()[1..^1];

    private static readonly string SmsReceived = Alone(Webhooks.WebhooksApiTests.SmsReceived);

    public static TheoryData<string, string, string> QueuedEvents => new()
    {
        { SmsDeliveryReport, "acs:Outgoing_202009180022138813a09b-0cbf-4304-9b03-1546683bb910", "delivery" },
        { SmsReceived, "acs:Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e", "message" },
        { SmsDeliveryReportCloudEvent, "acs:e1", "delivery" },
    };

    public static TheoryData<string> NothingToAct => new()
    {
        Alone(Webhooks.WebhooksApiTests.Validation),
        """{"id":"x","eventType":"Microsoft.Communication.CallStarted","data":{}}""",
    };

    private readonly FunctionAppFactory _factory = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.Zero));
    private readonly ConcurrentQueue<(string Queue, ServiceBusMessage Message)> _sent = new();
    private readonly HashSet<string> _failing = [];

    public AcsEventQueueFunctionTests()
    {
        // One recording sender per queue, so a test sees where each message went; a queue in _failing answers 503.
        _factory.ServiceBus.Setup(c => c.CreateSender(It.IsAny<string>())).Returns((string queue) =>
        {
            var sender = new Mock<ServiceBusSender>();
            sender.Setup(s => s.SendMessagesAsync(It.IsAny<IEnumerable<ServiceBusMessage>>(), It.IsAny<CancellationToken>()))
                .Returns((IEnumerable<ServiceBusMessage> batch, CancellationToken _) => Record(queue, [.. batch]));
            sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
                .Returns((ServiceBusMessage message, CancellationToken _) => Record(queue, [message]));
            return sender.Object;
        });
    }

    public void Dispose() => _factory.Dispose();

    private Task Record(string queue, IReadOnlyList<ServiceBusMessage> messages)
    {
        if (_failing.Contains(queue))
        {
            throw new global::Azure.RequestFailedException(503, "Service Bus is unavailable.");
        }
        foreach (var message in messages)
        {
            _sent.Enqueue((queue, message));
        }
        return Task.CompletedTask;
    }

    private HttpClient Client() => _factory.WithWebHostBuilder(b =>
    {
        b.UseSetting("AcsEvents:Secret", Secret);
        // After the app's own registrations: the clock stamps receivedAt on both paths.
        b.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(_clock));
    }).CreateClient();

    /// <summary>The message Event Grid puts on acs-events for <paramref name="body"/>: its own message id and the aeg-* properties.</summary>
    private static ServiceBusTriggerMessage QueuedEvent(string body) => new()
    {
        Body = Encoding.UTF8.GetBytes(body),
        MessageId = "5f0c3ad1-5d5f-4f4e-9b0e-4d1f3b1c2a10",
        DeliveryCount = 1,
        ApplicationProperties = new Dictionary<string, object?>
        {
            ["aeg-subscription-name"] = "OMNI-ACS-EVENTS",
            ["aeg-delivery-count"] = "0",
            ["aeg-event-type"] = "Notification",
            ["aeg-metadata-version"] = "1",
            ["aeg-data-version"] = "1.0",
        },
    };

    private static async Task<HttpResponseMessage> InvokeAsync(HttpClient http, ServiceBusTriggerMessage message)
    {
        var function = FunctionAppManifest.Load(AppContext.BaseDirectory).Functions.Single(f => f.Name == AcsEventQueueFunction.Name);
        var request = new HttpRequestMessage(HttpMethod.Post, "/" + function.Name)
        {
            Content = new ByteArrayContent(message.ToInvocationPayload(function, DateTimeOffset.UtcNow)) { Headers = { ContentType = new("application/json") } },
        };
        request.Headers.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
        return await http.SendAsync(request);
    }

    /// <summary>The host completes the message only for a 200 with a JSON object body.</summary>
    private static async Task AssertCompletedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Null(InvocationResult.CheckHostAcceptance((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body, out _));
    }

    private List<(string Queue, ServiceBusMessage Message)> TakeSent()
    {
        var sent = new List<(string, ServiceBusMessage)>();
        while (_sent.TryDequeue(out var item))
        {
            sent.Add(item);
        }
        return sent;
    }

    private static void AssertSameMessage(ServiceBusMessage expected, ServiceBusMessage actual)
    {
        Assert.Equal(expected.MessageId, actual.MessageId);
        Assert.Equal(expected.ContentType, actual.ContentType);
        Assert.Equal(expected.Subject, actual.Subject);
        Assert.Equal(expected.Body.ToString(), actual.Body.ToString());
    }

    [Theory]
    [MemberData(nameof(QueuedEvents))]
    public async Task RunAsync_OneQueuedEvent_LandsOnInboundExactlyAsTheWebhookPutsIt(string @event, string inboundId, string subject)
    {
        using var http = Client();

        using var queued = await InvokeAsync(http, QueuedEvent(@event));
        await AssertCompletedAsync(queued);
        var fromQueue = Assert.Single(TakeSent());
        // Event Grid posts an Event Grid schema array to a webhook, a CloudEvent as itself.
        var webhookBody = @event.TrimStart().StartsWith("{\"specversion\"", StringComparison.Ordinal) ? @event : $"[{@event}]";
        using var webhook = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/acs")
        {
            Content = new StringContent(webhookBody, Encoding.UTF8, "application/json"),
            Headers = { { "X-Omni-Secret", Secret } },
        };
        using var posted = await http.SendAsync(webhook);
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var fromWebhook = Assert.Single(TakeSent());

        Assert.Equal("inbound", fromQueue.Queue);
        Assert.Equal("inbound", fromWebhook.Queue);
        Assert.Equal(inboundId, fromQueue.Message.MessageId);
        Assert.Equal(subject, fromQueue.Message.Subject);
        AssertSameMessage(fromWebhook.Message, fromQueue.Message);
    }

    [Fact]
    public async Task RunAsync_EventGridArray_IsReadToo()
    {
        using var http = Client();

        using var response = await InvokeAsync(http, QueuedEvent($"[{SmsReceived},{SmsDeliveryReport}]"));

        await AssertCompletedAsync(response);
        Assert.Equal(["acs:Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e", "acs:Outgoing_202009180022138813a09b-0cbf-4304-9b03-1546683bb910"],
            TakeSent().Select(s => s.Message.MessageId));
    }

    [Theory]
    [InlineData("call +447700900123", "not valid JSON")]
    [InlineData("""{"nothing":true,"to":"+447700900123"}""", "no id and type")]
    [InlineData("42", "must be an Event Grid event")]
    public async Task RunAsync_MalformedBody_IsOneContractViolation_CompletedNotRetried(string body, string descriptionPart)
    {
        using var http = Client();
        var message = QueuedEvent(body);

        using var response = await InvokeAsync(http, message);

        await AssertCompletedAsync(response);
        var (queue, copy) = Assert.Single(TakeSent());
        Assert.Equal(ContractViolations.Queue, queue);
        Assert.Equal(message.MessageId, copy.MessageId);
        Assert.Equal(body, copy.Body.ToString());
        Assert.Equal("Notification", copy.ApplicationProperties["aeg-event-type"]);
        Assert.Equal(ContractViolations.Reason, copy.ApplicationProperties[ContractViolations.ReasonProperty]);
        Assert.Contains(descriptionPart, (string)copy.ApplicationProperties[ContractViolations.DescriptionProperty]!, StringComparison.Ordinal);
        Assert.DoesNotContain("447700900123", (string)copy.ApplicationProperties[ContractViolations.DescriptionProperty]!, StringComparison.Ordinal);
        Assert.Equal(AcsEventQueueFunction.Queue, copy.ApplicationProperties[ContractViolations.SourceProperty]);
        Assert.Equal(AcsEventQueueFunction.Name, copy.ApplicationProperties[ContractViolations.FunctionProperty]);
    }

    [Theory]
    [MemberData(nameof(NothingToAct))]
    public async Task RunAsync_ValidationOrUnsupportedEvent_IsCompleted_NothingSent(string body)
    {
        using var http = Client();

        using var response = await InvokeAsync(http, QueuedEvent(body));

        await AssertCompletedAsync(response);
        Assert.Empty(TakeSent());
    }

    [Fact]
    public async Task RunAsync_InboundUnavailable_FailsTheInvocation_SoTheMessageIsRedelivered()
    {
        _failing.Add("inbound");
        using var http = Client();

        using var response = await InvokeAsync(http, QueuedEvent(SmsDeliveryReport));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Empty(TakeSent()); // no contract violation either: the message is retried as it is
    }
}
