using Omni.Azure.Tables;
using Omni.Core.Inbound;
using Omni.Storage.Messages;

namespace Omni.Storage.Inbound;

/// <summary>
/// <see cref="IInboundEventLog"/> on the <c>inboundevents</c> table: PartitionKey = lower-case hex SHA-256 of the event id
/// (ids may hold characters keys cannot), RowKey empty, <c>EventId</c> and <c>ProcessedAt</c>. See docs/storage.md.
/// </summary>
public sealed class TableInboundEventLog : IInboundEventLog
{
    /// <summary>Default table name.</summary>
    public const string DefaultTableName = "inboundevents";

    internal const string EventIdProperty = "EventId";
    internal const string ProcessedAtProperty = "ProcessedAt";

    private readonly TableClient _table;
    private readonly TablesOnce _ensure;

    public TableInboundEventLog(TableServiceClient tables, string tableName = DefaultTableName)
    {
        ArgumentNullException.ThrowIfNull(tables);
        _ensure = new TablesOnce(tables, tableName);
        _table = tables.GetTableClient(tableName);
    }

    public async Task<DateTimeOffset?> ProcessedAtAsync(string eventId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        await _ensure.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var found = await _table.GetEntityIfExistsAsync<TableEntity>(StorageKeys.Sha256Hex(eventId), "", cancellationToken: cancellationToken).ConfigureAwait(false);
        // The stored id guards against the (theoretical) hash collision.
        return found.HasValue && found.Value!.GetString(EventIdProperty) == eventId
            ? found.Value.GetDateTimeOffset(ProcessedAtProperty) ?? DateTimeOffset.MinValue
            : null;
    }

    public async Task MarkProcessedAsync(string eventId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        await _ensure.EnsureAsync(cancellationToken).ConfigureAwait(false);
        await _table.UpsertEntityAsync(new TableEntity(StorageKeys.Sha256Hex(eventId), "")
        {
            [EventIdProperty] = eventId,
            [ProcessedAtProperty] = at,
        }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }
}
