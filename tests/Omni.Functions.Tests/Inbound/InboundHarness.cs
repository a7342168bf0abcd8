using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Omni.Azure.ServiceBus;
using Omni.Channels.Inbound;
using Omni.Core.Contacts;
using Omni.Core.Messages;
using Omni.Functions.Inbound;
using Omni.Functions.Messages;
using Omni.Functions.Tests.Messages;
using Omni.Hosting;
using Omni.Storage.Inbound;
using Omni.Storage.Timeline;

namespace Omni.Functions.Tests.Inbound;

/// <summary>
/// The pipeline harness (Azurite, recording Service Bus, scripted providers) plus the inbound path: inbound events are
/// delivered to the real ProcessInbound function, whose app events land on <c>app-events</c> and stay queued for the test.
/// </summary>
public sealed class InboundHarness
{
    public PipelineHarness Pipeline { get; }
    public TableTimelineStore Timeline { get; }
    public TableInboundEventLog Events { get; }
    public InboundProcessor Processor { get; }
    public InboundSettings Settings { get; }
    public List<string> Failures { get; } = [];

    private readonly HashSet<string> _seen = [];
    private readonly ProcessInboundFunction _function;

    public InboundHarness(AzuriteFixture storage, Dictionary<string, string?>? configuration = null)
    {
        Pipeline = new PipelineHarness(storage, configuration);
        Timeline = new TableTimelineStore(storage.CreateServiceClient());
        Settings = InboundSettings.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(configuration ?? []).Build());
        var bus = new Mock<ServiceBusClient>();
        bus.Setup(b => b.CreateSender(It.IsAny<string>())).Returns((string queue) =>
        {
            var sender = new Mock<ServiceBusSender>();
            sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
                .Returns((ServiceBusMessage m, CancellationToken _) =>
                {
                    Pipeline.Sent.Add(new PipelineHarness.QueuedMessage(queue, m.MessageId, m.Body.ToArray(), Clock.GetUtcNow()));
                    return Task.CompletedTask;
                });
            return sender.Object;
        });
        Events = new TableInboundEventLog(storage.CreateServiceClient());
        Processor = new InboundProcessor(Pipeline.Contacts, Pipeline.Messages, Timeline, Events, Pipeline.Pipeline, Settings, bus.Object,
            new Omni.Functions.Stats.StatsRecorder(Pipeline.Stats, NullLogger<Omni.Functions.Stats.StatsRecorder>.Instance), Clock, NullLogger<InboundProcessor>.Instance);
        _function = new ProcessInboundFunction(Pipeline.Pipeline, Processor, NullLogger<ProcessInboundFunction>.Instance);
    }

    public Microsoft.Extensions.Time.Testing.FakeTimeProvider Clock => Pipeline.Clock;

    /// <summary>An inbound SMS (or other channel) message event from <paramref name="from"/>.</summary>
    public InboundEvent Message(string from, string text, Channel channel = Channel.Sms, string to = "+447700900001") => new()
    {
        Id = "acs:" + Guid.NewGuid().ToString("N"),
        Kind = InboundEventKind.Message,
        Provider = "acs",
        Channel = channel,
        ProviderMessageId = Guid.NewGuid().ToString("N"),
        From = from,
        To = to,
        Text = text,
        OccurredAt = Clock.GetUtcNow(),
        ReceivedAt = Clock.GetUtcNow(),
    };

    /// <summary>Puts the event on the inbound queue as the webhooks do (MessageId = event id).</summary>
    public void Enqueue(InboundEvent inbound) =>
        Pipeline.Sent.Add(new PipelineHarness.QueuedMessage(OmniQueues.Inbound, inbound.Id, InboundEventJson.Serialize(inbound), Clock.GetUtcNow()));

    /// <summary>Runs ProcessInbound on the event directly (a redelivery that duplicate detection would not catch).</summary>
    public Task ProcessAsync(InboundEvent inbound, int deliveryCount = 1) =>
        _function.RunAsync(new ServiceBusTriggerMessage { Body = InboundEventJson.Serialize(inbound), MessageId = inbound.Id, DeliveryCount = deliveryCount }, CancellationToken.None);

    /// <summary>The app-events messages queued so far (never dispatched by <see cref="RunQueuesAsync"/>).</summary>
    public List<PipelineHarness.QueuedMessage> AppEvents => [.. Pipeline.Sent.Where(m => m.Queue == InboundProcessor.AppEventsQueue)];

    /// <summary>Delivers every visible message like Service Bus (duplicate detection, redelivery on failure), except app-events.</summary>
    public async Task RunQueuesAsync()
    {
        while (true)
        {
            var next = Pipeline.Sent.FirstOrDefault(m => m.Queue != InboundProcessor.AppEventsQueue && m.VisibleAt <= Clock.GetUtcNow()
                && (m.MessageId is null || !_seen.Contains(m.Queue + "|" + m.MessageId)));
            if (next is null)
            {
                return;
            }
            Pipeline.Sent.Remove(next);
            if (next.MessageId is not null)
            {
                _seen.Add(next.Queue + "|" + next.MessageId);
            }
            for (var delivery = 1; ; delivery++)
            {
                try
                {
                    await DispatchAsync(next, delivery);
                    break;
                }
                catch (Exception e) when (e is TransientSendException or UnknownProviderMessageException or MessageConflictException or InboundContactException)
                {
                    if (delivery >= Pipeline.Settings.MaxDeliveryCount)
                    {
                        Failures.Add($"{next.Queue}/{next.MessageId} dead-lettered: {e.Message}");
                        break;
                    }
                }
            }
        }
    }

    private async Task DispatchAsync(PipelineHarness.QueuedMessage message, int delivery)
    {
        switch (message.Queue)
        {
            case OmniQueues.Outbound:
                await Pipeline.Pipeline.RouteAsync(message.Body, message.MessageId, CancellationToken.None);
                break;
            case OmniQueues.Escalations:
                await Pipeline.Pipeline.EscalateAsync(JsonSerializer.Deserialize<EscalationCheck>(message.Body, JsonSerializerOptions.Web)!, CancellationToken.None);
                break;
            case OmniQueues.Inbound:
                await _function.RunAsync(new ServiceBusTriggerMessage { Body = message.Body, MessageId = message.MessageId, DeliveryCount = delivery }, CancellationToken.None);
                break;
            default:
                await Pipeline.Pipeline.SendStepAsync(JsonSerializer.Deserialize<SendStepCommand>(message.Body, JsonSerializerOptions.Web)!, delivery, CancellationToken.None);
                break;
        }
    }
}
