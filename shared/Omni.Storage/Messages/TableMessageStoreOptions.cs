namespace Omni.Storage.Messages;

/// <summary>Table names of <see cref="TableMessageStore"/> (the defaults are the tables in <c>infra/tables.json</c>).</summary>
public sealed class TableMessageStoreOptions
{
    /// <summary>Message records (PartitionKey = message id, RowKey <c>message</c>).</summary>
    public string MessagesTableName { get; init; } = TableMessageStore.MessagesTable;

    /// <summary>Per-contact timeline, newest first (PartitionKey = contact id).</summary>
    public string TimelineTableName { get; init; } = TableMessageStore.TimelineTable;

    /// <summary>Provider message id → (message id, step) (PartitionKey = <c>{provider}|{sha256}</c>).</summary>
    public string ProviderIdsTableName { get; init; } = TableMessageStore.ProviderIdsTable;
}

/// <summary>Table name of <see cref="TableIdempotencyStore"/>.</summary>
public sealed class TableIdempotencyStoreOptions
{
    /// <summary>Idempotency entries (PartitionKey = <c>{scope}|{sha256(key)}</c>, RowKey empty).</summary>
    public string TableName { get; init; } = TableIdempotencyStore.IdempotencyTable;
}
