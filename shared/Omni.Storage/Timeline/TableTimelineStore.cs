using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Azure;
using Omni.Azure.Tables;
using Omni.Core.Contacts;
using Omni.Core.Inbound;
using Omni.Storage.Messages;

namespace Omni.Storage.Timeline;

/// <summary>
/// <see cref="ITimelineStore"/> over the <c>timeline</c> table that <see cref="TableMessageStore"/> writes outbound rows to:
/// PartitionKey = contact id, RowKey = <c>{MaxTicks − at ticks:D19}|{id}</c> (newest first). Inbound rows use the same
/// key shape with id = <see cref="InboundIds.For"/>(event id) and at = when the message was received, so a redelivered
/// event hits the same key (insert → 409 → the stored row wins). Erasure of the contact's message log
/// (<see cref="TableMessageStore.EraseContactAsync"/>) deletes the whole partition, inbound rows included. See docs/inbound.md.
/// </summary>
public sealed partial class TableTimelineStore : ITimelineStore
{
    /// <summary>Timeline <c>Status</c> of an inbound row.</summary>
    public const string ReceivedStatus = "received";

    /// <summary>Inbound text is cut to this many characters (a Table string holds at most 32,767).</summary>
    public const int MaxTextLength = 30_000;

    internal const string EventIdProperty = "EventId";
    internal const string TextProperty = "Text";
    internal const string KeywordProperty = "Keyword";
    internal const string ResponseToProperty = "ResponseToMessageId";
    internal const string ResponseTimeMsProperty = "ResponseTimeMs";

    private readonly string _tableName;
    private readonly TableClient _timeline;
    private readonly TablesOnce _ensure;

    public TableTimelineStore(TableServiceClient tables, TableMessageStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tables);
        _tableName = (options ?? new TableMessageStoreOptions()).TimelineTableName;
        _timeline = tables.GetTableClient(_tableName);
        _ensure = new TablesOnce(tables, _tableName);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex ContactIdPattern();

    [GeneratedRegex(@"^[0-9]{19}\|[A-Za-z0-9_.-]{1,100}$", RegexOptions.CultureInvariant)]
    private static partial Regex RowKeyPattern();

    /// <summary>Creates the table if it does not exist; once per instance.</summary>
    public Task EnsureTableAsync(CancellationToken cancellationToken) => _ensure.EnsureAsync(cancellationToken);

    /// <inheritdoc />
    public async Task<(InboundTimelineEntry Entry, bool Created)> AppendInboundAsync(InboundTimelineEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ValidateContactId(entry.ContactId);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var row = ToEntity(entry);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                await _timeline.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
                return (entry with { Text = row.GetString(TextProperty) }, true);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                if (await FindInboundAsync(entry.ContactId, entry.EventId, entry.At, cancellationToken).ConfigureAwait(false) is { } existing)
                {
                    return (existing, false);
                }
                // Deleted (erased) between the insert and the read: insert again.
            }
        }
        throw new InvalidOperationException("The inbound timeline row kept appearing and disappearing (concurrent erasure); retry.");
    }

    /// <inheritdoc />
    public async Task<InboundTimelineEntry?> FindInboundAsync(string contactId, string eventId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ValidateContactId(contactId);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var rowKey = TableMessageStore.TimelineRowKey(at, InboundIds.For(eventId));
        var found = await _timeline.GetEntityIfExistsAsync<TableEntity>(contactId, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        // The stored event id guards against the (theoretical) hash collision.
        return found.HasValue && found.Value!.GetString(EventIdProperty) == eventId ? ToInbound(found.Value) : null;
    }

    /// <inheritdoc />
    public async Task<TimelinePage> QueryAsync(string contactId, TimelineQuery query, CancellationToken cancellationToken)
    {
        ValidateContactId(contactId);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, TimelineQuery.MaxLimit);
        var after = query.Continuation is null ? null : DecodeContinuation(query.Continuation);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);

        var filter = new StringBuilder(TableClient.CreateQueryFilter($"PartitionKey eq {contactId}"));
        // RowKey = "{inverted:D19}|{id}": at ≤ to ⇔ RowKey ≥ "{inverted(to):D19}"; at ≥ from ⇔ RowKey < "{inverted(from)+1:D19}".
        if (query.To is { } to)
        {
            filter.Append(TableClient.CreateQueryFilter($" and RowKey ge {Inverted(to).ToString("D19", CultureInfo.InvariantCulture)}"));
        }
        if (query.From is { } from)
        {
            filter.Append(TableClient.CreateQueryFilter($" and RowKey lt {(Inverted(from) + 1).ToString("D19", CultureInfo.InvariantCulture)}"));
        }
        if (after is not null)
        {
            filter.Append(TableClient.CreateQueryFilter($" and RowKey gt {after}"));
        }

        var items = new List<(string RowKey, TimelineItem Item)>(query.Limit + 1);
        // The planned-channels list cannot be matched server-side (no "contains" in Table queries): filter here.
        await foreach (var row in _timeline.QueryAsync<TableEntity>(filter.ToString(), maxPerPage: Math.Min(1000, query.Limit + 1), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var item = ToItem(row);
            if (item is null || (query.Channel is { } channel && !OnChannel(item, channel)))
            {
                continue;
            }
            items.Add((row.RowKey, item));
            if (items.Count > query.Limit)
            {
                break;
            }
        }
        var more = items.Count > query.Limit;
        if (more)
        {
            items.RemoveAt(items.Count - 1);
        }
        return new TimelinePage([.. items.Select(i => i.Item)], more ? EncodeContinuation(items[^1].RowKey) : null);
    }

    /// <summary>True when <paramref name="token"/> is a continuation this store could have issued.</summary>
    public static bool IsValidContinuation(string? token)
    {
        try
        {
            return token is not null && DecodeContinuation(token) is not null;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string EncodeContinuation(string rowKey) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("v1|" + rowKey)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string DecodeContinuation(string token)
    {
        const string invalid = "The continuation token is not one this API issued.";
        if (token.Length is 0 or > 256)
        {
            throw new ArgumentException(invalid, "continuation");
        }
        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            throw new ArgumentException(invalid, "continuation");
        }
        if (!text.StartsWith("v1|", StringComparison.Ordinal) || !RowKeyPattern().IsMatch(text[3..]))
        {
            throw new ArgumentException(invalid, "continuation");
        }
        return text[3..];
    }

    private static bool OnChannel(TimelineItem item, Channel channel) =>
        item.Channel == channel || item.LastChannel == channel || item.Channels.Contains(channel);

    private static TableEntity ToEntity(InboundTimelineEntry entry)
    {
        var id = entry.Id;
        var text = entry.Text is { Length: > MaxTextLength } full ? full[..(char.IsHighSurrogate(full[MaxTextLength - 1]) ? MaxTextLength - 1 : MaxTextLength)] : entry.Text;
        return new TableEntity(entry.ContactId, TableMessageStore.TimelineRowKey(entry.At, id))
        {
            [TableMessageStore.KindProperty] = TableMessageStore.InboundKind,
            [TableMessageStore.MessageIdProperty] = id,
            [TableMessageStore.AtProperty] = entry.At,
            [TableMessageStore.StatusProperty] = ReceivedStatus,
            [TableMessageStore.ChannelProperty] = entry.Channel.Name(),
            [TableMessageStore.ProviderProperty] = entry.Provider,
            [TableMessageStore.ProviderMessageIdProperty] = entry.ProviderMessageId,
            [EventIdProperty] = entry.EventId,
            [TextProperty] = text,
            [KeywordProperty] = entry.Keyword,
            [ResponseToProperty] = entry.ResponseToMessageId,
            [ResponseTimeMsProperty] = entry.ResponseTime is { } time ? (long)time.TotalMilliseconds : null,
            [TableMessageStore.UpdatedAtProperty] = entry.At,
        };
    }

    private static InboundTimelineEntry? ToInbound(TableEntity row)
    {
        if (row.GetString(TableMessageStore.KindProperty) != TableMessageStore.InboundKind
            || row.GetString(EventIdProperty) is not { } eventId
            || !Omni.Core.Contacts.Channels.TryParse(row.GetString(TableMessageStore.ChannelProperty), out var channel))
        {
            return null;
        }
        return new InboundTimelineEntry
        {
            ContactId = row.PartitionKey,
            EventId = eventId,
            Channel = channel,
            Provider = row.GetString(TableMessageStore.ProviderProperty) ?? "",
            ProviderMessageId = row.GetString(TableMessageStore.ProviderMessageIdProperty),
            Text = row.GetString(TextProperty),
            At = row.GetDateTimeOffset(TableMessageStore.AtProperty) ?? default,
            Keyword = row.GetString(KeywordProperty),
            ResponseToMessageId = row.GetString(ResponseToProperty),
            ResponseTime = row.GetInt64(ResponseTimeMsProperty) is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
        };
    }

    private static TimelineItem? ToItem(TableEntity row)
    {
        var at = row.GetDateTimeOffset(TableMessageStore.AtProperty);
        var id = row.GetString(TableMessageStore.MessageIdProperty);
        if (at is null || id is null)
        {
            return null;
        }
        Channel? channel = Omni.Core.Contacts.Channels.TryParse(row.GetString(TableMessageStore.ChannelProperty), out var c) ? c : null;
        switch (row.GetString(TableMessageStore.KindProperty))
        {
            case TableMessageStore.OutboundKind:
                return new TimelineItem
                {
                    Kind = TableMessageStore.OutboundKind,
                    At = at.Value,
                    Id = id,
                    Channel = channel,
                    Category = row.GetString(TableMessageStore.CategoryProperty),
                    Status = row.GetString(TableMessageStore.StatusProperty),
                    Channels = ParseChannels(row.GetString(TableMessageStore.ChannelsProperty)),
                    LastChannel = Omni.Core.Contacts.Channels.TryParse(row.GetString(TableMessageStore.LastChannelProperty), out var last) ? last : null,
                    Provider = row.GetString(TableMessageStore.ProviderProperty),
                };
            case TableMessageStore.InboundKind when ToInbound(row) is { } inbound:
                return new TimelineItem
                {
                    Kind = TableMessageStore.InboundKind,
                    At = at.Value,
                    Id = id,
                    Channel = inbound.Channel,
                    Status = row.GetString(TableMessageStore.StatusProperty),
                    Provider = inbound.Provider,
                    Text = inbound.Text,
                    EventId = inbound.EventId,
                    Keyword = inbound.Keyword,
                    ResponseToMessageId = inbound.ResponseToMessageId,
                    ResponseTime = inbound.ResponseTime,
                };
            default:
                return null; // a kind this version does not know
        }
    }

    private static List<Channel> ParseChannels(string? value)
    {
        var channels = new List<Channel>();
        foreach (var name in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Omni.Core.Contacts.Channels.TryParse(name, out var channel))
            {
                channels.Add(channel);
            }
        }
        return channels;
    }

    private static long Inverted(DateTimeOffset at) => DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks;

    private static void ValidateContactId(string? contactId)
    {
        ArgumentNullException.ThrowIfNull(contactId);
        if (!ContactIdPattern().IsMatch(contactId))
        {
            throw new ArgumentException("A contact id is 1-128 characters of A-Z a-z 0-9 . _ @ : + -, starting with a letter or digit.", nameof(contactId));
        }
    }
}
