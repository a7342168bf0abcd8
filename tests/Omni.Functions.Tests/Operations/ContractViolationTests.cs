using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Omni.Azure.ServiceBus;
using Omni.Azure.Tables;
using Omni.Channels.Inbound;
using Omni.Channels.Outbound;
using Omni.Core.Messages;
using Omni.Functions.Echo;
using Omni.Functions.Inbound;
using Omni.Functions.Messages;
using Omni.Functions.Operations;
using Omni.Functions.Tests.Inbound;
using Omni.Functions.Tests.Messages;
using Omni.Hosting;
using Omni.Storage.Messages;

namespace Omni.Functions.Tests.Operations;

/// <summary>
/// Queue contract violations: every Service Bus-triggered function copies a message that breaks its queue's contract
/// to the contract-violations queue (same body and MessageId, reason/description/source/function/delivery) and
/// completes it after one delivery; a transient failure still throws; a failed copy fails the invocation. Real Table
/// Storage (Azurite) for the pipeline; Service Bus is a recording client (the network edge).
/// </summary>
public sealed class ContractViolationTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    /// <summary>Service Bus at the edge: records every message sent, per queue; a queue in <see cref="Failing"/> answers 503.</summary>
    private sealed class RecordingServiceBus
    {
        public List<(string Queue, ServiceBusMessage Message)> Sent { get; } = [];
        public HashSet<string> Failing { get; } = [];
        public ServiceBusClient Client { get; }

        public RecordingServiceBus()
        {
            var bus = new Mock<ServiceBusClient>();
            bus.Setup(b => b.CreateSender(It.IsAny<string>())).Returns((string queue) =>
            {
                var sender = new Mock<ServiceBusSender>();
                sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
                    .Returns((ServiceBusMessage m, CancellationToken _) =>
                    {
                        if (Failing.Contains(queue))
                        {
                            throw new RequestFailedException(503, "Service Bus is unavailable.");
                        }
                        Sent.Add((queue, m));
                        return Task.CompletedTask;
                    });
                sender.Setup(s => s.ScheduleMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
                    .Returns((ServiceBusMessage m, DateTimeOffset _, CancellationToken _) =>
                    {
                        Sent.Add((queue, m));
                        return Task.CompletedTask;
                    });
                return sender.Object;
            });
            Client = bus.Object;
        }

        public ServiceBusMessage SingleViolation()
        {
            var (queue, message) = Assert.Single(Sent);
            Assert.Equal(ContractViolations.Queue, queue);
            return message;
        }
    }

    private sealed record Setup(PipelineHarness Harness, RecordingServiceBus Bus, OutboundPipeline Pipeline);

    private Setup NewSetup(IMessageStore? messages = null)
    {
        var h = new PipelineHarness(storage);
        var bus = new RecordingServiceBus();
        var pipeline = new OutboundPipeline(messages ?? h.Messages, h.Contacts, bus.Client, [h.Sms, h.Email, h.WhatsApp],
            new TemplateContentComposer(new Omni.Core.Content.ContentComposer(new Omni.Core.Content.BrandVariables([new("Name", "Acme")])), h.Templates, h.Settings),
            h.Settings, h.Clock, NullLogger<OutboundPipeline>.Instance,
            new Omni.Functions.Stats.StatsRecorder(h.Stats, NullLogger<Omni.Functions.Stats.StatsRecorder>.Instance),
            new Omni.Functions.Stats.ChannelHealthSource(h.Stats, h.Clock, NullLogger<Omni.Functions.Stats.ChannelHealthSource>.Instance));
        return new Setup(h, bus, pipeline);
    }

    /// <summary>A message store on a storage endpoint that refuses connections: a storage outage.</summary>
    private TableMessageStore UnreachableStore()
    {
        var port = Omni.DevHost.Storage.Azurite.FreeTcpPort();
        var connection = Regex.Replace(storage.ConnectionString, @"127\.0\.0\.1:\d+", $"127.0.0.1:{port}");
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 0;
        return new TableMessageStore(new TableServiceClient(connection, options));
    }

    private static ServiceBusTriggerMessage Delivery(string body, string? messageId = null, int deliveryCount = 1,
        Dictionary<string, object?>? properties = null) => new()
    {
        Body = Encoding.UTF8.GetBytes(body),
        MessageId = messageId ?? "m-" + Guid.NewGuid().ToString("N"),
        DeliveryCount = deliveryCount,
        ContentType = "application/json",
        CorrelationId = "corr-1",
        ApplicationProperties = properties ?? new Dictionary<string, object?> { ["tenant"] = "t1" },
    };

    /// <summary>The copy carries the original's bytes, id, metadata and properties plus the violation properties.</summary>
    private static void AssertCopyOf(ServiceBusTriggerMessage original, ServiceBusMessage copy, string queue, string function, string descriptionPart)
    {
        Assert.Equal(original.Body.ToArray(), copy.Body.ToArray());
        Assert.Equal(original.MessageId, copy.MessageId);
        Assert.Equal(original.ContentType, copy.ContentType);
        Assert.Equal(original.CorrelationId, copy.CorrelationId);
        Assert.Equal("t1", copy.ApplicationProperties["tenant"]);
        Assert.Equal("ContractViolation", copy.ApplicationProperties["DeadLetterReason"]);
        Assert.Contains(descriptionPart, (string)copy.ApplicationProperties["DeadLetterErrorDescription"]!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(queue, copy.ApplicationProperties["DeadLetterSource"]);
        Assert.Equal(function, copy.ApplicationProperties["DeadLetterFunction"]);
        Assert.Equal((long)original.DeliveryCount, copy.ApplicationProperties["DeadLetterDeliveryCount"]);
    }

    private const string PersonalNumber = "+447700900123";

    // ------------------------------------------------------------------ outbound (RouteMessage)

    [Theory]
    [InlineData("""{"to":{"sms":"+447700900123"},"category":"transactional","content":{"text":"hi +447700900123"},"colour":"red"}""", "$.colour")]
    [InlineData("""{"to":{"sms":"+447700900123"},"category":"transactional"}""", "content: Required")]
    [InlineData("""{"to":{"sms":"+4477009001234567"},"category":"transactional","content":{"text":"hi"}}""", "to.sms: '…'")]
    [InlineData("""call +447700900123""", "not a valid message")]
    [InlineData("""null""", "not null")]
    public async Task Outbound_InvalidRequest_OneCopyWithTheReason_RecordedRejected_NothingElseSent(string body, string descriptionPart)
    {
        var s = NewSetup();
        var function = new RouteMessageFunction(s.Pipeline, NullLogger<RouteMessageFunction>.Instance);
        var message = Delivery(body, "app-" + Guid.NewGuid().ToString("N"));

        await function.RunAsync(message, CancellationToken.None);

        var copy = s.Bus.SingleViolation();
        AssertCopyOf(message, copy, "outbound", "RouteMessage", descriptionPart);
        Assert.DoesNotContain("+44770090012", (string)copy.ApplicationProperties["DeadLetterErrorDescription"]!, StringComparison.Ordinal);
        var record = await s.Harness.GetAsync(message.MessageId!);
        Assert.Equal(MessageStatus.Rejected, record.Status);
        Assert.Contains(descriptionPart.Split(": '")[0], record.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(s.Harness.Sms.Calls);
        Assert.Empty(s.Harness.Sent);
    }

    [Fact]
    public async Task Outbound_BodyIdNotAValidId_CopyOnly_NoRecord()
    {
        var s = NewSetup();
        var function = new RouteMessageFunction(s.Pipeline, NullLogger<RouteMessageFunction>.Instance);
        var message = Delivery("""{"id":"no spaces allowed","to":{"sms":"+447700900123"},"category":"transactional","content":{"text":"hi"}}""");

        await function.RunAsync(message, CancellationToken.None);

        AssertCopyOf(message, s.Bus.SingleViolation(), "outbound", "RouteMessage", "id:");
        Assert.Null(await s.Harness.Messages.GetAsync(message.MessageId!, CancellationToken.None));
        Assert.Empty(s.Harness.Sent);
    }

    [Fact]
    public async Task Outbound_CopyCannotBeSent_InvocationFails_NothingRecorded_RetrySucceeds()
    {
        var s = NewSetup();
        var function = new RouteMessageFunction(s.Pipeline, NullLogger<RouteMessageFunction>.Instance);
        var message = Delivery("""{"to":{"sms":"+447700900123"},"category":"transactional"}""", "app-" + Guid.NewGuid().ToString("N"));
        s.Bus.Failing.Add(ContractViolations.Queue);

        await Assert.ThrowsAsync<RequestFailedException>(() => function.RunAsync(message, CancellationToken.None));
        Assert.Empty(s.Bus.Sent);
        Assert.Null(await s.Harness.Messages.GetAsync(message.MessageId!, CancellationToken.None));

        // The host redelivers; Service Bus is back.
        s.Bus.Failing.Clear();
        await function.RunAsync(message with { DeliveryCount = 2 }, CancellationToken.None);
        Assert.Equal(2L, s.Bus.SingleViolation().ApplicationProperties["DeadLetterDeliveryCount"]);
        Assert.Equal(MessageStatus.Rejected, (await s.Harness.GetAsync(message.MessageId!)).Status);
    }

    [Fact]
    public async Task Outbound_StorageDown_ValidAndInvalidRequestsThrow_NoCopyUntilTheRecordCanBeLookedUp()
    {
        var s = NewSetup(UnreachableStore());
        var function = new RouteMessageFunction(s.Pipeline, NullLogger<RouteMessageFunction>.Instance);

        var valid = Delivery("""{"to":{"sms":"+447700900123"},"category":"transactional","content":{"text":"hi"}}""", "app-" + Guid.NewGuid().ToString("N"));
        await Assert.ThrowsAnyAsync<Exception>(() => function.RunAsync(valid, CancellationToken.None));
        Assert.Empty(s.Bus.Sent);

        // Invalid: whether it is new (or Omni's own, already recorded) needs the message log: retried, copied once storage is back.
        var invalid = Delivery("""{"to":{"sms":"+447700900123"},"category":"transactional"}""", "app-" + Guid.NewGuid().ToString("N"));
        await Assert.ThrowsAnyAsync<Exception>(() => function.RunAsync(invalid, CancellationToken.None));
        Assert.Empty(s.Bus.Sent);
    }

    [Fact]
    public async Task Outbound_RedeliveryOfARejectedMessage_CopiedAgainUnderTheSameId_AValidReplayIsAcceptedAndRouted()
    {
        var s = NewSetup();
        var contact = await s.Harness.CreateContactAsync();
        var function = new RouteMessageFunction(s.Pipeline, NullLogger<RouteMessageFunction>.Instance);
        var queueId = "app-" + Guid.NewGuid().ToString("N");
        var invalid = Delivery($$"""{"contactId":"{{contact.Id}}","category":"transactional"}""", queueId);

        await function.RunAsync(invalid, CancellationToken.None);
        await function.RunAsync(invalid with { DeliveryCount = 2 }, CancellationToken.None);
        Assert.Equal([queueId, queueId], s.Bus.Sent.Select(m => m.Message.MessageId));
        Assert.All(s.Bus.Sent, m => Assert.Equal(ContractViolations.Queue, m.Queue));
        Assert.Equal(MessageStatus.Rejected, (await s.Harness.GetAsync(queueId)).Status);

        // The operations API replays a (fixed) copy: new MessageId, ReplayOf = the original id, so it is routed under that id.
        s.Bus.Sent.Clear();
        var replay = Delivery($$$"""{"contactId":"{{{contact.Id}}}","category":"transactional","urgency":"high","strategy":"first","content":{"text":"hi","subject":"s"}}""", $"{queueId}:replay:1",
            properties: new Dictionary<string, object?> { ["ReplayOf"] = queueId });
        await function.RunAsync(replay, CancellationToken.None);

        var record = await s.Harness.GetAsync(queueId);
        Assert.Equal(MessageStatus.Routed, record.Status);
        Assert.Null(record.Reason);
        Assert.DoesNotContain(s.Bus.Sent, m => m.Queue == ContractViolations.Queue);
        Assert.Contains(s.Bus.Sent, m => m.Queue.StartsWith("send-", StringComparison.Ordinal) && m.Message.MessageId == OmniQueues.StepMessageId(queueId, 0));
    }

    // ------------------------------------------------------------------ send-* and escalations

    public static TheoryData<string, string, string> StepViolations()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var function in SendStepFunction.Names)
        {
            data.Add(function, "not json +447700900123", "not a valid SendStepCommand");
            data.Add(function, """["m-1",0]""", "JSON object is required");
            data.Add(function, """{"step":0}""", "messageId is required");
            data.Add(function, """{"messageId":"m-1"}""", "step is required");
            data.Add(function, """{"messageId":"m-1","step":-1}""", "step is required");
            data.Add(function, """{"messageId":"m-1","step":"0"}""", "step is required");
            data.Add(function, """{"messageId":"not an id","step":0}""", "messageId is required");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(StepViolations))]
    public async Task SendStep_Violation_OneCopyPerQueue_Completed_NothingElseWritten(string functionName, string body, string descriptionPart)
    {
        var s = NewSetup();
        var function = new SendStepFunction(s.Pipeline, NullLogger<SendStepFunction>.Instance, functionName);
        var message = Delivery(body);

        var result = await function.RunAsync(message, CancellationToken.None);

        Assert.NotNull(result);
        AssertCopyOf(message, s.Bus.SingleViolation(), ContractViolations.FunctionQueues[functionName], functionName, descriptionPart);
        Assert.Empty(s.Harness.Sent);
        Assert.Empty(s.Harness.Sms.Calls);
        Assert.Empty(s.Harness.Email.Calls);
    }

    [Fact]
    public async Task SendStep_ValidCommand_StorageDown_Throws_NoCopy()
    {
        var s = NewSetup(UnreachableStore());
        var function = new SendStepFunction(s.Pipeline, NullLogger<SendStepFunction>.Instance, "SendSms");

        await Assert.ThrowsAnyAsync<Exception>(() => function.RunAsync(Delivery("""{"messageId":"m-1","step":0}"""), CancellationToken.None));
        Assert.Empty(s.Bus.Sent);
    }

    [Fact]
    public async Task SendStep_CopyCannotBeSent_InvocationFails()
    {
        var s = NewSetup();
        s.Bus.Failing.Add(ContractViolations.Queue);
        var function = new SendStepFunction(s.Pipeline, NullLogger<SendStepFunction>.Instance, "SendEmail");

        await Assert.ThrowsAsync<RequestFailedException>(() => function.RunAsync(Delivery("{}"), CancellationToken.None));
        Assert.Empty(s.Bus.Sent);
    }

    [Fact]
    public async Task SendStep_ValidCommand_ForAnUnknownMessage_IsNotAViolation()
    {
        var s = NewSetup();
        var function = new SendStepFunction(s.Pipeline, NullLogger<SendStepFunction>.Instance, "SendSms");

        // Well-formed: the pipeline decides (an erased message has nothing to send) — no copy.
        await function.RunAsync(Delivery("""{"messageId":"m-erased","step":0,"extra":true}"""), CancellationToken.None);
        Assert.Empty(s.Bus.Sent);
    }

    [Theory]
    [InlineData("""{"messageId":"m-1"}""", "step is required")]
    [InlineData("""true""", "JSON object is required")]
    public async Task Escalate_Violation_Copied(string body, string descriptionPart)
    {
        var s = NewSetup();
        var function = new EscalateMessageFunction(s.Pipeline, NullLogger<EscalateMessageFunction>.Instance);
        var message = Delivery(body);

        await function.RunAsync(message, CancellationToken.None);

        AssertCopyOf(message, s.Bus.SingleViolation(), OmniQueues.Escalations, EscalateMessageFunction.Name, descriptionPart);
        Assert.Empty(s.Harness.Sent);
    }

    [Fact]
    public async Task Escalate_StorageDown_Throws_NoCopy()
    {
        var s = NewSetup(UnreachableStore());
        var function = new EscalateMessageFunction(s.Pipeline, NullLogger<EscalateMessageFunction>.Instance);

        await Assert.ThrowsAnyAsync<Exception>(() => function.RunAsync(Delivery("""{"messageId":"m-1","step":1}"""), CancellationToken.None));
        Assert.Empty(s.Bus.Sent);
    }

    // ------------------------------------------------------------------ inbound (ProcessInbound)

    [Theory]
    [InlineData("""{"id":"acs:1","kind":"smoke","provider":"acs","channel":"sms"}""", "$.kind")]
    [InlineData("""{"id":"acs:1","kind":9,"provider":"acs","channel":"sms"}""", "kind or channel")]
    [InlineData("""{"id":"acs:1","kind":"message","channel":"sms","from":"+447700900123"}""", "not a valid InboundEvent")]
    [InlineData("""{"id":"","kind":"message","provider":"acs","channel":"sms"}""", "must not be empty")]
    [InlineData("""{"id":"acs:1","kind":"message","provider":"acs","channel":"fax"}""", "$.channel")]
    [InlineData("""<xml/>""", "not a valid InboundEvent")]
    public async Task Inbound_Violation_Copied_NothingProcessed(string body, string descriptionPart)
    {
        var inbound = new InboundHarness(storage);
        var s = NewSetup();
        var function = new ProcessInboundFunction(s.Pipeline, inbound.Processor, NullLogger<ProcessInboundFunction>.Instance);
        var message = Delivery(body, "acs:" + Guid.NewGuid().ToString("N"));

        await function.RunAsync(message, CancellationToken.None);

        var copy = s.Bus.SingleViolation();
        AssertCopyOf(message, copy, OmniQueues.Inbound, ProcessInboundFunction.Name, descriptionPart);
        Assert.DoesNotContain(PersonalNumber, (string)copy.ApplicationProperties["DeadLetterErrorDescription"]!, StringComparison.Ordinal);
        Assert.Empty(inbound.Pipeline.Sent);
    }

    [Fact]
    public async Task Inbound_ReportForAnUnknownProviderMessage_IsRequeuedLater_NotAViolation()
    {
        var inbound = new InboundHarness(storage);
        var s = NewSetup();
        var function = new ProcessInboundFunction(s.Pipeline, inbound.Processor, NullLogger<ProcessInboundFunction>.Instance);
        var report = new InboundEvent
        {
            Id = "acs:" + Guid.NewGuid().ToString("N"), Kind = InboundEventKind.Delivery, Provider = "acs", Channel = Omni.Core.Contacts.Channel.Sms,
            ProviderMessageId = Guid.NewGuid().ToString("N"), Status = AttemptStatus.Delivered,
        };
        var body = InboundEventJson.Serialize(report);

        await function.RunAsync(new ServiceBusTriggerMessage { Body = body, MessageId = report.Id, DeliveryCount = 1 }, CancellationToken.None);

        var (queue, copy) = Assert.Single(s.Bus.Sent);
        Assert.Equal(OmniQueues.Inbound, queue);
        Assert.Equal(report.Id + "~retry1", copy.MessageId);
        Assert.Equal(1, copy.ApplicationProperties[ProcessInboundFunction.UnknownReportRetryProperty]);
        Assert.Equal(body.ToArray(), copy.Body.ToArray());

        // The last allowed re-queue gives up (logged), sending nothing more.
        s.Bus.Sent.Clear();
        await function.RunAsync(new ServiceBusTriggerMessage
        {
            Body = body, MessageId = report.Id + "~retry9", DeliveryCount = 1,
            ApplicationProperties = new Dictionary<string, object?> { [ProcessInboundFunction.UnknownReportRetryProperty] = 9L },
        }, CancellationToken.None);
        Assert.Empty(s.Bus.Sent);
    }

    [Fact]
    public void UnknownReportDelays_GrowToAMinute_AboutFourMinutesInAll()
    {
        var delays = Enumerable.Range(0, ProcessInboundFunction.UnknownReportRetries).Select(ProcessInboundFunction.UnknownReportDelay).ToList();
        Assert.Equal(TimeSpan.FromSeconds(1), delays[0]);
        Assert.Equal(TimeSpan.FromSeconds(60), delays[^1]);
        Assert.InRange(delays.Aggregate(TimeSpan.Zero, (a, b) => a + b), TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(5));
    }

    // ------------------------------------------------------------------ app-events (SendAppEvent)

    private sealed class Endpoint(HttpStatusCode status) : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(new HttpResponseMessage(status));
        }
    }

    private sealed class Factory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }

    private static AppEventSender AppEvents(Endpoint endpoint)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AppEvents:Url"] = "https://app.example.com/events",
            ["AppEvents:SigningSecret"] = "contract-test-secret",
        }).Build();
        return new AppEventSender(InboundSettings.FromConfiguration(config), WebhookOptions.FromConfiguration(config), new Factory(endpoint),
            TimeProvider.System, NullLogger<AppEventSender>.Instance);
    }

    [Theory]
    [InlineData("""{"kind":"message","text":"call +447700900123"}""", "id is required")]
    [InlineData("""{"id":"acs:1"}""", "kind is required")]
    [InlineData("""[1,2]""", "JSON object is required")]
    [InlineData("""{"id":"acs:1",""", "not a valid app event")]
    public async Task AppEvent_Violation_Copied_NotPosted(string body, string descriptionPart)
    {
        var endpoint = new Endpoint(HttpStatusCode.NoContent);
        var bus = new RecordingServiceBus();
        var function = new SendAppEventFunction(AppEvents(endpoint), bus.Client, NullLogger<SendAppEventFunction>.Instance);
        var message = Delivery(body);

        await function.RunAsync(message, CancellationToken.None);

        AssertCopyOf(message, bus.SingleViolation(), "app-events", SendAppEventFunction.Name, descriptionPart);
        Assert.Equal(0, endpoint.Calls);
    }

    [Fact]
    public async Task AppEvent_EndpointRefuses_StillThrows_NoCopy()
    {
        var endpoint = new Endpoint(HttpStatusCode.InternalServerError);
        var bus = new RecordingServiceBus();
        var function = new SendAppEventFunction(AppEvents(endpoint), bus.Client, NullLogger<SendAppEventFunction>.Instance);

        await Assert.ThrowsAsync<AppEventDeliveryException>(() => function.RunAsync(Delivery("""{"id":"acs:1","kind":"message"}"""), CancellationToken.None));
        Assert.Equal(1, endpoint.Calls);
        Assert.Empty(bus.Sent);
    }

    [Fact]
    public async Task AppEvent_CopyCannotBeSent_InvocationFails()
    {
        var bus = new RecordingServiceBus();
        bus.Failing.Add(ContractViolations.Queue);
        var function = new SendAppEventFunction(AppEvents(new Endpoint(HttpStatusCode.NoContent)), bus.Client, NullLogger<SendAppEventFunction>.Instance);

        await Assert.ThrowsAsync<RequestFailedException>(() => function.RunAsync(Delivery("{}"), CancellationToken.None));
    }

    // ------------------------------------------------------------------ echo

    [Fact]
    public async Task Echo_WrongTypedMember_Copied_NoReply()
    {
        var bus = new RecordingServiceBus();
        var function = new EchoFunction(bus.Client, NullLogger<EchoFunction>.Instance);
        var message = Delivery("""{"text":"hi","failUntilDelivery":"three"}""");

        await function.RunAsync(message, CancellationToken.None);

        AssertCopyOf(message, bus.SingleViolation(), "echo", EchoFunction.Name, "failUntilDelivery");
    }

    [Fact]
    public async Task Echo_FailUntilDelivery_StillThrows_ThenReplies_PlainTextIsEchoed()
    {
        var bus = new RecordingServiceBus();
        var function = new EchoFunction(bus.Client, NullLogger<EchoFunction>.Instance);
        var drill = Delivery("""{"text":"hi","failUntilDelivery":2}""");

        await Assert.ThrowsAsync<EchoRequestedFailureException>(() => function.RunAsync(drill, CancellationToken.None));
        Assert.Empty(bus.Sent);
        await function.RunAsync(drill with { DeliveryCount = 2 }, CancellationToken.None);
        var (queue, reply) = Assert.Single(bus.Sent);
        Assert.Equal(EchoFunction.ReplyQueue, queue);
        Assert.Equal("hi", JsonNode.Parse(reply.Body.ToArray())!["text"]!.GetValue<string>());

        bus.Sent.Clear();
        await function.RunAsync(Delivery("plain text"), CancellationToken.None);
        Assert.Equal(EchoFunction.ReplyQueue, Assert.Single(bus.Sent).Queue);
    }

    [Fact]
    public async Task Echo_CopyCannotBeSent_InvocationFails()
    {
        var bus = new RecordingServiceBus();
        bus.Failing.Add(ContractViolations.Queue);
        var function = new EchoFunction(bus.Client, NullLogger<EchoFunction>.Instance);

        await Assert.ThrowsAsync<RequestFailedException>(() => function.RunAsync(Delivery("""{"text":5}"""), CancellationToken.None));
    }

    // ------------------------------------------------------------------ the function ↔ queue table

    [Fact]
    public void FunctionQueues_AreExactlyTheServiceBusTriggers_AndNothingIsTriggeredByTheViolationsQueue()
    {
        var root = Omni.DevHost.DevHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)!;
        var triggers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(root, "functions"), "function.json", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            foreach (var binding in JsonNode.Parse(File.ReadAllText(file))!["bindings"]!.AsArray())
            {
                if (binding!["type"]!.GetValue<string>() == "serviceBusTrigger")
                {
                    triggers[Path.GetFileName(Path.GetDirectoryName(file))!] = binding["queueName"]!.GetValue<string>();
                }
            }
        }
        Assert.Equal(triggers.OrderBy(t => t.Key), ContractViolations.FunctionQueues.OrderBy(t => t.Key));
        Assert.DoesNotContain(ContractViolations.Queue, triggers.Values);
    }
}
