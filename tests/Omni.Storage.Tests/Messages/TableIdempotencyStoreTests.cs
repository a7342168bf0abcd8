using Omni.Azure.Tables;
using Omni.Core.Messages;
using Omni.Storage.Messages;

namespace Omni.Storage.Tests.Messages;

[Collection(AzuriteCollection.Name)]
public sealed class TableIdempotencyStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 9, 30, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly TableIdempotencyStoreOptions _options = new() { TableName = AzuriteFixture.UniqueTableName("idempotency") };

    private TableIdempotencyStore CreateStore() => new(azurite.CreateServiceClient(), _options);

    private TableClient Table => azurite.CreateServiceClient().GetTableClient(_options.TableName);

    private static string NewKey() => "key-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task ClaimAsync_NewKey_CreatesEntryKeyedByHash()
    {
        var store = CreateStore();
        var key = NewKey() + "/#?";

        var entry = await store.ClaimAsync("messages", key, "hash-1", "msg_1", T0, None);

        Assert.Equal(new IdempotencyEntry(true, "hash-1", "msg_1", T0), entry);
        var rows = await Table.QueryAsync<TableEntity>().ToListAsync();
        var row = Assert.Single(rows);
        Assert.Equal(TableIdempotencyStore.PartitionKeyFor("messages", key), row.PartitionKey);
        Assert.StartsWith("messages|", row.PartitionKey, StringComparison.Ordinal);
        Assert.DoesNotContain(key, row.PartitionKey, StringComparison.Ordinal);
        Assert.Equal("", row.RowKey);
        Assert.Equal("hash-1", row.GetString("RequestHash"));
        Assert.Equal("msg_1", row.GetString("Result"));
        Assert.Equal(T0, row.GetDateTimeOffset("CreatedAt"));
    }

    [Fact]
    public async Task ClaimAsync_SameKeyAgain_ReturnsTheFirstEntryNotCreated()
    {
        var store = CreateStore();
        var key = NewKey();
        await store.ClaimAsync("messages", key, "hash-1", "msg_1", T0, None);

        var again = await store.ClaimAsync("messages", key, "hash-2", "msg_2", T0.AddHours(47), None);

        Assert.Equal(new IdempotencyEntry(false, "hash-1", "msg_1", T0), again);
    }

    [Fact]
    public async Task ClaimAsync_SameKeyOtherScope_IsIndependent()
    {
        var store = CreateStore();
        var key = NewKey();
        await store.ClaimAsync("app-a", key, "hash-1", "msg_1", T0, None);

        var other = await store.ClaimAsync("app-b", key, "hash-2", "msg_2", T0, None);

        Assert.True(other.Created);
        Assert.Equal("msg_2", other.Result);
    }

    [Fact]
    public async Task ClaimAsync_ExactlyAtRetention_IsStillLive()
    {
        var store = CreateStore();
        var key = NewKey();
        await store.ClaimAsync("messages", key, "hash-1", "msg_1", T0, None);

        var atLimit = await store.ClaimAsync("messages", key, "hash-2", "msg_2", T0 + IdempotencyEntry.Retention, None);

        Assert.False(atLimit.Created);
        Assert.Equal("msg_1", atLimit.Result);
    }

    [Fact]
    public async Task ClaimAsync_ExpiredEntry_IsReplaced()
    {
        var store = CreateStore();
        var key = NewKey();
        await store.ClaimAsync("messages", key, "hash-1", "msg_1", T0, None);
        var later = T0 + IdempotencyEntry.Retention + TimeSpan.FromTicks(1);

        var replaced = await store.ClaimAsync("messages", key, "hash-2", "msg_2", later, None);
        var afterwards = await store.ClaimAsync("messages", key, "hash-3", "msg_3", later.AddMinutes(1), None);

        Assert.Equal(new IdempotencyEntry(true, "hash-2", "msg_2", later), replaced);
        Assert.Equal(new IdempotencyEntry(false, "hash-2", "msg_2", later), afterwards);
    }

    [Fact]
    public async Task ClaimAsync_ConcurrentClaimsOfANewKey_ExactlyOneWins()
    {
        var store = CreateStore();
        var key = NewKey();

        var entries = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            Task.Run(() => CreateStore().ClaimAsync("messages", key, "hash-" + i, "msg_" + i, T0, None))));

        var winner = Assert.Single(entries, e => e.Created);
        Assert.All(entries, e => Assert.Equal((winner.RequestHash, winner.Result), (e.RequestHash, e.Result)));
        Assert.Equal(winner.Result, (await store.ClaimAsync("messages", key, "x", "y", T0, None)).Result);
    }

    [Fact]
    public async Task ClaimAsync_ConcurrentClaimsOfAnExpiredKey_ExactlyOneWins()
    {
        var key = NewKey();
        await CreateStore().ClaimAsync("messages", key, "old", "msg_old", T0, None);
        var later = T0 + IdempotencyEntry.Retention + TimeSpan.FromMinutes(1);

        var entries = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            Task.Run(() => CreateStore().ClaimAsync("messages", key, "hash-" + i, "msg_" + i, later, None))));

        var winner = Assert.Single(entries, e => e.Created);
        Assert.NotEqual("msg_old", winner.Result);
        Assert.All(entries, e => Assert.Equal(winner.Result, e.Result));
    }

    [Theory]
    [InlineData("", "k")]
    [InlineData("a/b", "k")]
    [InlineData("a|b", "k")]
    [InlineData("messages", "")]
    public async Task ClaimAsync_InvalidScopeOrKey_Throws(string scope, string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => CreateStore().ClaimAsync(scope, key, "h", "r", T0, None));
    }

    [Fact]
    public async Task ClaimAsync_ResultTooLong_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(() =>
            CreateStore().ClaimAsync("messages", NewKey(), "h", new string('r', TableIdempotencyStore.MaxResultLength + 1), T0, None));
    }
}
