namespace Omni.Azure.Tables;

/// <summary>How an update or upsert combines the sent entity with the stored one.</summary>
public enum TableUpdateMode
{
    /// <summary>Keep stored properties the sent entity does not mention (HTTP MERGE).</summary>
    Merge,

    /// <summary>Replace the stored entity entirely: properties not sent are removed (HTTP PUT).</summary>
    Replace,
}
