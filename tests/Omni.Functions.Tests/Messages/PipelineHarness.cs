using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using Omni.Azure.ServiceBus;
using Omni.Channels;
using Omni.Core.Consent;
using Omni.Core.Contacts;
using Omni.Core.Messages;
using Omni.Functions.Messages;
using Omni.Storage.Contacts;
using Omni.Storage.Messages;

namespace Omni.Functions.Tests.Messages;

/// <summary>
/// The outbound pipeline on real Table Storage (Azurite) with the two network edges replaced: Service Bus (a recording
/// client; <see cref="RunQueuesAsync"/> delivers what was sent the way the host would, with duplicate detection,
/// scheduling against the fake clock and redelivery on failure) and the providers (<see cref="ScriptedSender"/>).
/// </summary>
public sealed class PipelineHarness
{
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    public TableMessageStore Messages { get; }
    public TableContactStore Contacts { get; }
    public Omni.Storage.Templates.TableTemplateStore Templates { get; }
    public Omni.Storage.Stats.TableStatsStore Stats { get; }
    public List<QueuedMessage> Sent { get; } = [];
    public ScriptedSender Sms { get; } = new(Channel.Sms, "acs");
    public ScriptedSender Email { get; } = new(Channel.Email, "acs");
    public ScriptedSender WhatsApp { get; } = new(Channel.WhatsApp, "acs");
    public OutboundPipeline Pipeline { get; }
    public MessagingSettings Settings { get; }
    public List<string> Failures { get; } = [];

    /// <summary>What the pipeline logged.</summary>
    public Omni.Functions.Tests.Telemetry.CapturingLoggerProvider Logs { get; } = new();

    private readonly HashSet<string> _seen = [];
    private readonly Mock<ServiceBusClient> _bus = new();

    public sealed record QueuedMessage(string Queue, string? MessageId, byte[] Body, DateTimeOffset VisibleAt);

    public PipelineHarness(AzuriteFixture storage, Dictionary<string, string?>? configuration = null)
    {
        var tables = storage.CreateServiceClient();
        Messages = new TableMessageStore(tables);
        Contacts = new TableContactStore(tables, Clock);
        Templates = new Omni.Storage.Templates.TableTemplateStore(tables, Clock);
        // Stats in a table of this harness's own: channel health (an input of routing) sees only this test's sends.
        Stats = new Omni.Storage.Stats.TableStatsStore(tables, new() { TableName = AzuriteFixture.UniqueTableName("stats") });
        _bus.Setup(b => b.CreateSender(It.IsAny<string>())).Returns((string queue) => SenderFor(queue));
        var config = new ConfigurationBuilder().AddInMemoryCollection(configuration ?? []).Build();
        Settings = MessagingSettings.FromConfiguration(config);
        Pipeline = new OutboundPipeline(Messages, Contacts, _bus.Object, [Sms, Email, WhatsApp], new TemplateContentComposer(new Omni.Core.Content.ContentComposer(new Omni.Core.Content.BrandVariables([new("Name", "Acme")])), Templates, Settings),
            Settings, Clock, new LoggerFactory([Logs]).CreateLogger<OutboundPipeline>(),
            new Omni.Functions.Stats.StatsRecorder(Stats, NullLogger<Omni.Functions.Stats.StatsRecorder>.Instance),
            new Omni.Functions.Stats.ChannelHealthSource(Stats, Clock, NullLogger<Omni.Functions.Stats.ChannelHealthSource>.Instance));
    }

    private ServiceBusSender SenderFor(string queue)
    {
        var sender = new Mock<ServiceBusSender>();
        sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
            .Returns((ServiceBusMessage m, CancellationToken _) =>
            {
                Sent.Add(new QueuedMessage(queue, m.MessageId, m.Body.ToArray(), m.ScheduledEnqueueTime == default ? Clock.GetUtcNow() : m.ScheduledEnqueueTime));
                return Task.CompletedTask;
            });
        sender.Setup(s => s.ScheduleMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .Returns((ServiceBusMessage m, DateTimeOffset at, CancellationToken _) =>
            {
                Sent.Add(new QueuedMessage(queue, m.MessageId, m.Body.ToArray(), at));
                return Task.CompletedTask;
            });
        return sender.Object;
    }

    public async Task<Contact> CreateContactAsync(Func<Contact, Contact>? change = null, bool marketingOptIn = false)
    {
        var id = "c-" + Guid.NewGuid().ToString("N")[..12];
        var contact = new Contact
        {
            Id = id,
            TimeZone = "Europe/London",
            Addresses = new Dictionary<Channel, ContactAddress>
            {
                [Channel.Sms] = new("+447400" + Random.Shared.Next(100_000, 999_999)),
                [Channel.Email] = new($"{id}@example.com"),
            },
        };
        contact = change?.Invoke(contact) ?? contact;
        var result = await Contacts.PutAsync(contact, null, null, CancellationToken.None);
        Assert.Equal(StoreOutcome.Created, result.Outcome);
        if (marketingOptIn)
        {
            await Contacts.AppendConsentAsync(id, new ConsentEvent
            {
                State = ConsentState.OptedIn, Category = "marketing", Source = ConsentSource.Form, ByContact = true,
                Evidence = "signup form", Actor = "test", At = Clock.GetUtcNow().AddDays(-1),
            }, CancellationToken.None);
        }
        return contact;
    }

    /// <summary>Records the contact's STOP on <paramref name="channel"/> an hour ago: every category is refused there.</summary>
    public Task StopAsync(string contactId, Channel channel) => Contacts.AppendConsentAsync(contactId, new ConsentEvent
    {
        Channel = channel, State = ConsentState.OptedOut, Source = ConsentSource.Keyword, ByContact = true,
        Evidence = "STOP", Actor = "contact", At = Clock.GetUtcNow().AddHours(-1),
    }, CancellationToken.None);

    /// <summary>Accepts <paramref name="request"/> as the API does and returns its id.</summary>
    public async Task<string> AcceptAsync(MessageRequest request)
    {
        var id = MessageIds.New(Clock.GetUtcNow());
        await Pipeline.AcceptAsync(new MessageRecord
        {
            Id = id,
            ContactId = request.ContactId,
            Request = request with { Id = id },
            AcceptedAt = Clock.GetUtcNow(),
            UpdatedAt = Clock.GetUtcNow(),
        }, CancellationToken.None);
        return id;
    }

    /// <summary>
    /// Delivers every queued message that is visible at the fake clock's now (and what those produce), like Service Bus
    /// and the host: duplicate detection by MessageId, redelivery with DeliveryCount+1 when a function throws, up to the
    /// queue's limit (then dead-lettered, recorded in <see cref="Failures"/>).
    /// </summary>
    public async Task RunQueuesAsync()
    {
        while (true)
        {
            var next = Sent.FirstOrDefault(m => m.VisibleAt <= Clock.GetUtcNow() && (m.MessageId is null || !_seen.Contains(m.Queue + "|" + m.MessageId)));
            if (next is null)
            {
                return;
            }
            Sent.Remove(next);
            if (next.MessageId is not null)
            {
                _seen.Add(next.Queue + "|" + next.MessageId);
            }
            Dispatched.Add(next);
            for (var delivery = 1; ; delivery++)
            {
                try
                {
                    await DispatchAsync(next, delivery);
                    break;
                }
                catch (Exception e) when (e is TransientSendException or UnknownProviderMessageException or MessageConflictException or SimulatedCrashException)
                {
                    if (delivery >= Settings.MaxDeliveryCount)
                    {
                        Failures.Add($"{next.Queue}/{next.MessageId} dead-lettered: {e.Message}");
                        break;
                    }
                }
            }
        }
    }

    public List<QueuedMessage> Dispatched { get; } = [];

    private Task DispatchAsync(QueuedMessage message, int delivery)
    {
        switch (message.Queue)
        {
            case OmniQueues.Outbound:
                return Pipeline.RouteAsync(message.Body, message.MessageId, CancellationToken.None);
            case OmniQueues.Escalations:
                return Pipeline.EscalateAsync(JsonSerializer.Deserialize<EscalationCheck>(message.Body, JsonSerializerOptions.Web)!, CancellationToken.None);
            case OmniQueues.Inbound:
                return ReportAsync(JsonSerializer.Deserialize<InboundEvent>(message.Body, JsonSerializerOptions.Web)!, delivery);
            default:
                return Pipeline.SendStepAsync(JsonSerializer.Deserialize<SendStepCommand>(message.Body, JsonSerializerOptions.Web)!, delivery, CancellationToken.None);
        }
    }

    private async Task ReportAsync(InboundEvent report, int delivery)
    {
        // ProcessInbound re-queues an unknown report as a scheduled copy (ProcessInboundFunctionTests); the harness
        // stands in for that with a few redeliveries.
        if (!await Pipeline.ApplyReportAsync(report, CancellationToken.None) && delivery < 3)
        {
            throw new UnknownProviderMessageException(report.Id);
        }
    }

    /// <summary>Queues a delivery report for the attempt that <paramref name="sender"/> accepted for <paramref name="messageId"/>.</summary>
    public void Report(ScriptedSender sender, string messageId, AttemptStatus status, string? error = null)
    {
        var providerId = sender.ProviderIdFor(messageId) ?? throw new InvalidOperationException($"{sender.Provider} accepted nothing for {messageId}.");
        var report = new InboundEvent
        {
            Id = $"{sender.Provider}:{Guid.NewGuid():N}",
            Kind = InboundEventKind.Delivery,
            Provider = sender.Provider,
            Channel = sender.Channels[0],
            ProviderMessageId = providerId,
            Status = status,
            Error = error,
            OccurredAt = Clock.GetUtcNow(),
            ReceivedAt = Clock.GetUtcNow(),
        };
        Sent.Add(new QueuedMessage(OmniQueues.Inbound, report.Id, JsonSerializer.SerializeToUtf8Bytes(report, JsonSerializerOptions.Web), Clock.GetUtcNow()));
    }

    public async Task<MessageRecord> GetAsync(string id) => (await Messages.GetAsync(id, CancellationToken.None))?.Record
        ?? throw new InvalidOperationException($"No message {id}.");
}

/// <summary>A provider edge: answers each send from a script (default: accepted), and records every call.</summary>
public sealed class ScriptedSender(Channel channel, string provider) : IChannelSender
{
    private readonly Queue<Func<ChannelSendRequest, Task<SendResult>>> _script = new();
    private readonly Dictionary<string, string> _providerIds = [];

    public IReadOnlyList<Channel> Channels { get; } = [channel];
    public string Provider { get; } = provider;
    public List<ChannelSendRequest> Calls { get; } = [];

    public ScriptedSender Then(SendOutcome outcome, string? error = null)
    {
        return Then(request => outcome == SendOutcome.Accepted ? Accept(request) : new SendResult(outcome, Provider, null,
            AttemptStatus.Failed, null, null, null, error ?? outcome.ToString(), null, [new ProviderTry(Provider, outcome.ToString().ToLowerInvariant(), DateTimeOffset.UnixEpoch, error)]));
    }

    /// <summary>Answers the next send with <paramref name="answer"/>.</summary>
    public ScriptedSender Then(Func<ChannelSendRequest, SendResult> answer) => ThenAsync(request => Task.FromResult(answer(request)));

    /// <summary>Answers the next send with <paramref name="answer"/>, which may use the request's journal and await.</summary>
    public ScriptedSender ThenAsync(Func<ChannelSendRequest, Task<SendResult>> answer)
    {
        _script.Enqueue(answer);
        return this;
    }

    /// <summary>An acceptance by this provider (a new provider message id).</summary>
    public SendResult Accepted(ChannelSendRequest request) => Accept(request);

    public string? ProviderIdFor(string messageId) => _providerIds.GetValueOrDefault(messageId);

    public Task<SendResult> SendAsync(ChannelSendRequest request, CancellationToken cancellationToken)
    {
        Calls.Add(request);
        return _script.Count > 0 ? _script.Dequeue()(request) : Task.FromResult(Accept(request));
    }

    private SendResult Accept(ChannelSendRequest request)
    {
        var id = $"{Provider}-{Guid.NewGuid():N}";
        _providerIds[request.MessageId] = id;
        var segments = request.Channel == Channel.Sms ? Omni.Core.Routing.SmsSegmenter.Measure(request.Content.Text).Segments : (int?)null;
        return new SendResult(SendOutcome.Accepted, Provider, id, AttemptStatus.Queued, segments, null, null, null, null,
            [new ProviderTry(Provider, "accepted", DateTimeOffset.UnixEpoch)]);
    }
}

/// <summary>
/// The handler process died in the middle of an invocation: nothing after the throw happens, and the harness delivers the
/// message again (Service Bus does once the lock expires).
/// </summary>
public sealed class SimulatedCrashException() : Exception("The handler process died mid-invocation (simulated).");
