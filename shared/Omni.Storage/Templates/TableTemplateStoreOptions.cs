namespace Omni.Storage.Templates;

/// <summary>Settings of <see cref="TableTemplateStore"/>.</summary>
public sealed class TableTemplateStoreOptions
{
    /// <summary>The table holding templates (PartitionKey = template id, RowKey "template").</summary>
    public string TableName { get; init; } = "templates";
}
