using Azure;
using Omni.Azure.Tables;

namespace Omni.Azure.Tests.Tables;

[Collection(AzuriteCollection.Name)]
public sealed class TableServiceClientAzuriteTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task CreateTableIfNotExistsAsync_CalledTwice_CreatesOnceAndReportsConflictAsOutcome()
    {
        var service = azurite.CreateServiceClient();
        var name = AzuriteFixture.UniqueTableName();

        var first = await service.CreateTableIfNotExistsAsync(name);
        var second = await service.CreateTableIfNotExistsAsync(name);

        Assert.Equal(204, first.GetRawResponse().Status);
        Assert.Equal(409, second.GetRawResponse().Status);
        Assert.Equal(name, second.Value.Name);
        Assert.Single(await service.QueryAsync(TableServiceClient.CreateQueryFilter($"TableName eq {name}")).ToListAsync());
    }

    [Fact]
    public async Task DeleteTableAsync_ExistingThenMissing_DeletesThenReportsNotFound()
    {
        var service = azurite.CreateServiceClient();
        var name = AzuriteFixture.UniqueTableName();
        await service.CreateTableIfNotExistsAsync(name);

        var deleted = await service.DeleteTableAsync(name);
        var missing = await service.DeleteTableAsync(name);

        Assert.Equal(204, deleted.Status);
        Assert.Equal(404, missing.Status);
        Assert.Empty(await service.QueryAsync(TableServiceClient.CreateQueryFilter($"TableName eq {name}")).ToListAsync());
    }

    [Fact]
    public async Task QueryAsync_SmallMaxPerPage_FollowsNextTableNameAcrossPages()
    {
        var service = azurite.CreateServiceClient();
        var prefix = "q" + Guid.NewGuid().ToString("N")[..10];
        var names = Enumerable.Range(0, 5).Select(i => $"{prefix}{i}").ToList();
        foreach (var name in names)
        {
            await service.CreateTableIfNotExistsAsync(name);
        }

        var pages = new List<Page<TableItem>>();
        var filter = TableServiceClient.CreateQueryFilter($"TableName ge {prefix} and TableName lt {prefix + "z"}");
        await foreach (var page in service.QueryAsync(filter, maxPerPage: 2).AsPages())
        {
            pages.Add(page);
        }

        Assert.Equal(names, pages.SelectMany(p => p.Values).Select(t => t.Name).Order());
        Assert.True(pages.Count >= 3, $"expected at least 3 pages, got {pages.Count}");
        Assert.All(pages, p => Assert.True(p.Values.Count <= 2));
    }

    [Fact]
    public async Task GetTableClient_SharesPipeline_AndWorksAgainstTheSameAccount()
    {
        var service = azurite.CreateServiceClient();
        var table = service.GetTableClient(AzuriteFixture.UniqueTableName());

        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new TableEntity("p", "r"));

        Assert.Equal("devstoreaccount1", table.AccountName);
        Assert.Single(await table.QueryAsync<TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task SharedKey_WrongAccountKey_ThrowsAuthorizationFailure()
    {
        var wrongKey = Convert.ToBase64String(new byte[64]);
        var service = new TableServiceClient(azurite.Azurite.TableEndpoint, new TableSharedKeyCredential("devstoreaccount1", wrongKey));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => service.CreateTableIfNotExistsAsync(AzuriteFixture.UniqueTableName()));

        Assert.Equal(403, error.Status);
        Assert.Equal("AuthorizationFailure", error.ErrorCode);
    }

    [Fact]
    public async Task SharedKey_EndpointAndCredentialConstructor_Authenticates()
    {
        var service = new TableServiceClient(azurite.Azurite.TableEndpoint, new TableSharedKeyCredential("devstoreaccount1", Omni.DevHost.Storage.Azurite.AccountKey));

        var created = await service.CreateTableIfNotExistsAsync(AzuriteFixture.UniqueTableName());

        Assert.Equal(204, created.GetRawResponse().Status);
    }
}
