using Omni.Azure.Tables;
using Omni.DevHost.Storage;
using Xunit;

namespace Omni.Testing;

/// <summary>One in-memory Azurite per test collection; each test uses its own uniquely named tables.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private Azurite? _azurite;

    public Azurite Azurite => _azurite ?? throw new InvalidOperationException("Azurite has not started.");

    public string ConnectionString => Azurite.ConnectionString;

    public async Task InitializeAsync() => _azurite = await Azurite.StartInMemoryAsync();

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    public TableServiceClient CreateServiceClient(TableClientOptions? options = null) => new(ConnectionString, options);

    public static string UniqueTableName(string prefix = "t") => prefix + Guid.NewGuid().ToString("N")[..16];

    /// <summary>A new, created table.</summary>
    public async Task<TableClient> CreateTableAsync(TableClientOptions? options = null)
    {
        var table = CreateServiceClient(options).GetTableClient(UniqueTableName());
        await table.CreateIfNotExistsAsync();
        return table;
    }
}

