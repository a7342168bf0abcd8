namespace Omni.Azure.Tables;

/// <summary>A table in the account, as listed by <see cref="TableServiceClient.QueryAsync(string?, int?, System.Threading.CancellationToken)"/>.</summary>
public class TableItem
{
    /// <summary>Creates an item for the named table.</summary>
    public TableItem(string name) => Name = name;

    /// <summary>The table name.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public override string ToString() => Name;
}
