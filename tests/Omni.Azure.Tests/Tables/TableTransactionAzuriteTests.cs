using Azure;
using Omni.Azure.Tables;

namespace Omni.Azure.Tests.Tables;

[Collection(AzuriteCollection.Name)]
public sealed class TableTransactionAzuriteTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task SubmitTransactionAsync_EveryActionType_AppliesAllAndReturnsOneResponseEach()
    {
        var table = await azurite.CreateTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "merge") { ["Kept"] = "k", ["V"] = 1 });
        await table.AddEntityAsync(new TableEntity("p", "replace") { ["Dropped"] = "d" });
        await table.AddEntityAsync(new TableEntity("p", "upsertMerge") { ["Kept"] = "k" });
        await table.AddEntityAsync(new TableEntity("p", "delete"));
        var mergeETag = (await table.GetEntityAsync<TableEntity>("p", "merge")).Value.ETag;

        var result = await table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("p", "add") { ["V"] = 1 }),
            new(TableTransactionActionType.UpdateMerge, new TableEntity("p", "merge") { ["V"] = 2 }, mergeETag),
            new(TableTransactionActionType.UpdateReplace, new TableEntity("p", "replace") { ["V"] = 3 }),
            new(TableTransactionActionType.UpsertMerge, new TableEntity("p", "upsertMerge") { ["V"] = 4 }),
            new(TableTransactionActionType.UpsertReplace, new TableEntity("p", "upsertReplace") { ["V"] = 5 }),
            new(TableTransactionActionType.Delete, new TableEntity("p", "delete")),
        ]);

        Assert.Equal(202, result.GetRawResponse().Status);
        Assert.Equal(6, result.Value.Count);
        Assert.All(result.Value, r => Assert.Equal(204, r.Status));
        Assert.NotNull(result.Value[0].Headers.ETag);
        var rows = (await table.QueryAsync<TableEntity>().ToListAsync()).ToDictionary(e => e.RowKey);
        Assert.Equal(1, rows["add"].GetInt32("V"));
        Assert.Equal(2, rows["merge"].GetInt32("V"));
        Assert.Equal("k", rows["merge"].GetString("Kept"));
        Assert.Equal(3, rows["replace"].GetInt32("V"));
        Assert.False(rows["replace"].ContainsKey("Dropped"));
        Assert.Equal("k", rows["upsertMerge"].GetString("Kept"));
        Assert.Equal(5, rows["upsertReplace"].GetInt32("V"));
        Assert.False(rows.ContainsKey("delete"));
    }

    [Fact]
    public async Task SubmitTransactionAsync_Exactly100Actions_Succeeds()
    {
        var table = await azurite.CreateTableAsync();

        var result = await table.SubmitTransactionAsync(Enumerable.Range(0, 100)
            .Select(i => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", i.ToString("D3")) { ["I"] = i })));

        Assert.Equal(100, result.Value.Count);
        Assert.Equal(100, (await table.QueryAsync<TableEntity>().ToListAsync()).Count);
    }

    [Fact]
    public async Task SubmitTransactionAsync_MiddleActionFails_ReportsItsIndexAndWritesNothing()
    {
        var table = await azurite.CreateTableAsync();

        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("p", "a")),
            new(TableTransactionActionType.Add, new TableEntity("p", "b")),
            new(TableTransactionActionType.UpdateMerge, new TableEntity("p", "missing") { ["V"] = 1 }),
            new(TableTransactionActionType.Add, new TableEntity("p", "d")),
        ]));

        Assert.Equal(2, error.FailedTransactionActionIndex);
        Assert.Equal(404, error.Status);
        Assert.Equal("ResourceNotFound", error.ErrorCode);
        Assert.StartsWith("2:", error.Message);
        Assert.DoesNotContain("succeeded", error.Message);
        Assert.Equal(404, error.GetRawResponse()!.Status);
        Assert.Empty(await table.QueryAsync<TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task SubmitTransactionAsync_AddOfExistingEntity_ReportsConflictIndexAndRollsBack()
    {
        var table = await azurite.CreateTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "existing") { ["V"] = "original" });

        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("p", "new0")),
            new(TableTransactionActionType.Add, new TableEntity("p", "new1")),
            new(TableTransactionActionType.UpsertMerge, new TableEntity("p", "new2")),
            new(TableTransactionActionType.Add, new TableEntity("p", "existing") { ["V"] = "changed" }),
        ]));

        Assert.Equal(3, error.FailedTransactionActionIndex);
        Assert.Equal(409, error.Status);
        Assert.Equal("EntityAlreadyExists", error.ErrorCode);
        var rows = await table.QueryAsync<TableEntity>().ToListAsync();
        Assert.Equal("existing", Assert.Single(rows).RowKey);
        Assert.Equal("original", rows[0].GetString("V"));
    }

    [Fact]
    public async Task SubmitTransactionAsync_StaleETag_ReportsPreconditionFailedIndex()
    {
        var table = await azurite.CreateTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "r") { ["V"] = 1 });
        var stale = (await table.GetEntityAsync<TableEntity>("p", "r")).Value.ETag;
        await Task.Delay(5);
        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["V"] = 2 });

        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("p", "other")),
            new(TableTransactionActionType.Delete, new TableEntity("p", "r"), stale),
        ]));

        Assert.Equal(1, error.FailedTransactionActionIndex);
        Assert.Equal(412, error.Status);
        Assert.Equal("UpdateConditionNotSatisfied", error.ErrorCode);
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>("p", "other")).HasValue);
    }

    [Fact]
    public async Task SubmitTransactionAsync_MoreThan100Actions_ThrowsBeforeSendingAndWritesNothing()
    {
        var table = await azurite.CreateTableAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitTransactionAsync(Enumerable.Range(0, 101)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", i.ToString())))));

        Assert.Empty(await table.QueryAsync<TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task SubmitTransactionAsync_MixedPartitions_ThrowsBeforeSendingEvenThoughAzuriteWouldAccept()
    {
        var table = await azurite.CreateTableAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("p1", "a")),
            new(TableTransactionActionType.Add, new TableEntity("p2", "b")),
        ]));

        Assert.Empty(await table.QueryAsync<TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task SubmitTransactionAsync_TypedEntitiesWithEscapedKeys_RoundTrip()
    {
        var table = await azurite.CreateTableAsync();
        const string pk = "tenant 'ü' 😀";
        var when = new DateTimeOffset(2024, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(89);

        await table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TypedEntity { PartitionKey = pk, RowKey = "a&b=c", Big = long.MaxValue, Whole = 1.0, WhenOffset = when, Channel = Channel.Sms }),
            new(TableTransactionActionType.UpsertReplace, new TableEntity(pk, "it's") { ["Bin"] = new byte[] { 7 } }),
        ]);

        var typed = (await table.GetEntityAsync<TypedEntity>(pk, "a&b=c")).Value;
        Assert.Equal(long.MaxValue, typed.Big);
        Assert.Equal(1.0, typed.Whole);
        Assert.Equal(when, typed.WhenOffset);
        Assert.Equal(new byte[] { 7 }, (await table.GetEntityAsync<TableEntity>(pk, "it's")).Value.GetBinary("Bin"));
    }
}
