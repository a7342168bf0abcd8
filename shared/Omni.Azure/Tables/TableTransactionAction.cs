using Azure;

namespace Omni.Azure.Tables;

/// <summary>The kind of operation a <see cref="TableTransactionAction"/> performs.</summary>
public enum TableTransactionActionType
{
    /// <summary>Insert; fails if the entity exists.</summary>
    Add,

    /// <summary>Merge into an existing entity (conditional on the action's ETag, <c>*</c> by default).</summary>
    UpdateMerge,

    /// <summary>Replace an existing entity (conditional on the action's ETag, <c>*</c> by default).</summary>
    UpdateReplace,

    /// <summary>Delete an existing entity (conditional on the action's ETag, <c>*</c> by default).</summary>
    Delete,

    /// <summary>Insert or merge.</summary>
    UpsertMerge,

    /// <summary>Insert or replace.</summary>
    UpsertReplace,
}

/// <summary>One operation of an entity group transaction (<see cref="TableClient.SubmitTransactionAsync"/>).</summary>
public class TableTransactionAction
{
    /// <summary>Creates an action; update and delete actions are unconditional (<c>If-Match: *</c>).</summary>
    public TableTransactionAction(TableTransactionActionType actionType, ITableEntity entity)
        : this(actionType, entity, default)
    {
    }

    /// <summary>Creates an action; <paramref name="etag"/> is the <c>If-Match</c> condition of update and delete actions.</summary>
    public TableTransactionAction(TableTransactionActionType actionType, ITableEntity entity, ETag etag)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (!Enum.IsDefined(actionType))
        {
            throw new ArgumentOutOfRangeException(nameof(actionType), actionType, "Unknown transaction action type.");
        }
        ActionType = actionType;
        Entity = entity;
        ETag = etag;
    }

    /// <summary>The operation.</summary>
    public TableTransactionActionType ActionType { get; }

    /// <summary>The entity the operation writes (or, for <see cref="TableTransactionActionType.Delete"/>, whose keys it deletes).</summary>
    public ITableEntity Entity { get; }

    /// <summary>The <c>If-Match</c> condition for update and delete actions; <c>default</c> means unconditional.</summary>
    public ETag ETag { get; }
}
