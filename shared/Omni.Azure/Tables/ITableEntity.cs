using Azure;

namespace Omni.Azure.Tables;

/// <summary>The properties every table entity has. A typed entity class implements <see cref="IMappedTableEntity"/> to map its own properties.</summary>
public interface ITableEntity
{
    /// <summary>The partition key: entities with the same partition key can be queried and transacted together.</summary>
    string PartitionKey { get; set; }

    /// <summary>The row key: unique within a partition.</summary>
    string RowKey { get; set; }

    /// <summary>When the service last modified the entity (set by the service; ignored on writes).</summary>
    DateTimeOffset? Timestamp { get; set; }

    /// <summary>The entity's version, for optimistic concurrency (<c>If-Match</c>).</summary>
    ETag ETag { get; set; }
}
