using Azure;
using Omni.Azure.Tables;

namespace Omni.Azure.Tests.Tables;

[Collection(AzuriteCollection.Name)]
public sealed class TableClientAzuriteTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task CreateIfNotExistsAsync_CalledTwice_SecondIsConflictOutcomeNotException()
    {
        var table = azurite.CreateServiceClient().GetTableClient(AzuriteFixture.UniqueTableName());

        var first = await table.CreateIfNotExistsAsync();
        var second = await table.CreateIfNotExistsAsync();

        Assert.Equal(204, first.GetRawResponse().Status);
        Assert.Equal(409, second.GetRawResponse().Status);
        Assert.Equal(table.Name, second.Value.Name);
    }

    [Fact]
    public async Task DeleteAsync_ExistingTable_RemovesItAndSecondDeleteIsNotFoundOutcome()
    {
        var table = await azurite.CreateTableAsync();

        var deleted = await table.DeleteAsync();
        var again = await table.DeleteAsync();

        Assert.Equal(204, deleted.Status);
        Assert.Equal(404, again.Status);
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => table.AddEntityAsync(new TableEntity("p", "r")));
        Assert.Equal(404, error.Status);
        Assert.Equal("TableNotFound", error.ErrorCode);
    }

    [Fact]
    public async Task AddEntityAsync_NewEntity_CanBeReadBackWithETagAndTimestamp()
    {
        var table = await azurite.CreateTableAsync();
        var contact = new Contact { PartitionKey = "tenant1", RowKey = "c1", Name = "Ada", Phone = "+441234", Messages = 3 };

        var added = await table.AddEntityAsync(contact);
        var read = await table.GetEntityAsync<Contact>("tenant1", "c1");

        Assert.Equal(204, added.Status);
        Assert.Equal("Ada", read.Value.Name);
        Assert.Equal("+441234", read.Value.Phone);
        Assert.Equal(3, read.Value.Messages);
        Assert.NotEqual(default, read.Value.ETag);
        Assert.Equal(added.Headers.ETag, read.Value.ETag);
        Assert.NotNull(read.Value.Timestamp);
    }

    [Fact]
    public async Task AddEntityAsync_EntityAlreadyExists_ThrowsConflictWithErrorCode()
    {
        var table = await azurite.CreateTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "r") { ["A"] = 1 });

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => table.AddEntityAsync(new TableEntity("p", "r") { ["A"] = 2 }));

        Assert.Equal(409, error.Status);
        Assert.Equal("EntityAlreadyExists", error.ErrorCode);
        Assert.Equal(1, (await table.GetEntityAsync<TableEntity>("p", "r")).Value.GetInt32("A"));
    }

    [Fact]
    public async Task GetEntityAsync_MissingEntity_ThrowsNotFound()
    {
        var table = await azurite.CreateTableAsync();

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => table.GetEntityAsync<TableEntity>("p", "missing"));

        Assert.Equal(404, error.Status);
        Assert.Equal("ResourceNotFound", error.ErrorCode);
    }

    [Fact]
    public async Task GetEntityIfExistsAsync_MissingEntity_HasNoValue()
    {
        var table = await azurite.CreateTableAsync();

        var result = await table.GetEntityIfExistsAsync<Contact>("p", "missing");

        Assert.False(result.HasValue);
        Assert.Equal(404, result.GetRawResponse().Status);
        Assert.Throws<InvalidOperationException>(() => result.Value);
    }

    [Fact]
    public async Task GetEntityIfExistsAsync_ExistingEntity_HasValue()
    {
        var table = await azurite.CreateTableAsync();
        await table.AddEntityAsync(new Contact { PartitionKey = "p", RowKey = "r", Name = "Grace" });

        var result = await table.GetEntityIfExistsAsync<Contact>("p", "r");

        Assert.True(result.HasValue);
        Assert.Equal("Grace", result.Value!.Name);
    }

    [Fact]
    public async Task GetEntityAsync_WithSelect_ReturnsOnlySelectedProperties()
    {
        var table = await azurite.CreateTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "r") { ["A"] = "a", ["B"] = "b", ["C"] = "c" });

        var read = await table.GetEntityAsync<TableEntity>("p", "r", select: ["A", "C"]);

        Assert.Equal("a", read.Value.GetString("A"));
        Assert.Equal("c", read.Value.GetString("C"));
        Assert.False(read.Value.ContainsKey("B"));
    }

    [Fact]
    public async Task UpsertEntityAsync_Merge_KeepsPropertiesNotSent()
    {
        var table = await azurite.CreateTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "r") { ["A"] = "old", ["B"] = "kept" });

        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["A"] = "new", ["C"] = "added" }, TableUpdateMode.Merge);

        var read = (await table.GetEntityAsync<TableEntity>("p", "r")).Value;
        Assert.Equal("new", read.GetString("A"));
        Assert.Equal("kept", read.GetString("B"));
        Assert.Equal("added", read.GetString("C"));
    }

    [Fact]
    public async Task UpsertEntityAsync_Replace_RemovesPropertiesNotSent()
    {
        var table = await azurite.CreateTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "r") { ["A"] = "old", ["B"] = "dropped" });

        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["A"] = "new" }, TableUpdateMode.Replace);

        var read = (await table.GetEntityAsync<TableEntity>("p", "r")).Value;
        Assert.Equal("new", read.GetString("A"));
        Assert.False(read.ContainsKey("B"));
    }

    [Theory]
    [InlineData(TableUpdateMode.Merge)]
    [InlineData(TableUpdateMode.Replace)]
    public async Task UpsertEntityAsync_MissingEntity_InsertsIt(TableUpdateMode mode)
    {
        var table = await azurite.CreateTableAsync();

        var response = await table.UpsertEntityAsync(new Contact { PartitionKey = "p", RowKey = "new", Name = "Linus" }, mode);

        Assert.Equal(204, response.Status);
        Assert.Equal("Linus", (await table.GetEntityAsync<Contact>("p", "new")).Value.Name);
    }

    [Theory]
    [InlineData(TableUpdateMode.Merge)]
    [InlineData(TableUpdateMode.Replace)]
    public async Task UpdateEntityAsync_CurrentETag_UpdatesAndChangesETag(TableUpdateMode mode)
    {
        var table = await azurite.CreateTableAsync();
        await table.AddEntityAsync(new Contact { PartitionKey = "p", RowKey = "r", Name = "v1" });
        var current = (await table.GetEntityAsync<Contact>("p", "r")).Value;
        await Task.Delay(5); // Azurite's ETag is a timestamp

        current.Name = "v2";
        var response = await table.UpdateEntityAsync(current, current.ETag, mode);

        var read = (await table.GetEntityAsync<Contact>("p", "r")).Value;
        Assert.Equal("v2", read.Name);
        Assert.NotEqual(current.ETag, read.ETag);
        Assert.Equal(response.Headers.ETag, read.ETag);
    }

    [Theory]
    [InlineData(TableUpdateMode.Merge)]
    [InlineData(TableUpdateMode.Replace)]
    public async Task UpdateEntityAsync_StaleETag_ThrowsPreconditionFailedAndKeepsNewerData(TableUpdateMode mode)
    {
        var table = await azurite.CreateTableAsync();
        await table.AddEntityAsync(new Contact { PartitionKey = "p", RowKey = "r", Name = "v1" });
        var stale = (await table.GetEntityAsync<Contact>("p", "r")).Value;
        await Task.Delay(5);
        await table.UpsertEntityAsync(new Contact { PartitionKey = "p", RowKey = "r", Name = "someone else" });

        stale.Name = "mine";
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => table.UpdateEntityAsync(stale, stale.ETag, mode));

        Assert.Equal(412, error.Status);
        Assert.Equal("UpdateConditionNotSatisfied", error.ErrorCode);
        Assert.Equal("someone else", (await table.GetEntityAsync<Contact>("p", "r")).Value.Name);
    }

    [Fact]
    public async Task UpdateEntityAsync_ETagAll_UpdatesUnconditionally()
    {
        var table = await azurite.CreateTableAsync();
        await table.AddEntityAsync(new Contact { PartitionKey = "p", RowKey = "r", Name = "v1" });

        await table.UpdateEntityAsync(new Contact { PartitionKey = "p", RowKey = "r", Name = "v2" }, ETag.All, TableUpdateMode.Replace);

        Assert.Equal("v2", (await table.GetEntityAsync<Contact>("p", "r")).Value.Name);
    }

    [Fact]
    public async Task UpdateEntityAsync_MissingEntity_ThrowsNotFound()
    {
        var table = await azurite.CreateTableAsync();

        var error = await Assert.ThrowsAsync<RequestFailedException>(
            () => table.UpdateEntityAsync(new Contact { PartitionKey = "p", RowKey = "none" }, ETag.All));

        Assert.Equal(404, error.Status);
    }

    [Fact]
    public async Task UpdateEntityAsync_DefaultETag_ThrowsArgumentException()
    {
        var table = await azurite.CreateTableAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => table.UpdateEntityAsync(new Contact { PartitionKey = "p", RowKey = "r" }, default));
    }

    [Fact]
    public async Task DeleteEntityAsync_StaleETag_ThrowsPreconditionFailedAndEntityRemains()
    {
        var table = await azurite.CreateTableAsync();
        await table.AddEntityAsync(new Contact { PartitionKey = "p", RowKey = "r", Name = "v1" });
        var stale = (await table.GetEntityAsync<Contact>("p", "r")).Value;
        await Task.Delay(5);
        await table.UpsertEntityAsync(new Contact { PartitionKey = "p", RowKey = "r", Name = "v2" });

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => table.DeleteEntityAsync("p", "r", stale.ETag));

        Assert.Equal(412, error.Status);
        Assert.Equal("UpdateConditionNotSatisfied", error.ErrorCode);
        Assert.True((await table.GetEntityIfExistsAsync<Contact>("p", "r")).HasValue);
    }

    [Fact]
    public async Task DeleteEntityAsync_CurrentETag_DeletesEntity()
    {
        var table = await azurite.CreateTableAsync();
        await table.AddEntityAsync(new Contact { PartitionKey = "p", RowKey = "r" });
        var current = (await table.GetEntityAsync<Contact>("p", "r")).Value;

        var response = await table.DeleteEntityAsync("p", "r", current.ETag);

        Assert.Equal(204, response.Status);
        Assert.False((await table.GetEntityIfExistsAsync<Contact>("p", "r")).HasValue);
    }

    [Fact]
    public async Task DeleteEntityAsync_MissingEntity_ReturnsNotFoundResponseWithoutThrowing()
    {
        var table = await azurite.CreateTableAsync();

        var response = await table.DeleteEntityAsync("p", "missing");

        Assert.Equal(404, response.Status);
    }

    [Fact]
    public async Task Entity_KeysWithQuotesUnicodeAndUrlCharacters_RoundTripThroughEveryOperation()
    {
        var table = await azurite.CreateTableAsync();
        const string pk = "O'Brien é 😀 ü";
        const string rk = "a b+c&d=e%f(g)h,i;j:k@l!m$n*o~p'q''";

        await table.AddEntityAsync(new Contact { PartitionKey = pk, RowKey = rk, Name = "v1" });
        var read = (await table.GetEntityAsync<Contact>(pk, rk)).Value;
        read.Name = "v2";
        await table.UpdateEntityAsync(read, read.ETag, TableUpdateMode.Replace);
        var updated = (await table.GetEntityAsync<Contact>(pk, rk)).Value;
        var queried = await table.QueryAsync<Contact>(TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey eq {rk}")).ToListAsync();
        var deleted = await table.DeleteEntityAsync(pk, rk, updated.ETag);

        Assert.Equal(pk, read.PartitionKey);
        Assert.Equal(rk, read.RowKey);
        Assert.Equal("v2", updated.Name);
        Assert.Equal("v2", Assert.Single(queried).Name);
        Assert.Equal(204, deleted.Status);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a\u0000b")]
    [InlineData("a\tb")]
    [InlineData("a\u001Fb")]
    [InlineData("a\u007Fb")]
    [InlineData("a\u0085b")]
    [InlineData("a\u009Fb")]
    public async Task AddEntityAsync_ForbiddenCharacterInRowKey_ThrowsArgumentExceptionAndWritesNothing(string rowKey)
    {
        var table = await azurite.CreateTableAsync();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => table.AddEntityAsync(new TableEntity("p", rowKey)));

        Assert.Contains("RowKey", error.Message);
        Assert.Empty(await table.QueryAsync<TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task AddEntityAsync_KeyAtLimit_IsAcceptedAndOneLongerIsRejected()
    {
        var table = await azurite.CreateTableAsync();
        var longest = new string('k', 512);

        await table.AddEntityAsync(new TableEntity("p", longest));
        var error = await Assert.ThrowsAsync<ArgumentException>(() => table.AddEntityAsync(new TableEntity(longest + "k", "r")));

        Assert.True((await table.GetEntityIfExistsAsync<TableEntity>("p", longest)).HasValue);
        Assert.Contains("512", error.Message);
    }

    [Fact]
    public async Task TableEntity_EveryEdmType_RoundTripsWithItsType()
    {
        var table = await azurite.CreateTableAsync();
        var when = new DateTimeOffset(2024, 2, 29, 23, 59, 58, TimeSpan.Zero).AddTicks(1234567);
        var id = Guid.Parse("c9da6455-213d-42c9-9a79-3e9149a57833");
        var entity = new TableEntity("p", "r")
        {
            ["Text"] = "héllo 😀 'single' \"double\" back\\slash\nnewline 日本",
            ["Empty"] = "",
            ["Count"] = int.MinValue,
            ["Big"] = long.MaxValue,
            ["BeyondDoublePrecision"] = (1L << 53) + 1,
            ["Negative64"] = -9007199254740993L,
            ["Ratio"] = 1.5,
            ["Whole"] = 1.0,
            ["Tiny"] = double.Epsilon,
            ["Huge"] = double.MaxValue,
            ["NotANumber"] = double.NaN,
            ["Infinite"] = double.PositiveInfinity,
            ["Flag"] = true,
            ["Off"] = false,
            ["When"] = when,
            ["WhenUtcDateTime"] = new DateTime(1601, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(1),
            ["Id"] = id,
            ["Bin"] = new byte[] { 0, 1, 2, 254, 255 },
            ["EmptyBin"] = Array.Empty<byte>(),
        };

        await table.AddEntityAsync(entity);
        var read = (await table.GetEntityAsync<TableEntity>("p", "r")).Value;

        Assert.Equal(entity["Text"], read["Text"]);
        Assert.Equal("", read["Empty"]);
        Assert.IsType<int>(read["Count"]);
        Assert.Equal(int.MinValue, read.GetInt32("Count"));
        Assert.IsType<long>(read["Big"]);
        Assert.Equal(long.MaxValue, read.GetInt64("Big"));
        Assert.Equal((1L << 53) + 1, read.GetInt64("BeyondDoublePrecision"));
        Assert.Equal(-9007199254740993L, read.GetInt64("Negative64"));
        Assert.Equal(1.5, read.GetDouble("Ratio"));
        Assert.IsType<double>(read["Whole"]);
        Assert.Equal(1.0, read.GetDouble("Whole"));
        Assert.Equal(double.Epsilon, read.GetDouble("Tiny"));
        Assert.Equal(double.MaxValue, read.GetDouble("Huge"));
        Assert.True(double.IsNaN(read.GetDouble("NotANumber")!.Value));
        Assert.Equal(double.PositiveInfinity, read.GetDouble("Infinite"));
        Assert.Equal(true, read.GetBoolean("Flag"));
        Assert.Equal(false, read.GetBoolean("Off"));
        Assert.Equal(when, read.GetDateTimeOffset("When"));
        Assert.Equal(when.UtcTicks, read.GetDateTimeOffset("When")!.Value.UtcTicks);
        Assert.Equal(new DateTime(1601, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(1), read.GetDateTime("WhenUtcDateTime"));
        Assert.Equal(id, read.GetGuid("Id"));
        Assert.Equal(new byte[] { 0, 1, 2, 254, 255 }, read.GetBinary("Bin"));
        Assert.Equal(Array.Empty<byte>(), read.GetBinary("EmptyBin"));
    }

    [Fact]
    public async Task TypedEntity_EveryMappedPropertyType_RoundTrips()
    {
        var table = await azurite.CreateTableAsync();
        var entity = new TypedEntity
        {
            PartitionKey = "p",
            RowKey = "r",
            Text = "It's \"quoted\" – ünïcödé 🚀",
            Count = 42,
            Big = long.MinValue,
            Ratio = -0.1,
            Whole = 3.0,
            Flag = true,
            When = new DateTime(2025, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9999999 - 1),
            WhenOffset = new DateTimeOffset(2024, 6, 1, 12, 0, 0, TimeSpan.FromHours(2)).AddTicks(1),
            Id = Guid.NewGuid(),
            Bin = [1, 2, 3],
            Channel = Channel.WhatsApp,
            MaybeCount = 7,
            MaybeBig = 9_007_199_254_740_993,
            MaybeRatio = 2.0,
            MaybeFlag = false,
            MaybeWhen = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            MaybeWhenOffset = null,
            MaybeId = null,
            MaybeChannel = Channel.Email,
            NotStored = "ignored",
        };

        await table.AddEntityAsync(entity);
        var read = (await table.GetEntityAsync<TypedEntity>("p", "r")).Value;
        var raw = (await table.GetEntityAsync<TableEntity>("p", "r")).Value;

        Assert.Equal(entity.Text, read.Text);
        Assert.Equal(42, read.Count);
        Assert.Equal(long.MinValue, read.Big);
        Assert.Equal(-0.1, read.Ratio);
        Assert.Equal(3.0, read.Whole);
        Assert.True(read.Flag);
        Assert.Equal(entity.When, read.When);
        Assert.Equal(DateTimeKind.Utc, read.When.Kind);
        Assert.Equal(entity.WhenOffset, read.WhenOffset);
        Assert.Equal(TimeSpan.Zero, read.WhenOffset.Offset);
        Assert.Equal(entity.Id, read.Id);
        Assert.Equal(entity.Bin, read.Bin);
        Assert.Equal(Channel.WhatsApp, read.Channel);
        Assert.Equal(7, read.MaybeCount);
        Assert.Equal(9_007_199_254_740_993, read.MaybeBig);
        Assert.Equal(2.0, read.MaybeRatio);
        Assert.False(read.MaybeFlag);
        Assert.Equal(entity.MaybeWhen, read.MaybeWhen);
        Assert.Null(read.MaybeWhenOffset);
        Assert.Null(read.MaybeId);
        Assert.Equal(Channel.Email, read.MaybeChannel);
        Assert.Null(read.NotStored);
        // How it is stored: enums as their names, doubles as doubles, unset nullables absent, ignored members absent.
        Assert.Equal("WhatsApp", raw.GetString("Channel"));
        Assert.IsType<double>(raw["Whole"]);
        Assert.IsType<long>(raw["Big"]);
        Assert.False(raw.ContainsKey("MaybeId"));
        Assert.False(raw.ContainsKey("NotStored"));
        Assert.False(raw.ContainsKey("Computed"));
    }

    [Fact]
    public async Task QueryAsync_SmallMaxPerPage_FollowsContinuationAcrossEveryPage()
    {
        var table = await azurite.CreateTableAsync();
        await InsertAsync(table, "p1", 13);
        await InsertAsync(table, "p2", 12);

        var pages = new List<Page<TableEntity>>();
        await foreach (var page in table.QueryAsync<TableEntity>(maxPerPage: 4).AsPages())
        {
            pages.Add(page);
        }

        var all = pages.SelectMany(p => p.Values).Select(e => e.PartitionKey + "/" + e.RowKey).ToList();
        Assert.Equal(25, all.Count);
        Assert.Equal(25, all.Distinct().Count());
        Assert.All(pages, p => Assert.True(p.Values.Count <= 4));
        Assert.True(pages.Count >= 7, $"expected at least 7 pages, got {pages.Count}");
        Assert.All(pages.Take(pages.Count - 1), p => Assert.NotNull(p.ContinuationToken));
        Assert.Null(pages[^1].ContinuationToken);
    }

    [Fact]
    public async Task QueryAsync_MoreThanServerPageLimit_FollowsServerContinuation()
    {
        var table = await azurite.CreateTableAsync();
        await InsertAsync(table, "bulk", 2_500);

        var pageSizes = new List<int>();
        await foreach (var page in table.QueryAsync<TableEntity>(filter: "PartitionKey eq 'bulk'").AsPages())
        {
            pageSizes.Add(page.Values.Count);
        }

        Assert.Equal(2_500, pageSizes.Sum());
        Assert.True(pageSizes.Count >= 3, $"expected the service to split 2,500 rows into pages, got {pageSizes.Count}");
        Assert.All(pageSizes, size => Assert.True(size <= 1_000));
    }

    [Fact]
    public async Task QueryAsync_ContinuationTokenFromAPage_ResumesAfterIt()
    {
        var table = await azurite.CreateTableAsync();
        await InsertAsync(table, "p", 10);

        var first = await table.QueryAsync<TableEntity>(maxPerPage: 3).AsPages().FirstAsync();
        var rest = new List<TableEntity>();
        await foreach (var page in table.QueryAsync<TableEntity>(maxPerPage: 3).AsPages(first.ContinuationToken))
        {
            rest.AddRange(page.Values);
        }

        Assert.Equal(3, first.Values.Count);
        Assert.Equal(7, rest.Count);
        Assert.Empty(first.Values.Select(e => e.RowKey).Intersect(rest.Select(e => e.RowKey)));
    }

    [Fact]
    public async Task QueryAsync_Select_ReturnsOnlySelectedPropertiesWithETag()
    {
        var table = await azurite.CreateTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "r") { ["A"] = 1, ["B"] = 2L, ["C"] = "c" });

        var row = Assert.Single(await table.QueryAsync<TableEntity>(select: ["B", "C"]).ToListAsync());

        Assert.Equal(2L, row.GetInt64("B"));
        Assert.Equal("c", row.GetString("C"));
        Assert.False(row.ContainsKey("A"));
        Assert.NotEqual(default, row.ETag);
    }

    [Fact]
    public async Task QueryAsync_FilterWithCreateQueryFilter_MatchesTypedValues()
    {
        var table = await azurite.CreateTableAsync();
        var id = Guid.NewGuid();
        var when = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        const long big = (1L << 53) + 1;
        await table.AddEntityAsync(new TableEntity("p", "match") { ["Big"] = big, ["Id"] = id, ["When"] = when, ["Whole"] = 2.0, ["Flag"] = true, ["Name"] = "O'Brien" });
        await table.AddEntityAsync(new TableEntity("p", "other") { ["Big"] = big - 1, ["Id"] = Guid.NewGuid(), ["When"] = when.AddDays(-1), ["Whole"] = 3.0, ["Flag"] = false, ["Name"] = "OBrien" });

        async Task<string> Single(FormattableString filter) =>
            Assert.Single(await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter(filter)).ToListAsync()).RowKey;

        Assert.Equal("match", await Single($"Big eq {big}"));
        Assert.Equal("match", await Single($"Id eq {id}"));
        Assert.Equal("match", await Single($"When ge {when}"));
        Assert.Equal("match", await Single($"Whole eq {2.0}"));
        Assert.Equal("match", await Single($"Flag eq {true}"));
        Assert.Equal("match", await Single($"Name eq {"O'Brien"}"));
    }

    [Fact]
    public async Task QueryAsync_FilterInjectionAttempt_StaysInsideTheLiteralAndReturnsNoRows()
    {
        var table = await azurite.CreateTableAsync();
        await table.AddEntityAsync(new TableEntity("secret", "s1") { ["Owner"] = "mallory-cannot-see" });
        await table.AddEntityAsync(new TableEntity("public", "p1"));
        const string attack = "nobody' or PartitionKey eq 'secret";

        var unsafeFilter = $"PartitionKey eq '{attack}'"; // what naive concatenation would send
        var leaked = await table.QueryAsync<TableEntity>(unsafeFilter).ToListAsync();
        var safe = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {attack}")).ToListAsync();

        Assert.Contains(leaked, e => e.PartitionKey == "secret"); // proves the attack string is a real attack
        Assert.Empty(safe);
    }

    private static async Task InsertAsync(TableClient table, string partitionKey, int count)
    {
        var actions = Enumerable.Range(0, count)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partitionKey, i.ToString("D5")) { ["N"] = i }))
            .Chunk(100);
        foreach (var chunk in actions)
        {
            await table.SubmitTransactionAsync(chunk);
        }
    }
}

internal static class AsyncEnumerableTestExtensions
{
    public static async Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source)
        {
            list.Add(item);
        }
        return list;
    }

    public static async Task<T> FirstAsync<T>(this IAsyncEnumerable<T> source)
    {
        await foreach (var item in source)
        {
            return item;
        }
        throw new InvalidOperationException("The sequence is empty.");
    }
}
