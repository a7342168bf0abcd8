using System.Text;
using System.Text.Json;
using Omni.Azure.Tables;
using Omni.Core.Content;
using Omni.Core.Contacts;
using Omni.Core.Messages;
using Omni.Core.Routing;
using Omni.Storage.Messages;

namespace Omni.Storage.Tests.Messages;

[Collection(AzuriteCollection.Name)]
public sealed class TableMessageStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 9, 30, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly TableMessageStoreOptions _options = new()
    {
        MessagesTableName = AzuriteFixture.UniqueTableName("messages"),
        TimelineTableName = AzuriteFixture.UniqueTableName("timeline"),
        ProviderIdsTableName = AzuriteFixture.UniqueTableName("providerids"),
    };

    private TableMessageStore CreateStore() => new(azurite.CreateServiceClient(), _options);

    private TableClient MessagesTable => azurite.CreateServiceClient().GetTableClient(_options.MessagesTableName);

    private TableClient TimelineTable => azurite.CreateServiceClient().GetTableClient(_options.TimelineTableName);

    private TableClient ProviderIdsTable => azurite.CreateServiceClient().GetTableClient(_options.ProviderIdsTableName);

    private static string NewId() => "msg_" + Guid.NewGuid().ToString("N");

    private static string NewContactId() => "c-" + Guid.NewGuid().ToString("N");

    private static MessageRecord Simple(string id, string? contactId, DateTimeOffset acceptedAt, string category = "marketing",
        MessageStatus status = MessageStatus.Sent, params MessageAttempt[] attempts) => new()
        {
            Id = id,
            ContactId = contactId,
            Request = new MessageRequest { Id = id, ContactId = contactId, Category = category, Content = new MessageContentRequest { Text = "hi" } },
            Status = status,
            AcceptedAt = acceptedAt,
            UpdatedAt = acceptedAt,
            Plan = attempts.Select(a => new PlannedStep(a.Channel, "addr-" + a.Step)).ToList(),
            Attempts = attempts,
        };

    private static MessageAttempt Attempt(int step, Channel channel, DateTimeOffset startedAt, string? provider = null, string? providerMessageId = null,
        AttemptStatus status = AttemptStatus.Sent) => new()
        {
            Step = step,
            Channel = channel,
            Status = status,
            Provider = provider,
            ProviderMessageId = providerMessageId,
            StartedAt = startedAt,
        };

    /// <summary>Every field set, every channel, attempt status and history source; 200 KB of HTML (with non-ASCII and emoji).</summary>
    private static MessageRecord Rich(string id, string contactId, string html)
    {
        var channels = Enum.GetValues<Channel>();
        var statuses = Enum.GetValues<AttemptStatus>();
        return new MessageRecord
        {
            Id = id,
            ContactId = contactId,
            Request = new MessageRequest
            {
                Id = id,
                ContactId = contactId,
                To = new Dictionary<string, string> { ["sms"] = "+447400123456", ["email"] = "ada@example.com" },
                Category = "transactional",
                Urgency = "high",
                Content = new MessageContentRequest
                {
                    Text = "Your code is 123456 — gültig 5 Min.",
                    Subject = "Code",
                    Html = "<p>short</p>",
                    Channels = new Dictionary<string, ChannelContentRequest> { ["sms"] = new() { Text = "123456", Subject = "s", Html = "<b>x</b>" } },
                    Template = new TemplateReference
                    {
                        Id = "otp",
                        Data = JsonDocument.Parse("""{"code":"123456","n":[1,2.5,null,true],"nested":{"ü":"€"}}""").RootElement.Clone(),
                        Locale = "de-DE",
                    },
                },
                Channels = ["sms", "email"],
                Channel = "sms",
                Strategy = "escalate",
                SendAt = T0.AddMinutes(-5),
                ExpiresAt = new DateTimeOffset(2025, 3, 2, 9, 30, 0, TimeSpan.FromHours(2)),
                CorrelationId = "corr-1",
                Tags = ["otp", "login"],
            },
            RequestHash = new string('a', 64),
            Status = MessageStatus.Delivered,
            Reason = "none",
            AcceptedAt = T0,
            UpdatedAt = T0.AddMinutes(3),
            DeferUntil = new DateTimeOffset(2025, 3, 1, 7, 0, 0, TimeSpan.FromHours(-5)),
            Plan = channels.Select((c, i) => new PlannedStep(c, "addr-" + c.Name(), i % 2 == 0 ? TimeSpan.FromMinutes(2 + i) : null)).ToList(),
            Trace = ["sms: opted in", "email: fallback", "äöü ✓ 😀"],
            Content = channels.ToDictionary(c => c, c => c == Channel.Email
                ? new RenderedContent("text part", "Subject ✓", html)
                : new RenderedContent("text for " + c.Name())),
            Attempts = statuses.Select((s, i) => new MessageAttempt
            {
                Step = i,
                Channel = channels[i % channels.Length],
                Status = s,
                Provider = i % 2 == 0 ? "acs" : "twilio",
                ProviderMessageId = "pm/" + i + "#?",
                Segments = i + 1,
                Cost = 0.0075m * (i + 1),
                Currency = "USD",
                Error = i == 5 ? "30003 Unreachable" : null,
                StartedAt = T0.AddSeconds(i),
                EscalateAt = T0.AddMinutes(10 + i),
                Escalated = i % 2 == 1,
                Tries = [new ProviderTry("twilio", "transient", T0.AddSeconds(i), "503"), new ProviderTry("acs", "accepted", T0.AddSeconds(i + 1))],
                History = statuses.Select((h, j) => new AttemptStatusChange(h, T0.AddSeconds(j), j % 2 == 0 ? "send" : "report", j == 0 ? null : "d" + j)).ToList(),
            }).ToList(),
            RepliedAt = T0.AddMinutes(7),
        };
    }

    private static string LargeHtml(int targetLength)
    {
        var html = new StringBuilder("<!DOCTYPE html><html><body>");
        var i = 0;
        while (html.Length < targetLength)
        {
            html.Append("<p class=\"x\" data-i='").Append(i++).Append("'>Grüße &amp; “quotes” — 😀 \\ / \u2028 line</p>\n");
        }
        return html.Append("</body></html>").ToString();
    }

    private async Task<TableEntity?> RawMessageAsync(string id)
    {
        var entity = await MessagesTable.GetEntityIfExistsAsync<TableEntity>(id, TableMessageStore.MessageRowKey);
        return entity.HasValue ? entity.Value : null;
    }

    private async Task<List<TableEntity>> TimelineRowsAsync(string contactId) =>
        await TimelineTable.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {contactId}")).ToListAsync();

    // ------------------------------------------------------------------ round trip

    [Fact]
    public async Task CreateAsync_RichRecordWith200KbHtml_IsChunkedAndReadBackExactly()
    {
        var store = CreateStore();
        var id = NewId();
        var html = LargeHtml(200_000);
        var record = Rich(id, NewContactId(), html);

        var (stored, created) = await store.CreateAsync(record, None);
        var got = await store.GetAsync(id, None);
        var raw = await RawMessageAsync(id);

        Assert.True(created);
        Assert.NotNull(got);
        Assert.Equal(stored.ETag, got.ETag);
        Assert.Equal(MessageRecordJson.Serialize(record), MessageRecordJson.Serialize(got.Record));
        Assert.Equal(html, got.Record.Content[Channel.Email].Html);
        Assert.Equal(Enum.GetValues<Channel>().Length, got.Record.Content.Count);
        Assert.Equal(Enum.GetValues<AttemptStatus>(), got.Record.Attempts.Select(a => a.Status));
        Assert.Equal(Enum.GetValues<AttemptStatus>(), got.Record.Attempts[3].History.Select(h => h.Status));
        Assert.Equal(0.0075m * 3, got.Record.Attempts[2].Cost);
        Assert.Equal(TimeSpan.FromMinutes(2), got.Record.Plan[0].EscalateAfter);
        Assert.Null(got.Record.Plan[1].EscalateAfter);
        Assert.Equal(TimeSpan.FromHours(-5), got.Record.DeferUntil!.Value.Offset);
        Assert.Equal(record.DeferUntil, got.Record.DeferUntil);
        Assert.Equal("€", got.Record.Request.Content!.Template!.Data!.Value.GetProperty("nested").GetProperty("ü").GetString());
        Assert.Equal("+447400123456", got.Record.Request.To!["sms"]);
        Assert.Equal(record.Trace, got.Record.Trace);

        // Stored as ≤ 30,000-character chunks whose concatenation is the JSON, with wire names for enums.
        Assert.NotNull(raw);
        var parts = raw.GetInt32("DataParts")!.Value;
        Assert.True(parts >= 7, $"expected at least 7 parts, got {parts}");
        var chunks = Enumerable.Range(0, parts).Select(i => raw.GetString("Data" + i)!).ToList();
        Assert.All(chunks, c => Assert.InRange(c.Length, 1, TableMessageStore.MaxChunkLength));
        var json = string.Concat(chunks);
        Assert.Equal(MessageRecordJson.Serialize(record), json);
        Assert.Contains("\"status\":\"delivered\"", json, StringComparison.Ordinal);
        Assert.Contains("\"whatsapp\":{", json, StringComparison.Ordinal);
        Assert.Contains("\"channel\":\"inapp\"", json, StringComparison.Ordinal);
        Assert.Contains("<p class=", json, StringComparison.Ordinal); // HTML not \u003C-escaped
        Assert.Equal("delivered", raw.GetString("Status"));
        Assert.Equal(record.ContactId, raw.GetString("ContactId"));
        Assert.Equal("transactional", raw.GetString("Category"));
        Assert.Equal(T0, raw.GetDateTimeOffset("AcceptedAt"));
        Assert.Equal(T0.AddMinutes(3), raw.GetDateTimeOffset("UpdatedAt"));
    }

    public static TheoryData<MessageStatus> AllMessageStatuses() => [.. Enum.GetValues<MessageStatus>()];

    [Theory]
    [MemberData(nameof(AllMessageStatuses))]
    public async Task CreateAsync_EveryMessageStatus_RoundTripsWithWireNameColumn(MessageStatus status)
    {
        var store = CreateStore();
        var id = NewId();
        var contactId = NewContactId();

        await store.CreateAsync(Simple(id, contactId, T0, status: status), None);

        Assert.Equal(status, (await store.GetAsync(id, None))!.Record.Status);
        Assert.Equal(status.Name(), (await RawMessageAsync(id))!.GetString("Status"));
        Assert.Equal(status.Name(), Assert.Single(await TimelineRowsAsync(contactId)).GetString("Status"));
    }

    [Fact]
    public async Task GetAsync_Missing_ReturnsNull()
    {
        Assert.Null(await CreateStore().GetAsync(NewId(), None));
    }

    [Fact]
    public async Task CreateAsync_Twice_ReturnsTheStoredRecordWithCreatedFalse()
    {
        var store = CreateStore();
        var id = NewId();
        var first = Simple(id, NewContactId(), T0, status: MessageStatus.Accepted);

        var (stored1, created1) = await store.CreateAsync(first, None);
        var (stored2, created2) = await store.CreateAsync(first with { Status = MessageStatus.Routed, Reason = "second" }, None);

        Assert.True(created1);
        Assert.False(created2);
        Assert.Equal(MessageStatus.Accepted, stored2.Record.Status);
        Assert.Null(stored2.Record.Reason);
        Assert.Equal(stored1.ETag, stored2.ETag);
        Assert.Equal(MessageStatus.Accepted, (await store.GetAsync(id, None))!.Record.Status);
    }

    // ------------------------------------------------------------------ replace

    [Fact]
    public async Task ReplaceAsync_CurrentETag_ReplacesAndUpdatesTimeline()
    {
        var store = CreateStore();
        var id = NewId();
        var contactId = NewContactId();
        var (v1, _) = await store.CreateAsync(Simple(id, contactId, T0, status: MessageStatus.Routed), None);

        var v2 = await store.ReplaceAsync(v1.Record with
        {
            Status = MessageStatus.Delivered,
            UpdatedAt = T0.AddMinutes(1),
            Attempts = [Attempt(0, Channel.Sms, T0, "acs", "pm-1", AttemptStatus.Delivered)],
        }, v1.ETag, None);

        Assert.NotNull(v2);
        Assert.NotEqual(v1.ETag, v2.ETag);
        var got = await store.GetAsync(id, None);
        Assert.Equal(v2.ETag, got!.ETag);
        Assert.Equal(MessageStatus.Delivered, got.Record.Status);
        var row = Assert.Single(await TimelineRowsAsync(contactId));
        Assert.Equal("delivered", row.GetString("Status"));
        Assert.Equal("sms", row.GetString("LastChannel"));
        Assert.Equal("pm-1", row.GetString("ProviderMessageId"));
    }

    [Fact]
    public async Task ReplaceAsync_StaleETag_ReturnsNullAndKeepsTheNewerVersion()
    {
        var store = CreateStore();
        var id = NewId();
        var (v1, _) = await store.CreateAsync(Simple(id, NewContactId(), T0, status: MessageStatus.Routed), None);
        var v2 = await store.ReplaceAsync(v1.Record with { Status = MessageStatus.Sent, UpdatedAt = T0.AddMinutes(1) }, v1.ETag, None);

        var stale = await store.ReplaceAsync(v1.Record with { Status = MessageStatus.Undeliverable, UpdatedAt = T0.AddMinutes(2) }, v1.ETag, None);

        Assert.NotNull(v2);
        Assert.Null(stale);
        var got = await store.GetAsync(id, None);
        Assert.Equal(MessageStatus.Sent, got!.Record.Status);
        Assert.Equal(v2.ETag, got.ETag);
    }

    [Fact]
    public async Task ReplaceAsync_MissingRecord_ReturnsNull()
    {
        var store = CreateStore();
        var (v1, _) = await store.CreateAsync(Simple(NewId(), null, T0), None);

        Assert.Null(await store.ReplaceAsync(Simple(NewId(), null, T0), v1.ETag, None));
    }

    [Fact]
    public async Task ReplaceAsync_StatusClassChange_WritesTheTimelineRow()
    {
        var store = CreateStore();
        var id = NewId();
        var contactId = NewContactId();
        var (v1, _) = await store.CreateAsync(Simple(id, contactId, T0, status: MessageStatus.Routed), None);
        var before = Assert.Single(await TimelineRowsAsync(contactId));

        // routed (counted for caps) → undeliverable (not counted): the row must follow.
        await store.ReplaceAsync(v1.Record with { Status = MessageStatus.Undeliverable, UpdatedAt = T0.AddMinutes(1) }, v1.ETag, None);

        var row = Assert.Single(await TimelineRowsAsync(contactId));
        Assert.NotEqual(before.ETag, row.ETag);
        Assert.Equal("undeliverable", row.GetString("Status"));
        Assert.Equal(T0.AddMinutes(1), row.GetDateTimeOffset("UpdatedAt"));
        Assert.Empty(await store.CountRecentByCategoryAsync(contactId, T0, None));
    }

    [Fact]
    public async Task ReplaceAsync_NoMirroredFieldChanged_LeavesTheTimelineRowUntouched()
    {
        var store = CreateStore();
        var id = NewId();
        var contactId = NewContactId();
        var sent = Attempt(0, Channel.Sms, T0, "acs", "pm-1", AttemptStatus.Queued);
        var (v1, _) = await store.CreateAsync(Simple(id, contactId, T0, status: MessageStatus.Sent, attempts: sent), None);
        var before = Assert.Single(await TimelineRowsAsync(contactId));

        // sent → delivered, same provider attempt, a longer trace: caps class, channels and provider fields unchanged.
        var v2 = await store.ReplaceAsync(v1.Record with
        {
            Status = MessageStatus.Delivered,
            UpdatedAt = T0.AddMinutes(1),
            Attempts = [sent with { Status = AttemptStatus.Delivered }],
            Trace = ["delivered"],
        }, v1.ETag, None);

        Assert.NotNull(v2);
        var row = Assert.Single(await TimelineRowsAsync(contactId));
        Assert.Equal(before.ETag, row.ETag);
        Assert.Equal("sent", row.GetString("Status"));
        // The current state is the record's (what the timeline API shows).
        Assert.Equal("delivered", TableMessageStore.Summarize((await store.GetAsync(id, None))!.Record).Status);
    }

    [Fact]
    public async Task ReplaceAsync_PreviousVersionUnknownToThisInstance_WritesTheRow()
    {
        var id = NewId();
        var contactId = NewContactId();
        var (v1, _) = await CreateStore().CreateAsync(Simple(id, contactId, T0, status: MessageStatus.Routed), None);
        await TimelineTable.DeleteEntityAsync(contactId, TableMessageStore.TimelineRowKey(T0, id));

        // Another instance that never read v1 cannot know the row is current: it writes (and so repairs a lost row).
        await CreateStore().ReplaceAsync(v1.Record with { Status = MessageStatus.Delivered, UpdatedAt = T0.AddMinutes(1) }, v1.ETag, None);

        var row = Assert.Single(await TimelineRowsAsync(contactId));
        Assert.Equal("delivered", row.GetString("Status"));
        Assert.Equal(id, row.GetString("MessageId"));
    }

    [Fact]
    public async Task FindLastOutboundAsync_StaleLastChannelLandingLate_StillFindsTheMessageByItsReachedFlag()
    {
        var store = CreateStore();
        var id = NewId();
        var contactId = NewContactId();
        var email = Attempt(1, Channel.Email, T0, "acs", "pm-email", AttemptStatus.Queued);
        var sms = Attempt(0, Channel.Sms, T0.AddSeconds(1), "acs", "pm-sms", AttemptStatus.Queued);
        var (v1, _) = await store.CreateAsync(Simple(id, contactId, T0, status: MessageStatus.Routed) with
        {
            Plan = [new PlannedStep(Channel.Sms, "a"), new PlannedStep(Channel.Email, "b")],
        }, None);
        var v2 = await store.ReplaceAsync(v1.Record with { Status = MessageStatus.Sent, Attempts = [email], UpdatedAt = T0.AddSeconds(2) }, v1.ETag, None);
        await store.ReplaceAsync(v2!.Record with { Attempts = [email, sms], UpdatedAt = T0.AddSeconds(3) }, v2.ETag, None);

        // The email writer's merge (LastChannel = email) lands after the newer one (parallel steps, unguarded merge).
        await TimelineTable.UpsertEntityAsync(new TableEntity(contactId, TableMessageStore.TimelineRowKey(T0, id))
        {
            ["LastChannel"] = "email",
            ["Reached_email"] = true,
            ["UpdatedAt"] = T0.AddSeconds(2),
        }, TableUpdateMode.Merge);

        var row = Assert.Single(await TimelineRowsAsync(contactId));
        Assert.Equal("email", row.GetString("LastChannel"));
        Assert.True(row.GetBoolean("Reached_sms"));
        Assert.Equal(id, (await store.FindLastOutboundAsync(contactId, Channel.Sms, None))?.Record.Id);
        Assert.Null(await store.FindLastOutboundAsync(contactId, Channel.Email, None)); // verified: sms is the newest provider attempt
    }

    // ------------------------------------------------------------------ timeline rows

    [Fact]
    public async Task CreateAsync_WritesTimelineRowNewestFirstWithSummaryColumns()
    {
        var store = CreateStore();
        var contactId = NewContactId();
        var older = NewId();
        var newer = NewId();
        var attempts = new[]
        {
            Attempt(0, Channel.Sms, T0.AddMinutes(1), "acs", "pm-sms", AttemptStatus.Failed),
            Attempt(1, Channel.Email, T0.AddMinutes(2), "acs", "pm-email", AttemptStatus.Delivered),
            Attempt(2, Channel.WhatsApp, T0.AddMinutes(3), null, null, AttemptStatus.Pending),
        };
        await store.CreateAsync(Simple(newer, contactId, T0.AddHours(1), "support", MessageStatus.Delivered, attempts), None);
        await store.CreateAsync(Simple(older, contactId, T0), None);

        var rows = await TimelineRowsAsync(contactId);

        Assert.Equal([newer, older], rows.Select(r => r.GetString("MessageId")));
        var row = rows[0];
        Assert.Equal(TableMessageStore.TimelineRowKey(T0.AddHours(1), newer), row.RowKey);
        Assert.Equal((DateTimeOffset.MaxValue.UtcTicks - T0.AddHours(1).UtcTicks).ToString("D19") + "|" + newer, row.RowKey);
        Assert.Equal("outbound", row.GetString("Kind"));
        Assert.Equal("delivered", row.GetString("Status"));
        Assert.Equal("support", row.GetString("Category"));
        Assert.Equal("sms,email,whatsapp", row.GetString("Channels"));
        Assert.Equal("whatsapp", row.GetString("Channel"));
        Assert.Equal("email", row.GetString("LastChannel"));
        Assert.Equal("acs", row.GetString("Provider"));
        Assert.Equal("pm-email", row.GetString("ProviderMessageId"));
        Assert.Equal(T0.AddHours(1), row.GetDateTimeOffset("AcceptedAt"));
        Assert.Equal(T0.AddHours(1), row.GetDateTimeOffset("At"));
    }

    [Fact]
    public async Task CreateAsync_WithoutContact_WritesNoTimelineRow()
    {
        var store = CreateStore();
        var id = NewId();

        await store.CreateAsync(Simple(id, null, T0), None);

        Assert.NotNull(await store.GetAsync(id, None));
        var rows = await TimelineTable.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"MessageId eq {id}")).ToListAsync();
        Assert.Empty(rows);
    }

    [Fact]
    public async Task CreateAsync_RerunAfterLostTimelineRow_RestoresIt()
    {
        var store = CreateStore();
        var id = NewId();
        var contactId = NewContactId();
        await store.CreateAsync(Simple(id, contactId, T0, status: MessageStatus.Routed), None);
        await TimelineTable.DeleteEntityAsync(contactId, TableMessageStore.TimelineRowKey(T0, id));
        Assert.Empty(await TimelineRowsAsync(contactId));

        var (_, created) = await store.CreateAsync(Simple(id, contactId, T0, status: MessageStatus.Routed), None);

        Assert.False(created);
        var row = Assert.Single(await TimelineRowsAsync(contactId));
        Assert.Equal(id, row.GetString("MessageId"));
        Assert.Equal("routed", row.GetString("Status"));
    }

    [Fact]
    public async Task CreateAsync_RerunWithTheRowPresent_LeavesTheRowAsItIs()
    {
        var store = CreateStore();
        var id = NewId();
        var contactId = NewContactId();
        await store.CreateAsync(Simple(id, contactId, T0, status: MessageStatus.Accepted), None);
        var before = Assert.Single(await TimelineRowsAsync(contactId));

        var (stored, created) = await CreateStore().CreateAsync(Simple(id, contactId, T0, status: MessageStatus.Accepted), None);

        Assert.False(created);
        Assert.Equal(id, stored.Record.Id);
        var row = Assert.Single(await TimelineRowsAsync(contactId));
        Assert.Equal(before.ETag, row.ETag);
    }

    // ------------------------------------------------------------------ provider ids

    [Fact]
    public async Task IndexProviderMessageAsync_RoundTripsAndReindexIsIdempotent()
    {
        var store = CreateStore();
        var messageId = NewId();
        var providerMessageId = "SM/" + Guid.NewGuid().ToString("N") + "#?\\x";

        await store.IndexProviderMessageAsync("twilio", providerMessageId, messageId, 2, None);
        await store.IndexProviderMessageAsync("twilio", providerMessageId, messageId, 2, None);
        var found = await store.FindByProviderMessageAsync("twilio", providerMessageId, None);

        Assert.Equal(new ProviderMessageRef(messageId, 2), found);
        var key = TableMessageStore.ProviderIdPartitionKey("twilio", providerMessageId);
        Assert.StartsWith("twilio|", key, StringComparison.Ordinal);
        Assert.Equal("twilio|".Length + 64, key.Length);
        var rows = await ProviderIdsTable.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {key}")).ToListAsync();
        var row = Assert.Single(rows);
        Assert.Equal(providerMessageId, row.GetString("ProviderMessageId"));
        Assert.Equal(messageId, row.GetString("MessageId"));
        Assert.Equal(2, row.GetInt32("Step"));
        Assert.Null(await store.FindByProviderMessageAsync("acs", providerMessageId, None));
        Assert.Null(await store.FindByProviderMessageAsync("twilio", providerMessageId + "x", None));
    }

    [Fact]
    public async Task IndexProviderMessageAsync_InvalidProvider_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => CreateStore().IndexProviderMessageAsync("tw/ilio", "pm", NewId(), 0, None));
        await Assert.ThrowsAsync<ArgumentException>(() => CreateStore().IndexProviderMessageAsync("twilio", "", NewId(), 0, None));
    }

    // ------------------------------------------------------------------ counts

    [Fact]
    public async Task CountRecentByCategoryAsync_CountsRoutedOrLaterSinceInclusive()
    {
        var store = CreateStore();
        var contactId = NewContactId();
        var since = T0;
        await store.CreateAsync(Simple(NewId(), contactId, since, "marketing", MessageStatus.Routed), None);          // exactly at since
        await store.CreateAsync(Simple(NewId(), contactId, since.AddMinutes(5), "marketing", MessageStatus.Sent), None);
        await store.CreateAsync(Simple(NewId(), contactId, since.AddMinutes(6), "marketing", MessageStatus.Delivered), None);
        await store.CreateAsync(Simple(NewId(), contactId, since.AddMinutes(7), "support", MessageStatus.Read), None);
        await store.CreateAsync(Simple(NewId(), contactId, since.AddTicks(-1), "marketing", MessageStatus.Sent), None); // before since
        await store.CreateAsync(Simple(NewId(), contactId, since.AddDays(-3), "support", MessageStatus.Sent), None);
        foreach (var excluded in new[] { MessageStatus.Accepted, MessageStatus.Deferred, MessageStatus.Undeliverable, MessageStatus.Expired, MessageStatus.Capped, MessageStatus.Rejected })
        {
            await store.CreateAsync(Simple(NewId(), contactId, since.AddMinutes(1), "marketing", excluded), None);
        }
        await store.CreateAsync(Simple(NewId(), NewContactId(), since.AddMinutes(1), "marketing", MessageStatus.Sent), None); // other contact

        var counts = await store.CountRecentByCategoryAsync(contactId, since, None);

        Assert.Equal(2, counts.Count);
        Assert.Equal(3, counts["marketing"]);
        Assert.Equal(1, counts["support"]);
        var wider = await store.CountRecentByCategoryAsync(contactId, since.AddDays(-7), None);
        Assert.Equal(4, wider["marketing"]);
        Assert.Equal(2, wider["support"]);
        Assert.Empty(await store.CountRecentByCategoryAsync(contactId, since.AddHours(1), None));
    }

    [Fact]
    public async Task CountRecentByCategoryAsync_FollowsStatusChanges()
    {
        var store = CreateStore();
        var contactId = NewContactId();
        var (v1, _) = await store.CreateAsync(Simple(NewId(), contactId, T0, "marketing", MessageStatus.Accepted), None);
        Assert.Empty(await store.CountRecentByCategoryAsync(contactId, T0, None));

        await store.ReplaceAsync(v1.Record with { Status = MessageStatus.Routed, UpdatedAt = T0.AddSeconds(1) }, v1.ETag, None);

        Assert.Equal(1, (await store.CountRecentByCategoryAsync(contactId, T0, None))["marketing"]);
    }

    // ------------------------------------------------------------------ last outbound

    [Fact]
    public async Task FindLastOutboundAsync_ReturnsNewestMessageThatReachedAProviderOnTheChannel()
    {
        var store = CreateStore();
        var contactId = NewContactId();
        var smsOld = NewId();
        var smsNew = NewId();
        var email = NewId();
        var smsFailedOnly = NewId();
        await store.CreateAsync(Simple(smsOld, contactId, T0, attempts: Attempt(0, Channel.Sms, T0, "acs", "p1")), None);
        await store.CreateAsync(Simple(smsNew, contactId, T0.AddMinutes(1), attempts: Attempt(0, Channel.Sms, T0.AddMinutes(1), "twilio", "p2", AttemptStatus.Delivered)), None);
        await store.CreateAsync(Simple(email, contactId, T0.AddMinutes(2), attempts:
            [Attempt(0, Channel.Sms, T0.AddMinutes(2), "acs", "p3", AttemptStatus.Failed), Attempt(1, Channel.Email, T0.AddMinutes(3), "acs", "p4")]), None);
        await store.CreateAsync(Simple(smsFailedOnly, contactId, T0.AddMinutes(4), attempts: Attempt(0, Channel.Sms, T0.AddMinutes(4), "acs", null, AttemptStatus.Failed)), None);
        await store.CreateAsync(Simple(NewId(), NewContactId(), T0.AddMinutes(5), attempts: Attempt(0, Channel.Sms, T0.AddMinutes(5), "acs", "p5")), None);

        Assert.Equal(smsNew, (await store.FindLastOutboundAsync(contactId, Channel.Sms, None))?.Record.Id);
        Assert.Equal(email, (await store.FindLastOutboundAsync(contactId, Channel.Email, None))?.Record.Id);
        Assert.Null(await store.FindLastOutboundAsync(contactId, Channel.WhatsApp, None));
        Assert.Null(await store.FindLastOutboundAsync(NewContactId(), Channel.Sms, None));
    }

    // ------------------------------------------------------------------ erasure

    [Fact]
    public async Task EraseContactAsync_RemovesEverythingOfTheContactAndNothingOfAnother()
    {
        var store = CreateStore();
        var contactId = NewContactId();
        var otherId = NewContactId();
        var mine = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var id = NewId();
            mine.Add(id);
            await store.CreateAsync(Simple(id, contactId, T0.AddMinutes(i), attempts:
                [Attempt(0, Channel.Sms, T0, "acs", "pm-" + id), Attempt(1, Channel.Email, T0, "twilio", "pm2-" + id)]), None);
            await store.IndexProviderMessageAsync("acs", "pm-" + id, id, 0, None);
            await store.IndexProviderMessageAsync("twilio", "pm2-" + id, id, 1, None);
        }
        var theirs = NewId();
        await store.CreateAsync(Simple(theirs, otherId, T0, attempts: Attempt(0, Channel.Sms, T0, "acs", "pm-" + theirs)), None);
        await store.IndexProviderMessageAsync("acs", "pm-" + theirs, theirs, 0, None);

        var erased = await store.EraseContactAsync(contactId, None);

        Assert.Equal(3, erased);
        Assert.Empty(await TimelineRowsAsync(contactId));
        foreach (var id in mine)
        {
            Assert.Null(await store.GetAsync(id, None));
            Assert.Null(await RawMessageAsync(id));
            Assert.Null(await store.FindByProviderMessageAsync("acs", "pm-" + id, None));
            Assert.Null(await store.FindByProviderMessageAsync("twilio", "pm2-" + id, None));
        }
        Assert.NotNull(await store.GetAsync(theirs, None));
        Assert.Single(await TimelineRowsAsync(otherId));
        Assert.Equal(new ProviderMessageRef(theirs, 0), await store.FindByProviderMessageAsync("acs", "pm-" + theirs, None));
        Assert.Equal(0, await store.EraseContactAsync(contactId, None));
    }

    [Fact]
    public async Task EraseContactAsync_ProviderIdReindexedToAnotherMessage_IsKept()
    {
        var store = CreateStore();
        var contactId = NewContactId();
        var mine = NewId();
        var theirs = NewId();
        await store.CreateAsync(Simple(mine, contactId, T0, attempts: Attempt(0, Channel.Sms, T0, "acs", "shared")), None);
        await store.IndexProviderMessageAsync("acs", "shared", theirs, 0, None);

        await store.EraseContactAsync(contactId, None);

        Assert.Equal(new ProviderMessageRef(theirs, 0), await store.FindByProviderMessageAsync("acs", "shared", None));
    }

    // ------------------------------------------------------------------ limits and validation

    [Fact]
    public async Task CreateAsync_RecordOverOneMebibyte_IsRefusedBeforeWriting()
    {
        var store = CreateStore();
        var id = NewId();
        var contactId = NewContactId();
        var record = Simple(id, contactId, T0) with
        {
            Content = new Dictionary<Channel, RenderedContent> { [Channel.Email] = new("t", "s", new string('x', 530_000)) },
        };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.CreateAsync(record, None));

        Assert.Contains("1 MiB", error.Message, StringComparison.Ordinal);
        Assert.Equal("record", error.ParamName);
        Assert.Null(await store.GetAsync(id, None));
        Assert.Empty(await TimelineRowsAsync(contactId));
    }

    [Fact]
    public async Task CreateAsync_RecordJustUnderTheLimit_IsStored()
    {
        var store = CreateStore();
        var id = NewId();
        var record = Simple(id, null, T0) with
        {
            Content = new Dictionary<Channel, RenderedContent> { [Channel.Email] = new("t", "s", new string('y', 500_000)) },
        };

        await store.CreateAsync(record, None);

        Assert.Equal(500_000, (await store.GetAsync(id, None))!.Record.Content[Channel.Email].Html!.Length);
    }

    [Fact]
    public async Task ReplaceAsync_RecordOverOneMebibyte_IsRefusedAndKeepsTheStoredVersion()
    {
        var store = CreateStore();
        var id = NewId();
        var (v1, _) = await store.CreateAsync(Simple(id, null, T0), None);

        await Assert.ThrowsAsync<ArgumentException>(() => store.ReplaceAsync(v1.Record with
        {
            Content = new Dictionary<Channel, RenderedContent> { [Channel.Email] = new("t", "s", new string('x', 600_000)) },
        }, v1.ETag, None));

        Assert.Equal(v1.ETag, (await store.GetAsync(id, None))!.ETag);
    }

    [Theory]
    [InlineData("bad/id")]
    [InlineData("")]
    [InlineData("with space")]
    public async Task CreateAsync_InvalidMessageId_Throws(string id)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => CreateStore().CreateAsync(Simple(id, null, T0), None));
    }
}
