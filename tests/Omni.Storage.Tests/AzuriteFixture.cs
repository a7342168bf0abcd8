using Omni.Azure.Tables;
using Omni.DevHost.Storage;

namespace Omni.Storage.Tests;

/// <summary>One in-memory Azurite for the whole test run; each test uses its own uniquely named tables.</summary>
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

    public TableServiceClient CreateServiceClient() => new(ConnectionString);

    public static string UniqueTableName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..16];
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
