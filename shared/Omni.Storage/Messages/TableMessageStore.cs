using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Azure;
using Omni.Azure.Tables;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Storage.Messages;

/// <summary>
/// <see cref="IMessageStore"/> on Azure Table Storage.
/// <list type="bullet">
/// <item><c>messages</c>: PartitionKey = message id, RowKey <c>message</c>; the record as JSON split over
/// <c>Data0</c>…<c>Data{n-1}</c> (≤ 30,000 characters each) with <c>DataParts</c> = n, plus plain columns
/// <c>Status</c>, <c>ContactId</c>, <c>Category</c>, <c>AcceptedAt</c>, <c>UpdatedAt</c> for queries and operations.</item>
/// <item><c>timeline</c>: PartitionKey = contact id, RowKey = <c>{MaxTicks - AcceptedAt ticks:D19}|{message id}</c>
/// (newest first); a summary row per message, derived from the record and written after it — inserted at create,
/// merged afterwards only when a mirrored field changes (see <see cref="TimelineFingerprint"/>).</item>
/// <item><c>providerids</c>: PartitionKey = <c>{provider}|{sha256(provider message id)}</c>, RowKey empty;
/// <c>MessageId</c>, <c>Step</c>.</item>
/// </list>
/// See docs/storage.md.
/// </summary>
public sealed partial class TableMessageStore : IMessageStore
{
    /// <summary>Default name of the table of message records.</summary>
    public const string MessagesTable = "messages";

    /// <summary>Default name of the per-contact timeline table.</summary>
    public const string TimelineTable = "timeline";

    /// <summary>Default name of the provider-message-id index table.</summary>
    public const string ProviderIdsTable = "providerids";

    /// <summary>RowKey of a message record.</summary>
    public const string MessageRowKey = "message";

    /// <summary>RowKey of a provider-id index entry.</summary>
    public const string ProviderIdRowKey = "";

    /// <summary>Timeline <c>Kind</c> of an outbound message.</summary>
    public const string OutboundKind = "outbound";

    /// <summary>Timeline <c>Kind</c> of an inbound message (written by the inbound path).</summary>
    public const string InboundKind = "inbound";

    /// <summary>
    /// Characters per <c>Data{i}</c> property: a Table string holds at most 64 KiB of UTF-16 (32,767 characters);
    /// 30,000 leaves room and keeps the arithmetic obvious.
    /// </summary>
    public const int MaxChunkLength = 30_000;

    /// <summary>
    /// The largest message entity written, in bytes as Azure counts them (see <see cref="StorageKeys.EstimateSize"/>):
    /// 1 MiB minus 1 KiB, the margin absorbing differences between the documented estimate and the service's accounting.
    /// </summary>
    public const long MaxEntityBytes = 1024 * 1024 - 1024;

    // messages
    internal const string DataPartsProperty = "DataParts";
    internal const string DataPropertyPrefix = "Data";
    internal const string SchemaVersionProperty = "SchemaVersion";
    internal const string StatusProperty = "Status";
    internal const string ContactIdProperty = "ContactId";
    internal const string CategoryProperty = "Category";
    internal const string AcceptedAtProperty = "AcceptedAt";
    internal const string UpdatedAtProperty = "UpdatedAt";

    // timeline (also Status, Category, AcceptedAt, UpdatedAt)
    internal const string KindProperty = "Kind";
    internal const string MessageIdProperty = "MessageId";
    internal const string AtProperty = "At";
    internal const string ChannelsProperty = "Channels";
    internal const string ChannelProperty = "Channel";
    internal const string LastChannelProperty = "LastChannel";
    internal const string ProviderProperty = "Provider";
    internal const string ProviderMessageIdProperty = "ProviderMessageId";

    /// <summary>Prefix of the timeline flags <c>Reached_{channel}</c> = true: an attempt on that channel reached a provider (set once, never cleared).</summary>
    internal const string ReachedPropertyPrefix = "Reached_";

    // providerids (also MessageId, Provider, ProviderMessageId)
    internal const string StepProperty = "Step";

    private const int MaxProviderMessageIdLength = 1024;
    private const int MaxBatch = 100;
    private const int WriteAttempts = 4;
    private const int ErasePasses = 8;

    /// <summary>Bound of the per-instance memo of mirrored timeline fields; cleared when exceeded (a miss only costs one write).</summary>
    private const int MaxMirrorMemo = 8192;

    private static readonly MessageStatus[] CountedStatuses = [MessageStatus.Routed, MessageStatus.Sent, MessageStatus.Delivered, MessageStatus.Read];

    private readonly TableMessageStoreOptions _options;
    private readonly TableClient _messages;
    private readonly TableClient _timeline;
    private readonly TableClient _providerIds;
    private readonly TablesOnce _ensure;

    /// <summary>
    /// Message id → (record ETag, <see cref="TimelineFingerprint"/> of that version), remembered on every read and write
    /// of a record, so <see cref="ReplaceAsync"/> knows whether the version it replaces mirrored the same timeline fields.
    /// </summary>
    private readonly ConcurrentDictionary<string, (string ETag, string Fingerprint)> _mirrored = new(StringComparer.Ordinal);

    public TableMessageStore(TableServiceClient tables, TableMessageStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tables);
        _options = options ?? new TableMessageStoreOptions();
        _ensure = new TablesOnce(tables, _options.MessagesTableName, _options.TimelineTableName, _options.ProviderIdsTableName);
        _messages = tables.GetTableClient(_options.MessagesTableName);
        _timeline = tables.GetTableClient(_options.TimelineTableName);
        _providerIds = tables.GetTableClient(_options.ProviderIdsTableName);
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,100}$", RegexOptions.CultureInvariant)]
    private static partial Regex MessageIdPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex ContactIdPattern();

    /// <summary>Timeline RowKey: <c>{DateTimeOffset.MaxValue.UtcTicks - acceptedAt.UtcTicks:D19}|{messageId}</c>, so RowKey order is newest first.</summary>
    public static string TimelineRowKey(DateTimeOffset acceptedAt, string messageId) =>
        InvertedTicks(acceptedAt).ToString("D19", CultureInfo.InvariantCulture) + "|" + messageId;

    /// <summary>
    /// Provider-id PartitionKey: <c>{provider, lower case}|{lower-case hex SHA-256 of the UTF-8 provider message id}</c>.
    /// Hashed because provider ids may contain characters keys forbid (<c>/</c>, <c>#</c>, …) or be long.
    /// </summary>
    public static string ProviderIdPartitionKey(string provider, string providerMessageId)
    {
        StorageKeys.ValidateSegment(provider, 64, nameof(provider));
        ArgumentException.ThrowIfNullOrEmpty(providerMessageId);
        return provider.ToLowerInvariant() + "|" + StorageKeys.Sha256Hex(providerMessageId);
    }

    /// <summary>Creates the three tables if they do not exist; runs once per instance (later calls return at once).</summary>
    public Task EnsureTablesAsync(CancellationToken cancellationToken) => _ensure.EnsureAsync(cancellationToken);

    // ------------------------------------------------------------------ records

    public async Task<StoredMessage?> GetAsync(string messageId, CancellationToken cancellationToken)
    {
        ValidateMessageId(messageId, nameof(messageId));
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAsync(messageId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Inserts the record; when one with that id exists already, returns the stored one unchanged with
    /// <c>Created = false</c>. Either way the contact's timeline row is then inserted (no read first; 409 = it is there
    /// already, left as is), so a re-run after a crash between the two writes restores a missing row.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid ids, or the record would exceed the 1 MiB entity limit.</exception>
    public async Task<(StoredMessage Stored, bool Created)> CreateAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        var entity = ToEntity(record);
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            StoredMessage stored;
            bool created;
            try
            {
                var response = await _messages.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
                stored = new StoredMessage(record, await ETagOfAsync(response, record.Id, cancellationToken).ConfigureAwait(false));
                created = true;
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                var existing = await ReadAsync(record.Id, cancellationToken).ConfigureAwait(false);
                if (existing is null)
                {
                    if (attempt >= WriteAttempts)
                    {
                        throw;
                    }
                    continue; // deleted (erased) between the insert and the read: insert again
                }
                stored = existing;
                created = false;
            }
            await InsertTimelineAsync(stored.Record, cancellationToken).ConfigureAwait(false);
            Remember(stored);
            return (stored, created);
        }
    }

    /// <summary>
    /// Replaces the record if it is still at <paramref name="etag"/>; null when it changed meanwhile (412) or is gone
    /// (404, e.g. erased). Then merges the contact's timeline row, but only when a field it mirrors changed from the
    /// version replaced (or that version is not known to this instance). <see cref="MessageRecord.ContactId"/> and
    /// <see cref="MessageRecord.AcceptedAt"/> key the timeline row and must not change after create.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid ids, an empty ETag, or the record would exceed the 1 MiB entity limit.</exception>
    public async Task<StoredMessage?> ReplaceAsync(MessageRecord record, string etag, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(etag);
        var entity = ToEntity(record);
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        Response response;
        try
        {
            response = await _messages.UpdateEntityAsync(entity, new ETag(etag), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return null;
        }
        var stored = new StoredMessage(record, await ETagOfAsync(response, record.Id, cancellationToken).ConfigureAwait(false));
        var fingerprint = TimelineFingerprint(record);
        var unchanged = _mirrored.TryGetValue(record.Id, out var before) && before.ETag == etag && before.Fingerprint == fingerprint;
        if (!unchanged)
        {
            await MergeTimelineAsync(record, cancellationToken).ConfigureAwait(false);
        }
        Remember(record.Id, stored.ETag, fingerprint);
        return stored;
    }

    // ------------------------------------------------------------------ provider ids

    /// <summary>Upserts <c>{provider}|{sha256(providerMessageId)}</c> → (message id, step); re-indexing is harmless, the last write wins.</summary>
    public async Task IndexProviderMessageAsync(string provider, string providerMessageId, string messageId, int step, CancellationToken cancellationToken)
    {
        ValidateProviderMessageId(providerMessageId);
        var partitionKey = ProviderIdPartitionKey(provider, providerMessageId);
        ValidateMessageId(messageId, nameof(messageId));
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        await _providerIds.UpsertEntityAsync(new TableEntity(partitionKey, ProviderIdRowKey)
        {
            [MessageIdProperty] = messageId,
            [StepProperty] = step,
            [ProviderProperty] = provider.ToLowerInvariant(),
            [ProviderMessageIdProperty] = providerMessageId,
        }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ProviderMessageRef?> FindByProviderMessageAsync(string provider, string providerMessageId, CancellationToken cancellationToken)
    {
        ValidateProviderMessageId(providerMessageId);
        var partitionKey = ProviderIdPartitionKey(provider, providerMessageId);
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var entry = await _providerIds.GetEntityIfExistsAsync<TableEntity>(partitionKey, ProviderIdRowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!entry.HasValue)
        {
            return null;
        }
        var row = entry.Value!;
        // The stored id guards against the (theoretical) hash collision.
        if (row.GetString(ProviderMessageIdProperty) != providerMessageId || row.GetString(MessageIdProperty) is not { } messageId || row.GetInt32(StepProperty) is not { } step)
        {
            return null;
        }
        return new ProviderMessageRef(messageId, step);
    }

    // ------------------------------------------------------------------ timeline queries

    /// <summary>
    /// One range query of the contact's timeline partition (RowKey up to <paramref name="since"/>, i.e. accepted at or
    /// after it), counting outbound rows whose Status is routed, sent, delivered or read, by category.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, int>> CountRecentByCategoryAsync(string contactId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        ValidateContactId(contactId, nameof(contactId));
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        // RowKeys are "{inverted:D19}|{id}"; accepted ≥ since ⇔ inverted ≤ inverted(since) ⇔ RowKey < "{inverted(since)+1:D19}".
        var upper = (InvertedTicks(since) + 1).ToString("D19", CultureInfo.InvariantCulture);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {contactId} and RowKey lt {upper}");
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var row in _timeline.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: [KindProperty, StatusProperty, CategoryProperty], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.GetString(KindProperty) != OutboundKind || row.GetString(CategoryProperty) is not { Length: > 0 } category || !IsCounted(row.GetString(StatusProperty)))
            {
                continue;
            }
            counts[category] = counts.GetValueOrDefault(category) + 1;
        }
        return counts;
    }

    /// <summary>
    /// The newest (by acceptance) outbound message of the contact whose newest provider-reaching attempt was on
    /// <paramref name="channel"/>. Timeline rows are hints: each candidate is verified against its record.
    /// </summary>
    public async Task<StoredMessage?> FindLastOutboundAsync(string contactId, Channel channel, CancellationToken cancellationToken)
    {
        ValidateContactId(contactId, nameof(contactId));
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        // LastChannel is the newest provider-reaching channel when the row was last written; Reached_{channel} is set
        // once and never cleared (rows merge), so a row whose LastChannel write lost a race still qualifies.
        // (The flag's name is a fixed identifier, not a value: it goes into the filter as is.)
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {contactId} and Kind eq {OutboundKind} and (LastChannel eq {channel.Name()}")
            + " or " + ReachedProperty(channel) + " eq true)";
        await foreach (var row in _timeline.QueryAsync<TableEntity>(filter, maxPerPage: 20, select: [MessageIdProperty], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.GetString(MessageIdProperty) is not { } messageId || !MessageIdPattern().IsMatch(messageId))
            {
                continue;
            }
            var stored = await ReadAsync(messageId, cancellationToken).ConfigureAwait(false);
            if (stored is not null && stored.Record.ContactId == contactId && LastProviderAttempt(stored.Record)?.Channel == channel)
            {
                return stored;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ erasure

    /// <summary>
    /// Deletes everything the message log holds about the contact: for each timeline row, the provider-id entries of
    /// the message's attempts, then the message record (only if it belongs to the contact), then the timeline rows
    /// themselves (last: they are the handle a re-run finds). Returns the number of message records deleted.
    /// </summary>
    public async Task<int> EraseContactAsync(string contactId, CancellationToken cancellationToken)
    {
        ValidateContactId(contactId, nameof(contactId));
        await EnsureTablesAsync(cancellationToken).ConfigureAwait(false);
        var erased = 0;
        // Repeat until the partition is empty: a message created concurrently may add a row after a listing.
        for (var pass = 0; pass < ErasePasses; pass++)
        {
            var rows = new List<(string RowKey, string? MessageId)>();
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {contactId}");
            await foreach (var row in _timeline.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey", MessageIdProperty], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                rows.Add((row.RowKey, row.GetString(MessageIdProperty)));
            }
            if (rows.Count == 0)
            {
                break;
            }
            foreach (var messageId in rows.Select(r => r.MessageId).Distinct())
            {
                if (messageId is not null && MessageIdPattern().IsMatch(messageId) &&
                    await EraseMessageAsync(contactId, messageId, cancellationToken).ConfigureAwait(false))
                {
                    erased++;
                }
            }
            foreach (var chunk in rows.Chunk(MaxBatch))
            {
                await DeleteTimelineRowsAsync(contactId, chunk.Select(r => r.RowKey).ToList(), cancellationToken).ConfigureAwait(false);
            }
        }
        return erased;
    }

    /// <returns>True when this call deleted the message record.</returns>
    private async Task<bool> EraseMessageAsync(string contactId, string messageId, CancellationToken cancellationToken)
    {
        var stored = await ReadAsync(messageId, cancellationToken).ConfigureAwait(false);
        if (stored is null || stored.Record.ContactId != contactId)
        {
            return false; // already erased, or not this contact's (never delete another contact's record)
        }
        foreach (var attempt in stored.Record.Attempts)
        {
            if (attempt.Provider is { Length: > 0 } provider && attempt.ProviderMessageId is { Length: > 0 } providerMessageId)
            {
                await DeleteProviderIdIfOwnedAsync(provider, providerMessageId, messageId, cancellationToken).ConfigureAwait(false);
            }
        }
        // Unconditional: the erasure wins over a concurrent replace.
        var response = await _messages.DeleteEntityAsync(messageId, MessageRowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        return response.Status != 404;
    }

    private async Task DeleteProviderIdIfOwnedAsync(string provider, string providerMessageId, string messageId, CancellationToken cancellationToken)
    {
        string partitionKey;
        try
        {
            partitionKey = ProviderIdPartitionKey(provider, providerMessageId);
        }
        catch (ArgumentException)
        {
            return; // a provider name that could never have been indexed
        }
        var entry = await _providerIds.GetEntityIfExistsAsync<TableEntity>(partitionKey, ProviderIdRowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (entry.HasValue && entry.Value!.GetString(MessageIdProperty) == messageId)
        {
            try
            {
                await _providerIds.DeleteEntityAsync(partitionKey, ProviderIdRowKey, entry.Value.ETag, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // Re-indexed meanwhile (to another message, or re-upserted): the next pass reads it again.
            }
        }
    }

    private async Task DeleteTimelineRowsAsync(string contactId, List<string> rowKeys, CancellationToken cancellationToken)
    {
        try
        {
            await _timeline.SubmitTransactionAsync(
                rowKeys.Select(rk => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(contactId, rk))),
                cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status == 404)
        {
            // A concurrent erasure deleted some rows: delete the rest one by one (a missing row is not an error there).
            foreach (var rowKey in rowKeys)
            {
                await _timeline.DeleteEntityAsync(contactId, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // ------------------------------------------------------------------ timeline rows

    /// <summary>
    /// Inserts the contact's timeline row for the record (nothing for a record without contact). No read first: 409 means
    /// the row is there already (a re-run after a crash, or a later stage merged it first) and is left as it is.
    /// </summary>
    private async Task InsertTimelineAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        if (record.ContactId is null)
        {
            return;
        }
        try
        {
            await _timeline.AddEntityAsync(TimelineRow(record), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
        }
    }

    /// <summary>
    /// Upserts (merge, unconditional, no read) the contact's timeline row from the record. Unguarded on purpose (see
    /// docs/storage.md, "Timeline rows"): the readers tolerate a write that lands after a newer one. Caps only use the
    /// counted/not-counted class, whose only reachable stale state over-counts; reply threading queries
    /// <c>LastChannel</c> or the monotonic <c>Reached_{channel}</c> flags and verifies every candidate against its
    /// record; the timeline API shows status and channels from the record.
    /// </summary>
    private async Task MergeTimelineAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        if (record.ContactId is null)
        {
            return;
        }
        await _timeline.UpsertEntityAsync(TimelineRow(record), TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// What the timeline row mirrors and its readers depend on; the row is written when this changes. Status counts
    /// only by class (counted for caps or not) — the exact status is read from the record — and the newest attempt's
    /// channel (<c>Channel</c>) not at all, so claims, report updates and delivered/read do not write the row.
    /// </summary>
    internal static string TimelineFingerprint(MessageRecord record)
    {
        var reached = LastProviderAttempt(record);
        var builder = new StringBuilder(96);
        builder.Append(IsCounted(record.Status.Name()) ? 'c' : 'n').Append('|')
            .Append(record.Request.Category).Append('|')
            .AppendJoin(',', record.Plan.Select(p => p.Channel.Name()).Distinct()).Append('|')
            .Append(reached?.Channel.Name()).Append('|')
            .Append(reached?.Provider).Append('|')
            .Append(reached?.ProviderMessageId).Append('|')
            .AppendJoin(',', ReachedChannels(record).Select(c => c.Name()));
        return builder.ToString();
    }

    private void Remember(StoredMessage stored) => Remember(stored.Record.Id, stored.ETag, TimelineFingerprint(stored.Record));

    private void Remember(string messageId, string etag, string fingerprint)
    {
        if (string.IsNullOrEmpty(etag))
        {
            _mirrored.TryRemove(messageId, out _);
            return;
        }
        if (_mirrored.Count >= MaxMirrorMemo)
        {
            _mirrored.Clear();
        }
        _mirrored[messageId] = (etag, fingerprint);
    }

    private static string ReachedProperty(Channel channel) => ReachedPropertyPrefix + channel.Name();

    private static IEnumerable<Channel> ReachedChannels(MessageRecord record) =>
        record.Attempts.Where(ReachedProvider).Select(a => a.Channel).Distinct().Order();

    private static TableEntity TimelineRow(MessageRecord record)
    {
        var latest = LatestAttempt(record);
        var reached = LastProviderAttempt(record);
        var channels = string.Join(",", record.Plan.Select(p => p.Channel.Name()).Distinct());
        var row = new TableEntity(record.ContactId!, TimelineRowKey(record.AcceptedAt, record.Id))
        {
            [KindProperty] = OutboundKind,
            [MessageIdProperty] = record.Id,
            [AtProperty] = record.AcceptedAt,
            [StatusProperty] = record.Status.Name(),
            [CategoryProperty] = record.Request.Category,
            [ChannelsProperty] = channels.Length == 0 ? null : channels,
            [ChannelProperty] = latest?.Channel.Name(),
            [LastChannelProperty] = reached?.Channel.Name(),
            [ProviderProperty] = reached?.Provider,
            [ProviderMessageIdProperty] = reached?.ProviderMessageId,
            [AcceptedAtProperty] = record.AcceptedAt,
            [UpdatedAtProperty] = record.UpdatedAt,
        };
        foreach (var channel in ReachedChannels(record))
        {
            row[ReachedProperty(channel)] = true;
        }
        return row;
    }

    /// <summary>
    /// The current outbound summary of a record as the timeline shows it: status, channel of the newest attempt,
    /// channel and provider of the newest attempt that reached a provider, planned channels. The timeline API takes
    /// these from the record, since the row is not rewritten for every change (see <see cref="TimelineFingerprint"/>).
    /// </summary>
    public static OutboundSummary Summarize(MessageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var latest = LatestAttempt(record);
        var reached = LastProviderAttempt(record);
        return new OutboundSummary(record.Status.Name(), latest?.Channel, reached?.Channel, reached?.Provider,
            [.. record.Plan.Select(p => p.Channel).Distinct()]);
    }

    /// <summary>The most recently started attempt (ties: the higher step).</summary>
    private static MessageAttempt? LatestAttempt(MessageRecord record) =>
        record.Attempts.OrderBy(a => a.StartedAt).ThenBy(a => a.Step).LastOrDefault();

    /// <summary>The most recently started attempt that a provider accepted (it has a provider message id or a post-acceptance status).</summary>
    internal static MessageAttempt? LastProviderAttempt(MessageRecord record) =>
        record.Attempts.Where(ReachedProvider).OrderBy(a => a.StartedAt).ThenBy(a => a.Step).LastOrDefault();

    private static bool ReachedProvider(MessageAttempt attempt) =>
        !string.IsNullOrEmpty(attempt.ProviderMessageId) ||
        attempt.Status is AttemptStatus.Queued or AttemptStatus.Sent or AttemptStatus.Delivered or AttemptStatus.Read ||
        attempt.Tries.Any(t => t.Outcome == "accepted");

    private static bool IsCounted(string? status)
    {
        foreach (var counted in CountedStatuses)
        {
            if (status == counted.Name())
            {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ entity mapping

    /// <summary>Validates the record and builds its entity; throws before any I/O when it cannot be stored.</summary>
    private static TableEntity ToEntity(MessageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ValidateMessageId(record.Id, nameof(record));
        if (record.ContactId is not null)
        {
            ValidateContactId(record.ContactId, nameof(record));
        }
        var json = MessageRecordJson.Serialize(record);
        var parts = Split(json);
        var entity = new TableEntity(record.Id, MessageRowKey)
        {
            [SchemaVersionProperty] = MessageRecordJson.SchemaVersion,
            [DataPartsProperty] = parts.Count,
            [StatusProperty] = record.Status.Name(),
            [ContactIdProperty] = record.ContactId,
            [CategoryProperty] = record.Request.Category,
            [AcceptedAtProperty] = record.AcceptedAt,
            [UpdatedAtProperty] = record.UpdatedAt,
        };
        for (var i = 0; i < parts.Count; i++)
        {
            entity[DataPropertyPrefix + i.ToString(CultureInfo.InvariantCulture)] = parts[i];
        }
        var size = StorageKeys.EstimateSize(entity);
        if (size > MaxEntityBytes)
        {
            throw new ArgumentException(
                $"The message record '{record.Id}' would be a {size:N0}-byte entity ({json.Length:N0} characters of JSON); " +
                $"a Table Storage entity holds at most 1 MiB ({MaxEntityBytes:N0} bytes allowed here). Shorten the content.",
                nameof(record));
        }
        return entity;
    }

    /// <summary>Splits into pieces of at most <see cref="MaxChunkLength"/> characters, never between the halves of a surrogate pair.</summary>
    internal static List<string> Split(string json)
    {
        var parts = new List<string>(json.Length / MaxChunkLength + 1);
        var start = 0;
        while (start < json.Length)
        {
            var length = Math.Min(MaxChunkLength, json.Length - start);
            if (start + length < json.Length && char.IsHighSurrogate(json[start + length - 1]))
            {
                length--;
            }
            parts.Add(json.Substring(start, length));
            start += length;
        }
        if (parts.Count == 0)
        {
            parts.Add("");
        }
        return parts;
    }

    private async Task<StoredMessage?> ReadAsync(string messageId, CancellationToken cancellationToken)
    {
        var response = await _messages.GetEntityIfExistsAsync<TableEntity>(messageId, MessageRowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!response.HasValue)
        {
            return null;
        }
        var entity = response.Value!;
        var parts = entity.GetInt32(DataPartsProperty) ?? throw new InvalidDataException($"The message record '{messageId}' has no {DataPartsProperty}.");
        var json = new StringBuilder(parts * MaxChunkLength);
        for (var i = 0; i < parts; i++)
        {
            var name = DataPropertyPrefix + i.ToString(CultureInfo.InvariantCulture);
            json.Append(entity.GetString(name) ?? throw new InvalidDataException($"The message record '{messageId}' lacks {name} of {parts}."));
        }
        var stored = new StoredMessage(MessageRecordJson.Deserialize(json.ToString()), entity.ETag.ToString());
        Remember(stored);
        return stored;
    }

    private async Task<string> ETagOfAsync(Response response, string messageId, CancellationToken cancellationToken)
    {
        if (response.Headers.ETag is { } etag && etag != default)
        {
            return etag.ToString();
        }
        var entity = await _messages.GetEntityIfExistsAsync<TableEntity>(messageId, MessageRowKey, [DataPartsProperty], cancellationToken).ConfigureAwait(false);
        return entity.HasValue ? entity.Value!.ETag.ToString() : "";
    }

    private static long InvertedTicks(DateTimeOffset at) => DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks;

    private static void ValidateMessageId(string? messageId, string paramName)
    {
        ArgumentNullException.ThrowIfNull(messageId, paramName);
        if (!MessageIdPattern().IsMatch(messageId))
        {
            throw new ArgumentException("A message id is 1-100 characters of A-Z a-z 0-9 _ . -", paramName);
        }
    }

    private static void ValidateContactId(string? contactId, string paramName)
    {
        ArgumentNullException.ThrowIfNull(contactId, paramName);
        if (!ContactIdPattern().IsMatch(contactId))
        {
            throw new ArgumentException("A contact id is 1-128 characters of A-Z a-z 0-9 . _ @ : + -, starting with a letter or digit.", paramName);
        }
    }

    private static void ValidateProviderMessageId(string? providerMessageId)
    {
        ArgumentException.ThrowIfNullOrEmpty(providerMessageId);
        if (providerMessageId.Length > MaxProviderMessageIdLength)
        {
            throw new ArgumentException($"A provider message id is at most {MaxProviderMessageIdLength} characters.", nameof(providerMessageId));
        }
    }
}

/// <summary>An outbound message's timeline fields, from its record (<see cref="TableMessageStore.Summarize"/>).</summary>
/// <param name="Status">Wire name of the message status.</param>
/// <param name="Channel">Channel of the newest attempt.</param>
/// <param name="LastChannel">Channel of the newest attempt that reached a provider.</param>
/// <param name="Provider">Provider of that attempt.</param>
/// <param name="Channels">Planned channels, in plan order.</param>
public sealed record OutboundSummary(string Status, Channel? Channel, Channel? LastChannel, string? Provider, IReadOnlyList<Channel> Channels);
