using System.Text;
using System.Text.Json;
using Omni.Channels;
using Omni.Core.Contacts;
using Omni.Core.Messages;
using Omni.Functions.Messages;

namespace Omni.Functions.Tests.Messages;

/// <summary>The outbound pipeline's steps end to end over the real message log (Azurite), with recorded queues and scripted providers.</summary>
public sealed class OutboundPipelineTests(AzuriteFixture storage) : IClassFixture<AzuriteFixture>
{
    private PipelineHarness NewHarness(Dictionary<string, string?>? configuration = null) => new(storage, configuration);

    private static MessageRequest Text(string contactId, string urgency = "high", string category = "transactional", string? strategy = null) => new()
    {
        ContactId = contactId,
        Category = category,
        Urgency = urgency,
        Strategy = strategy,
        Content = new MessageContentRequest { Text = "Your code is 123456", Subject = "Your code" },
    };

    [Fact]
    public async Task HighUrgencyMessage_GoesToSms_AndRecordsTheAttemptWithCost()
    {
        var h = NewHarness();
        var contact = await h.CreateContactAsync();
        var id = await h.AcceptAsync(Text(contact.Id, strategy: "first"));

        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        Assert.Equal(MessageStatus.Sent, record.Status);
        Assert.Equal([Channel.Sms, Channel.Email], record.Plan.Select(p => p.Channel));
        var attempt = Assert.Single(record.Attempts);
        Assert.Equal((Channel.Sms, AttemptStatus.Queued, "acs", 1), (attempt.Channel, attempt.Status, attempt.Provider, attempt.Segments));
        Assert.Equal(0.0075m, attempt.Cost);
        Assert.Equal("USD", attempt.Currency);
        Assert.Equal([AttemptStatus.Pending, AttemptStatus.Queued], attempt.History.Select(c => c.Status));
        var call = Assert.Single(h.Sms.Calls);
        Assert.Equal((id, 0, contact.Addresses[Channel.Sms].Value, "Your code is 123456"), (call.MessageId, call.Step, call.To, call.Content.Text));
        Assert.Equal($"{id}:0", call.IdempotencyKey);
        Assert.Empty(h.Email.Calls);
        Assert.Contains(record.Trace, line => line.Contains("accepted by acs", StringComparison.Ordinal));
        Assert.Equal(new ProviderMessageRef(id, 0), await h.Messages.FindByProviderMessageAsync("acs", attempt.ProviderMessageId!, CancellationToken.None));
    }

    [Fact]
    public async Task PermanentSmsFailure_FallsBackToEmail()
    {
        var h = NewHarness();
        var contact = await h.CreateContactAsync();
        h.Sms.Then(SendOutcome.Permanent, "invalid recipient");
        var id = await h.AcceptAsync(Text(contact.Id, strategy: "first"));

        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        Assert.Equal(MessageStatus.Sent, record.Status);
        Assert.Equal([(Channel.Sms, AttemptStatus.Failed), (Channel.Email, AttemptStatus.Queued)], record.Attempts.Select(a => (a.Channel, a.Status)));
        Assert.Equal("invalid recipient", record.Attempts[0].Error);
        Assert.Contains("Falling back from sms to email (step 1).", record.Trace);
        Assert.Single(h.Email.Calls);
        Assert.Equal("Your code", h.Email.Calls[0].Content.Subject);
    }

    [Fact]
    public async Task EveryStepFailing_MakesTheMessageUndeliverable()
    {
        var h = NewHarness();
        var contact = await h.CreateContactAsync();
        h.Sms.Then(SendOutcome.Permanent, "refused");
        h.Email.Then(SendOutcome.Permanent, "bounced");
        var id = await h.AcceptAsync(Text(contact.Id, strategy: "first"));

        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        Assert.Equal(MessageStatus.Undeliverable, record.Status);
        Assert.Equal("Every channel of the plan failed.", record.Reason);
        Assert.All(record.Attempts, a => Assert.Equal(AttemptStatus.Failed, a.Status));
    }

    [Fact]
    public async Task TransientFailure_IsRetriedByRedelivery_WithTheSameIdempotencyKey_AndSentOnce()
    {
        var h = NewHarness();
        var contact = await h.CreateContactAsync();
        h.Sms.Then(SendOutcome.Transient, "503").Then(SendOutcome.Transient, "503");
        var id = await h.AcceptAsync(Text(contact.Id, strategy: "first"));

        await h.RunQueuesAsync();

        Assert.Equal(3, h.Sms.Calls.Count);
        Assert.Single(h.Sms.Calls.Select(c => c.IdempotencyKey).Distinct());
        var attempt = Assert.Single((await h.GetAsync(id)).Attempts);
        Assert.Equal(AttemptStatus.Queued, attempt.Status);
        Assert.Equal(["transient", "transient", "accepted"], attempt.Tries.Select(t => t.Outcome));
        Assert.Empty(h.Email.Calls);
    }

    [Fact]
    public async Task TransientFailure_OnTheLastDelivery_MovesThePlanOn_InsteadOfDeadLettering()
    {
        var h = NewHarness(new() { ["Messaging:MaxDeliveryCount"] = "3" });
        var contact = await h.CreateContactAsync();
        h.Sms.Then(SendOutcome.Transient, "503").Then(SendOutcome.Transient, "503").Then(SendOutcome.Transient, "503");
        var id = await h.AcceptAsync(Text(contact.Id, strategy: "first"));

        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        Assert.Empty(h.Failures);
        Assert.Equal([AttemptStatus.Failed, AttemptStatus.Queued], record.Attempts.Select(a => a.Status));
        Assert.Contains("still failing after 3 deliveries", record.Attempts[0].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedeliveredStep_WithAnOutcome_IsNotSentAgain()
    {
        var h = NewHarness();
        var contact = await h.CreateContactAsync();
        var id = await h.AcceptAsync(Text(contact.Id, strategy: "first"));
        await h.RunQueuesAsync();

        // At-least-once: the same step arrives again (lock lost, duplicate window passed).
        await h.Pipeline.SendStepAsync(new SendStepCommand(id, 0), 1, CancellationToken.None);
        await h.Pipeline.SendStepAsync(new SendStepCommand(id, 0), 2, CancellationToken.None);

        Assert.Single(h.Sms.Calls);
        Assert.Single((await h.GetAsync(id)).Attempts);
    }

    [Fact]
    public async Task RouteMessage_Redelivered_DoesNotPlanOrSendTwice()
    {
        var h = NewHarness();
        var contact = await h.CreateContactAsync();
        var id = await h.AcceptAsync(Text(contact.Id, strategy: "first"));
        var route = h.Sent.Single(m => m.Queue == OmniQueues.Outbound);
        await h.RunQueuesAsync();

        await h.Pipeline.RouteAsync(route.Body, route.MessageId, CancellationToken.None);
        await h.RunQueuesAsync();

        Assert.Single(h.Sms.Calls);
        Assert.Single(h.Dispatched, m => m.Queue == OmniQueues.SendSms);
    }

    [Fact]
    public async Task CriticalMessage_NotDeliveredByTheDeadline_EscalatesToTheNextChannel()
    {
        var h = NewHarness(new() { ["Routing:EscalateAfterCritical"] = "00:00:30" });
        var contact = await h.CreateContactAsync();
        var id = await h.AcceptAsync(Text(contact.Id, urgency: "critical"));
        await h.RunQueuesAsync();
        var escalation = Assert.Single(h.Sent, m => m.Queue == OmniQueues.Escalations);
        Assert.Equal($"{id}:0:escalate", escalation.MessageId);
        Assert.Equal(h.Clock.GetUtcNow().AddSeconds(30), escalation.VisibleAt);

        h.Clock.Advance(TimeSpan.FromSeconds(29));
        await h.RunQueuesAsync();
        Assert.Empty(h.Email.Calls);

        h.Clock.Advance(TimeSpan.FromSeconds(1));
        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        Assert.Single(h.Email.Calls);
        Assert.True(record.Attempts[0].Escalated);
        Assert.Equal([Channel.Sms, Channel.Email], record.Attempts.Select(a => a.Channel));
        Assert.Contains(record.Trace, l => l.StartsWith("Step 0 (sms) not delivered by", StringComparison.Ordinal) && l.EndsWith("escalating to email (step 1).", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeliveryReport_BeforeTheDeadline_CancelsTheEscalation()
    {
        var h = NewHarness(new() { ["Routing:EscalateAfterCritical"] = "00:00:30" });
        var contact = await h.CreateContactAsync();
        var id = await h.AcceptAsync(Text(contact.Id, urgency: "critical"));
        await h.RunQueuesAsync();
        h.Report(h.Sms, id, AttemptStatus.Delivered);
        await h.RunQueuesAsync();

        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        Assert.Empty(h.Email.Calls);
        Assert.Equal(MessageStatus.Delivered, record.Status);
        Assert.Contains("Step 0: no escalation, delivered (delivered).", record.Trace);
    }

    [Fact]
    public async Task Reports_MoveTheAttemptForwardOnly_AndRepeatsChangeNothing()
    {
        var h = NewHarness();
        var contact = await h.CreateContactAsync();
        var id = await h.AcceptAsync(Text(contact.Id, strategy: "first"));
        await h.RunQueuesAsync();

        h.Report(h.Sms, id, AttemptStatus.Delivered);
        h.Report(h.Sms, id, AttemptStatus.Sent); // late, out of order
        h.Report(h.Sms, id, AttemptStatus.Delivered); // the same report again (a new event id)
        h.Report(h.Sms, id, AttemptStatus.Failed); // stale failure after delivery
        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        var attempt = Assert.Single(record.Attempts);
        Assert.Equal(AttemptStatus.Delivered, attempt.Status);
        Assert.Equal([AttemptStatus.Pending, AttemptStatus.Queued, AttemptStatus.Delivered], attempt.History.Select(c => c.Status));
        Assert.Equal(MessageStatus.Delivered, record.Status);
        Assert.Empty(h.Email.Calls);
    }

    [Fact]
    public async Task FailedDeliveryReport_FallsBackToTheNextStep()
    {
        var h = NewHarness();
        var contact = await h.CreateContactAsync();
        var id = await h.AcceptAsync(Text(contact.Id, strategy: "first"));
        await h.RunQueuesAsync();

        h.Report(h.Sms, id, AttemptStatus.Failed, "30008 unknown error");
        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        Assert.Equal([(Channel.Sms, AttemptStatus.Failed), (Channel.Email, AttemptStatus.Queued)], record.Attempts.Select(a => (a.Channel, a.Status)));
        Assert.Equal("30008 unknown error", record.Attempts[0].Error);
        Assert.Single(h.Email.Calls);
    }

    [Fact]
    public async Task ReportForAnUnknownProviderId_IsNotApplied_SoProcessInboundCanRetryIt()
    {
        var h = NewHarness();
        var report = new InboundEvent
        {
            Id = "acs:x", Kind = InboundEventKind.Delivery, Provider = "acs", Channel = Channel.Sms,
            ProviderMessageId = "never-sent", Status = AttemptStatus.Delivered,
        };
        Assert.False(await h.Pipeline.ApplyReportAsync(report, CancellationToken.None));
    }

    [Fact]
    public async Task QuietHours_DeferTheMessage_ToTheWindowsEnd_ThenItIsSent()
    {
        var h = NewHarness();
        // 12:00 UTC = 12:00 in London in November; quiet 11:00–13:30.
        var contact = await h.CreateContactAsync(c => c with { QuietHours = new QuietHours(new TimeOnly(11, 0), new TimeOnly(13, 30)) });
        var id = await h.AcceptAsync(Text(contact.Id, urgency: "normal", strategy: "first"));
        await h.RunQueuesAsync();

        var deferred = await h.GetAsync(id);
        Assert.Equal(MessageStatus.Deferred, deferred.Status);
        var until = new DateTimeOffset(2026, 11, 23, 13, 30, 0, TimeSpan.Zero);
        Assert.Equal(until, deferred.DeferUntil);
        var scheduled = Assert.Single(h.Sent, m => m.Queue == OmniQueues.Outbound);
        Assert.Equal((until, $"{id}:route:{until.ToUnixTimeMilliseconds()}"), (scheduled.VisibleAt, scheduled.MessageId));
        Assert.Empty(h.Email.Calls);
        Assert.Empty(h.Sms.Calls);

        h.Clock.Advance(TimeSpan.FromMinutes(90));
        await h.RunQueuesAsync();

        var sent = await h.GetAsync(id);
        Assert.Equal(MessageStatus.Sent, sent.Status);
        Assert.Null(sent.DeferUntil);
        Assert.Single(h.Email.Calls.Concat(h.Sms.Calls));
    }

    [Fact]
    public async Task CriticalMessage_IgnoresQuietHours()
    {
        var h = NewHarness();
        var contact = await h.CreateContactAsync(c => c with { QuietHours = new QuietHours(new TimeOnly(11, 0), new TimeOnly(13, 30)) });
        var id = await h.AcceptAsync(Text(contact.Id, urgency: "critical"));
        await h.RunQueuesAsync();
        Assert.Equal(MessageStatus.Sent, (await h.GetAsync(id)).Status);
        Assert.Single(h.Sms.Calls);
    }

    [Fact]
    public async Task MessageExpiringBeforeItsStepRuns_IsNotSent()
    {
        var h = NewHarness();
        var contact = await h.CreateContactAsync();
        var id = await h.AcceptAsync(Text(contact.Id, strategy: "first") with { ExpiresAt = h.Clock.GetUtcNow().AddMinutes(5) });
        // Route now, but the send step only runs after expiry (a backlog).
        var route = h.Sent.Single();
        h.Sent.Clear();
        await h.Pipeline.RouteAsync(route.Body, route.MessageId, CancellationToken.None);
        h.Clock.Advance(TimeSpan.FromMinutes(6));
        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        Assert.Empty(h.Sms.Calls);
        Assert.Equal(MessageStatus.Expired, record.Status);
        Assert.Equal(AttemptStatus.Expired, Assert.Single(record.Attempts).Status);
    }

    [Fact]
    public async Task MarketingCap_StopsTheThirdMessageOfTheDay_AcrossChannels()
    {
        var h = NewHarness();
        var contact = await h.CreateContactAsync(marketingOptIn: true);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await h.AcceptAsync(Text(contact.Id, urgency: "normal", category: "marketing", strategy: "first")));
            await h.RunQueuesAsync();
            h.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        var statuses = new List<MessageStatus>();
        foreach (var id in ids)
        {
            statuses.Add((await h.GetAsync(id)).Status);
        }
        Assert.Equal([MessageStatus.Sent, MessageStatus.Sent, MessageStatus.Capped], statuses);
        Assert.Equal(2, h.Sms.Calls.Count + h.Email.Calls.Count);
    }

    [Fact]
    public async Task StrategyAll_QueuesEveryStepAtOnce()
    {
        var h = NewHarness();
        var contact = await h.CreateContactAsync();
        var id = await h.AcceptAsync(Text(contact.Id, strategy: "all"));
        await h.RunQueuesAsync();

        Assert.Single(h.Sms.Calls);
        Assert.Single(h.Email.Calls);
        Assert.Equal(2, (await h.GetAsync(id)).Attempts.Count);
    }

    [Fact]
    public async Task UnknownContact_IsUndeliverable_WithTheReason()
    {
        var h = NewHarness();
        var id = await h.AcceptAsync(Text("c-nobody-" + Guid.NewGuid().ToString("N")[..6]));
        await h.RunQueuesAsync();
        var record = await h.GetAsync(id);
        Assert.Equal(MessageStatus.Undeliverable, record.Status);
        Assert.StartsWith("Contact c-nobody-", record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueueMessage_FromAnApp_IsRoutedUnderItsServiceBusMessageId()
    {
        var h = NewHarness();
        var contact = await h.CreateContactAsync();
        var body = JsonSerializer.SerializeToUtf8Bytes(Text(contact.Id, strategy: "first"), JsonSerializerOptions.Web);
        var queueId = "app-" + Guid.NewGuid().ToString("N");

        await h.Pipeline.RouteAsync(body, queueId, CancellationToken.None);
        await h.RunQueuesAsync();

        var record = await h.GetAsync(queueId);
        Assert.Equal(MessageStatus.Sent, record.Status);
        Assert.Equal(queueId, record.Request.Id);
        Assert.Single(h.Sms.Calls);
    }

    [Theory]
    [InlineData("""{"contactId":"c-1","category":"transactional","content":{"text":"hi"},"colour":"red"}""", "colour")]
    [InlineData("""{"contactId":"c-1","category":"transactional"}""", "content")]
    [InlineData("""not json""", "not a valid message")]
    public async Task InvalidQueueMessage_IsRecordedAsRejected_AndNeverSent(string body, string reasonPart)
    {
        var h = NewHarness();
        var queueId = "app-" + Guid.NewGuid().ToString("N");

        await h.Pipeline.RouteAsync(Encoding.UTF8.GetBytes(body), queueId, CancellationToken.None);
        await h.RunQueuesAsync();

        var record = await h.GetAsync(queueId);
        Assert.Equal(MessageStatus.Rejected, record.Status);
        Assert.Contains(reasonPart, record.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(h.Sms.Calls);
        Assert.Empty(h.Dispatched);
    }

    [Fact]
    public async Task OneOffSend_ToTheNumberOfAContactWhoOptedOut_IsNotSent()
    {
        var h = NewHarness();
        var contact = await h.CreateContactAsync();
        await h.StopAsync(contact.Id, Channel.Sms);
        var id = await h.AcceptAsync(new MessageRequest
        {
            To = new Dictionary<string, string> { ["sms"] = contact.Addresses[Channel.Sms].Value },
            Category = "transactional",
            Content = new MessageContentRequest { Text = "hello" },
        });
        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        Assert.Equal(MessageStatus.Undeliverable, record.Status);
        Assert.Empty(h.Sms.Calls);
        Assert.Contains(record.Trace, l => l.Contains($"belongs to contact {contact.Id}, who refused transactional on sms", StringComparison.Ordinal));
        Assert.DoesNotContain(record.Trace, l => l.Contains(contact.Addresses[Channel.Sms].Value, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TextWithoutSubject_ToAContactWhoStoppedSms_GoesByEmail_WithADerivedSubject()
    {
        var h = NewHarness();
        var contact = await h.CreateContactAsync();
        await h.StopAsync(contact.Id, Channel.Sms);
        var id = await h.AcceptAsync(new MessageRequest
        {
            ContactId = contact.Id, Category = "transactional",
            Content = new MessageContentRequest { Text = "Your parcel arrives today between 2 and 4 pm.\nTrack it in the app." },
        });

        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        Assert.Equal(MessageStatus.Sent, record.Status);
        Assert.Equal("Acme: Your parcel arrives today between 2 and 4 pm.", Assert.Single(h.Email.Calls).Content.Subject);
        Assert.Empty(h.Sms.Calls);
        var emailLines = record.Trace.Where(l => l.StartsWith("email:", StringComparison.Ordinal) && !l.Contains("consent", StringComparison.Ordinal)).ToList();
        Assert.Equal("email: no subject given; derived one from the text (\"Acme: Your parcel arrives today between # and # pm.\").", Assert.Single(emailLines));
    }

    [Fact]
    public async Task HtmlOnlyContent_SaysOnceWhySmsCannotCarryIt()
    {
        var h = NewHarness();
        var contact = await h.CreateContactAsync();
        var id = await h.AcceptAsync(new MessageRequest
        {
            ContactId = contact.Id, Category = "transactional",
            Content = new MessageContentRequest { Html = "<p>Your invoice is ready.</p>", Subject = "Invoice" },
        });

        await h.RunQueuesAsync();

        var record = await h.GetAsync(id);
        Assert.Equal(MessageStatus.Sent, record.Status);
        Assert.Single(h.Email.Calls);
        var smsLine = Assert.Single(record.Trace, l => l.StartsWith("sms:", StringComparison.Ordinal));
        Assert.Equal("sms: cannot carry this message: sms carries text only and the content has only html.", smsLine);
    }

    [Fact]
    public async Task OneOffSend_ToAnUnknownNumber_IsSent()
    {
        var h = NewHarness();
        var id = await h.AcceptAsync(new MessageRequest
        {
            To = new Dictionary<string, string> { ["sms"] = "+447400" + Random.Shared.Next(100_000, 999_999) },
            Category = "transactional",
            Content = new MessageContentRequest { Text = "hello" },
        });
        await h.RunQueuesAsync();
        Assert.Equal(MessageStatus.Sent, (await h.GetAsync(id)).Status);
        Assert.Null((await h.GetAsync(id)).ContactId);
        Assert.Single(h.Sms.Calls);
    }

    [Fact]
    public async Task TemplatedMessage_IsRenderedInTheContactsLocale_WithTheBrand_AndTheSmsBudget()
    {
        var h = NewHarness(new() { ["Channels:sms:MaxSegments"] = "1" });
        var templateId = "otp-" + Guid.NewGuid().ToString("N")[..8];
        var longTail = string.Join(" ", Enumerable.Repeat("bitte", 60));
        await h.Templates.PutAsync(new Omni.Core.Content.Template
        {
            Id = templateId,
            DefaultLocale = "en",
            Locales = new Dictionary<string, IReadOnlyDictionary<string, Omni.Core.Content.TemplatePart>>
            {
                ["en"] = new Dictionary<string, Omni.Core.Content.TemplatePart> { ["default"] = new("{{brand.name}} code {{code}}", "Your code") },
                ["de"] = new Dictionary<string, Omni.Core.Content.TemplatePart> { ["default"] = new("{{brand.name}} Code {{code}} " + longTail, "Ihr Code") },
            },
        }, null, "*", CancellationToken.None);
        var contact = await h.CreateContactAsync(c => c with { Locale = "de-AT" });
        var id = await h.AcceptAsync(new MessageRequest
        {
            ContactId = contact.Id, Category = "transactional", Urgency = "high", Strategy = "first",
            Content = new MessageContentRequest { Template = new TemplateReference { Id = templateId, Data = JsonDocument.Parse("""{"code":"4821"}""").RootElement } },
        });

        await h.RunQueuesAsync();

        var text = Assert.Single(h.Sms.Calls).Content.Text!;
        Assert.StartsWith("Acme Code 4821 bitte", text, StringComparison.Ordinal);
        Assert.EndsWith("...", text, StringComparison.Ordinal);
        Assert.Equal(1, Omni.Core.Routing.SmsSegmenter.Measure(text).Segments);
        var record = await h.GetAsync(id);
        Assert.Contains($"Template {templateId} rendered in locale de.", record.Trace);
        Assert.Contains(record.Trace, l => l.StartsWith("sms: the rendered text needed", StringComparison.Ordinal));
        Assert.Equal("Ihr Code", record.Content[Channel.Email].Subject);
    }

    [Fact]
    public async Task TemplatedMessage_DataThatExplodesOneChannel_FailsThatChannelOnceWithTheReason()
    {
        var h = NewHarness();
        var templateId = "pairs-" + Guid.NewGuid().ToString("N")[..8];
        await h.Templates.PutAsync(new Omni.Core.Content.Template
        {
            Id = templateId,
            DefaultLocale = "en",
            Locales = new Dictionary<string, IReadOnlyDictionary<string, Omni.Core.Content.TemplatePart>>
            {
                ["en"] = new Dictionary<string, Omni.Core.Content.TemplatePart>
                {
                    ["default"] = new("Code {{code}}", "Your code"),
                    // Two nested loops are allowed; 900 items make 810,000 paragraphs of them.
                    ["email"] = new(Html: "{{#each a}}{{#each @root.a}}<p>{{this}} and {{../this}}, as the data says.</p>{{/each}}{{/each}}"),
                },
            },
        }, null, "*", CancellationToken.None);
        var contact = await h.CreateContactAsync();
        var data = $$"""{"code":"4821","a":[{{string.Join(',', Enumerable.Range(0, 900))}}]}""";
        var id = await h.AcceptAsync(new MessageRequest
        {
            ContactId = contact.Id, Category = "transactional", Strategy = "first",
            Content = new MessageContentRequest { Template = new TemplateReference { Id = templateId, Data = JsonDocument.Parse(data).RootElement } },
        });

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await h.RunQueuesAsync();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        var record = await h.GetAsync(id);
        Assert.Contains("email: cannot carry this message: locales.en.email.html: the template's output passed 100000 characters; rendering stopped.", record.Trace);
        Assert.False(record.Content.ContainsKey(Channel.Email));
        Assert.Equal("Code 4821", Assert.Single(h.Sms.Calls).Content.Text);
    }

    [Fact]
    public async Task MissingTemplate_MakesTheMessageUndeliverable()
    {
        var h = NewHarness();
        var contact = await h.CreateContactAsync();
        var id = await h.AcceptAsync(new MessageRequest
        {
            ContactId = contact.Id, Category = "transactional",
            Content = new MessageContentRequest { Template = new TemplateReference { Id = "no-such-template" } },
        });
        await h.RunQueuesAsync();
        var record = await h.GetAsync(id);
        Assert.Equal(MessageStatus.Undeliverable, record.Status);
        Assert.StartsWith("Content:", record.Reason, StringComparison.Ordinal);
        Assert.Empty(h.Sms.Calls);
    }

    [Fact]
    public void Summarise_KeepsTheBestAttemptStatus()
    {
        var record = new MessageRecord
        {
            Id = "m", Request = new MessageRequest { Category = "transactional" }, Status = MessageStatus.Routed,
            Plan = [new(Channel.Sms, "+1"), new(Channel.Email, "a@b.c")],
            Attempts =
            [
                new MessageAttempt { Step = 0, Channel = Channel.Sms, Status = AttemptStatus.Failed },
                new MessageAttempt { Step = 1, Channel = Channel.Email, Status = AttemptStatus.Read },
            ],
        };
        Assert.Equal(MessageStatus.Read, OutboundPipeline.Summarise(record, DateTimeOffset.UnixEpoch).Status);
        var allFailed = record with { Attempts = [record.Attempts[0], record.Attempts[1] with { Status = AttemptStatus.Failed }] };
        Assert.Equal(MessageStatus.Undeliverable, OutboundPipeline.Summarise(allFailed, DateTimeOffset.UnixEpoch).Status);
        var waiting = record with { Attempts = [record.Attempts[0]] };
        Assert.Equal(MessageStatus.Routed, OutboundPipeline.Summarise(waiting, DateTimeOffset.UnixEpoch).Status);
    }
}
