using Omni.Azure.Tables;
using Omni.Core.Contacts;
using Omni.Core.Stats;
using Omni.Storage.Stats;

namespace Omni.Storage.Tests.Stats;

[Collection(AzuriteCollection.Name)]
public sealed class TableStatsStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 22, 0, 0, TimeSpan.Zero);

    private (TableStatsStore Store, TableClient Table) NewStore()
    {
        var name = AzuriteFixture.UniqueTableName("stats");
        var service = azurite.CreateServiceClient();
        return (new TableStatsStore(service, new TableStatsStoreOptions { TableName = name }), service.GetTableClient(name));
    }

    private static StatEvent Sent(string key, DateTimeOffset at, decimal cost = 0.0075m) => new()
    {
        Key = key, At = at, Kind = StatKind.Sent, Channel = Channel.Sms, Provider = "acs", Attempt = key[..key.LastIndexOf(':')],
        Cost = cost, Currency = "USD", Segments = 2,
    };

    private static async Task<List<TableEntity>> RowsAsync(TableClient table)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }
        return rows;
    }

    [Fact]
    public async Task RecordingTheSameKeyAgain_RewritesOneRow()
    {
        var (store, table) = NewStore();
        var e = Sent("msg_a:0:sent", T0.AddMinutes(5));

        await store.WriteAsync(e, CancellationToken.None);
        await store.WriteAsync(e, CancellationToken.None);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => store.WriteAsync(e, CancellationToken.None)));

        var row = Assert.Single(await RowsAsync(table));
        Assert.Equal(TableStatsStore.PartitionKey(e), row.PartitionKey);
        Assert.Equal("msg_a:0:sent", row.RowKey);
        var read = Assert.Single(await store.ReadAsync(T0, T0.AddHours(1), CancellationToken.None));
        Assert.Equal(e, read); // every field round-trips, the cost exactly
    }

    [Fact]
    public async Task EventsOfOneHour_SpreadOverTheSixteenShards()
    {
        var (store, table) = NewStore();
        var events = Enumerable.Range(0, 200).Select(i => Sent($"msg_{i:D3}:0:sent", T0.AddSeconds(i))).ToList();

        foreach (var chunk in events.Chunk(20))
        {
            await Task.WhenAll(chunk.Select(e => store.WriteAsync(e, CancellationToken.None)));
        }

        var rows = await RowsAsync(table);
        Assert.Equal(200, rows.Count);
        var partitions = rows.GroupBy(r => r.PartitionKey).ToList();
        Assert.Equal(TableStatsStore.Shards, partitions.Count);
        Assert.All(partitions, p => Assert.Matches(@"^2026112322\|(0[0-9]|1[0-5])$", p.Key));
        Assert.All(partitions, p => Assert.InRange(p.Count(), 2, 30)); // no partition takes the hour
        Assert.All(rows, r => Assert.Equal(TableStatsStore.Shard(r.RowKey), int.Parse(r.PartitionKey[^2..], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task ReadAsync_ReturnsExactlyThePeriod_AcrossHoursAndDays()
    {
        var (store, _) = NewStore();
        DateTimeOffset[] times =
        [
            T0.AddMinutes(-1),            // 21:59 — before
            T0,                           // 22:00 — first instant, included
            T0.AddMinutes(90),            // 23:30
            T0.AddHours(2).AddMinutes(1), // 00:01 next day
            T0.AddDays(2),                // two days later, 22:00
            T0.AddDays(2).AddMinutes(30), // 22:30 — at `to`, excluded
        ];
        for (var i = 0; i < times.Length; i++)
        {
            await store.WriteAsync(Sent($"m{i}:0:sent", times[i]), CancellationToken.None);
        }

        var read = await store.ReadAsync(T0, T0.AddDays(2).AddMinutes(30), CancellationToken.None);

        Assert.Equal(["m1:0:sent", "m2:0:sent", "m3:0:sent", "m4:0:sent"], read.Select(e => e.Key).Order());
        Assert.Empty(await store.ReadAsync(T0.AddDays(5), T0.AddDays(6), CancellationToken.None));
    }

    [Fact]
    public async Task KeysWithCharactersTablesForbid_AreStoredUnderTheirHash_AndReadBackVerbatim()
    {
        var (store, table) = NewStore();
        var e = new StatEvent { Key = "meta:wamid/abc#1?x:reply", At = T0, Kind = StatKind.Reply, Channel = Channel.WhatsApp, Provider = "meta", ResponseMs = 4200 };

        await store.WriteAsync(e, CancellationToken.None);

        var row = Assert.Single(await RowsAsync(table));
        Assert.StartsWith("h|", row.RowKey, StringComparison.Ordinal);
        Assert.Equal(e, Assert.Single(await store.ReadAsync(T0, T0.AddMinutes(1), CancellationToken.None)));
    }

    [Fact]
    public async Task ReadAsync_OnAFreshStore_CreatesTheTable_AndFindsNothing()
    {
        var (store, _) = NewStore();

        Assert.Empty(await store.ReadAsync(T0, T0.AddDays(93), CancellationToken.None));
    }
}
