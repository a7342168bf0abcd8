using Azure;
using Microsoft.Extensions.Time.Testing;
using Omni.Azure.Tables;
using Omni.Core.Consent;
using Omni.Core.Contacts;
using Omni.Storage.Contacts;

namespace Omni.Storage.Tests.Contacts;

[Collection(AzuriteCollection.Name)]
public sealed class TableContactStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 9, 30, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly FakeTimeProvider _time = new(T0);
    private readonly TableContactStoreOptions _options = new()
    {
        ContactsTableName = AzuriteFixture.UniqueTableName("contacts"),
        AddressIndexTableName = AzuriteFixture.UniqueTableName("addressindex"),
    };

    private TableContactStore CreateStore() => new(azurite.CreateServiceClient(), _time, _options);

    private TableClient ContactsTable => azurite.CreateServiceClient().GetTableClient(_options.ContactsTableName);

    private TableClient IndexTable => azurite.CreateServiceClient().GetTableClient(_options.AddressIndexTableName);

    private static Contact NewContact(string id, string? email = null, string? phone = null)
    {
        var addresses = new Dictionary<Channel, ContactAddress>();
        if (email is not null)
        {
            addresses[Channel.Email] = new ContactAddress(email);
        }
        if (phone is not null)
        {
            addresses[Channel.Sms] = new ContactAddress(phone);
        }
        return new Contact { Id = id, DisplayName = "Ada", Addresses = addresses };
    }

    private static ConsentEvent Consent(DateTimeOffset at, ConsentState state = ConsentState.OptedIn) => new()
    {
        Channel = Channel.Sms,
        Category = "marketing",
        State = state,
        Source = ConsentSource.Form,
        ByContact = true,
        Evidence = "form v1",
        Actor = "app-1",
        At = at,
    };

    private async Task<TableEntity?> IndexEntryAsync(Channel channel, string address)
    {
        var entry = await IndexTable.GetEntityIfExistsAsync<TableEntity>(TableContactStore.AddressIndexKey(channel, address), "");
        return entry.HasValue ? entry.Value : null;
    }

    private async Task<int> RowCountAsync(TableClient table) => (await table.QueryAsync<TableEntity>().ToListAsync()).Count;

    // ------------------------------------------------------------------ create / get / replace

    [Fact]
    public async Task PutAsync_NewContact_CreatesAndGetReturnsIt()
    {
        var store = CreateStore();

        var result = await store.PutAsync(NewContact("c-1", "ada@example.com"), null, null, None);
        var got = await store.GetAsync("c-1", None);

        Assert.Equal(StoreOutcome.Created, result.Outcome);
        Assert.NotNull(result.Stored);
        Assert.False(string.IsNullOrEmpty(result.Stored.ETag));
        Assert.NotNull(got);
        Assert.Equal(result.Stored.ETag, got.ETag);
        Assert.Equal("Ada", got.Contact.DisplayName);
        Assert.Equal(T0, got.Contact.CreatedAt);
        Assert.Equal(T0, got.Contact.UpdatedAt);
        Assert.Equal("c-1", (await IndexEntryAsync(Channel.Email, "ada@example.com"))?.GetString("ContactId"));
    }

    [Fact]
    public async Task GetAsync_MissingContact_ReturnsNull()
    {
        Assert.Null(await CreateStore().GetAsync("nobody", None));
    }

    [Fact]
    public async Task PutAsync_Replace_KeepsCreatedAtAndChangesETag()
    {
        var store = CreateStore();
        var created = await store.PutAsync(NewContact("c-1"), null, null, None);
        _time.Advance(TimeSpan.FromHours(1));

        var replaced = await store.PutAsync(NewContact("c-1") with { DisplayName = "Ada L.", CreatedAt = T0.AddYears(-5) }, created.Stored!.ETag, null, None);
        var got = await store.GetAsync("c-1", None);

        Assert.Equal(StoreOutcome.Replaced, replaced.Outcome);
        Assert.NotEqual(created.Stored.ETag, replaced.Stored!.ETag);
        Assert.Equal(T0, replaced.Stored.Contact.CreatedAt);
        Assert.Equal(T0.AddHours(1), replaced.Stored.Contact.UpdatedAt);
        Assert.Equal("Ada L.", got!.Contact.DisplayName);
        Assert.Equal(T0, got.Contact.CreatedAt);
        Assert.Equal(T0.AddHours(1), got.Contact.UpdatedAt);
        Assert.Equal(replaced.Stored.ETag, got.ETag);
    }

    [Fact]
    public async Task PutAsync_IfNoneMatchStarOnExisting_PreconditionFailed()
    {
        var store = CreateStore();
        var created = await store.PutAsync(NewContact("c-1"), null, "*", None);

        var again = await store.PutAsync(NewContact("c-1") with { DisplayName = "Other" }, null, "*", None);

        Assert.Equal(StoreOutcome.Created, created.Outcome);
        Assert.Equal(StoreOutcome.PreconditionFailed, again.Outcome);
        Assert.Equal("Ada", (await store.GetAsync("c-1", None))!.Contact.DisplayName);
    }

    [Fact]
    public async Task PutAsync_StaleETag_PreconditionFailedAndNothingChanged()
    {
        var store = CreateStore();
        var v1 = await store.PutAsync(NewContact("c-1", "ada@example.com"), null, null, None);
        var v2 = await store.PutAsync(NewContact("c-1", "ada@example.com") with { DisplayName = "v2" }, v1.Stored!.ETag, null, None);

        var stale = await store.PutAsync(NewContact("c-1", "new@example.com") with { DisplayName = "v3" }, v1.Stored.ETag, null, None);
        var got = await store.GetAsync("c-1", None);

        Assert.Equal(StoreOutcome.Replaced, v2.Outcome);
        Assert.Equal(StoreOutcome.PreconditionFailed, stale.Outcome);
        Assert.Equal("v2", got!.Contact.DisplayName);
        Assert.Equal(v2.Stored!.ETag, got.ETag);
        Assert.Null(await IndexEntryAsync(Channel.Email, "new@example.com"));
        Assert.NotNull(await IndexEntryAsync(Channel.Email, "ada@example.com"));
    }

    [Fact]
    public async Task PutAsync_QuotedOrUnquotedETag_BothMatch()
    {
        var store = CreateStore();
        var v1 = await store.PutAsync(NewContact("c-1"), null, null, None);
        var etag = v1.Stored!.ETag;
        var unquoted = etag.Replace("W/", "", StringComparison.Ordinal).Trim('"');

        var v2 = await store.PutAsync(NewContact("c-1"), unquoted, null, None);
        var v3 = await store.PutAsync(NewContact("c-1"), "\"" + v2.Stored!.ETag.Replace("W/", "", StringComparison.Ordinal).Trim('"') + "\"", null, None);

        Assert.NotEqual(etag, unquoted);
        Assert.Equal(StoreOutcome.Replaced, v2.Outcome);
        Assert.Equal(StoreOutcome.Replaced, v3.Outcome);
    }

    [Fact]
    public async Task PutAsync_IfMatchStarOnMissing_PreconditionFailedAndNotCreated()
    {
        var store = CreateStore();

        var result = await store.PutAsync(NewContact("c-1", "ada@example.com"), "*", null, None);

        Assert.Equal(StoreOutcome.PreconditionFailed, result.Outcome);
        Assert.Null(await store.GetAsync("c-1", None));
        Assert.Null(await IndexEntryAsync(Channel.Email, "ada@example.com"));
    }

    [Fact]
    public async Task PutAsync_IfMatchStarOnExisting_Replaces()
    {
        var store = CreateStore();
        await store.PutAsync(NewContact("c-1"), null, null, None);

        var result = await store.PutAsync(NewContact("c-1") with { DisplayName = "x" }, "*", null, None);

        Assert.Equal(StoreOutcome.Replaced, result.Outcome);
        Assert.Equal("x", (await store.GetAsync("c-1", None))!.Contact.DisplayName);
    }

    [Fact]
    public async Task PutAsync_ConcurrentWritersWithSameETag_ExactlyOneWins()
    {
        var store = CreateStore();
        var v1 = await store.PutAsync(NewContact("c-1"), null, null, None);

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            Task.Run(() => CreateStore().PutAsync(NewContact("c-1", $"w{i}@example.com") with { DisplayName = $"writer {i}" }, v1.Stored!.ETag, null, None))));

        var winners = results.Where(r => r.Outcome == StoreOutcome.Replaced).ToList();
        Assert.Single(winners);
        Assert.All(results.Except(winners), r => Assert.Equal(StoreOutcome.PreconditionFailed, r.Outcome));
        var got = await store.GetAsync("c-1", None);
        Assert.Equal(winners[0].Stored!.Contact.DisplayName, got!.Contact.DisplayName);
        Assert.Equal(winners[0].Stored!.ETag, got.ETag);
        // The losers' address claims were released: only the winner's address is indexed.
        var indexed = await IndexTable.QueryAsync<TableEntity>().ToListAsync();
        var entry = Assert.Single(indexed);
        Assert.Equal(TableContactStore.AddressIndexKey(Channel.Email, got.Contact.Addresses[Channel.Email].Value), entry.PartitionKey);
    }

    [Fact]
    public async Task PutAsync_ConcurrentCreatesWithIfNoneMatch_ExactlyOneWins()
    {
        await CreateStore().EnsureTablesAsync(None);

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
            Task.Run(() => CreateStore().PutAsync(NewContact("c-1") with { DisplayName = $"writer {i}" }, null, "*", None))));

        Assert.Single(results, r => r.Outcome == StoreOutcome.Created);
        Assert.Equal(4, results.Count(r => r.Outcome == StoreOutcome.PreconditionFailed));
    }

    // ------------------------------------------------------------------ address index

    [Fact]
    public async Task PutAsync_AddressOfAnotherContact_AddressTakenAndNothingWritten()
    {
        var store = CreateStore();
        await store.PutAsync(NewContact("owner", "ada@example.com"), null, null, None);

        var result = await store.PutAsync(NewContact("thief", "free@example.com", "+447700900123") with
        {
            Addresses = new Dictionary<Channel, ContactAddress>
            {
                [Channel.Sms] = new("+447700900123"),
                [Channel.Email] = new("ada@example.com"),
            },
        }, null, null, None);

        Assert.Equal(StoreOutcome.AddressTaken, result.Outcome);
        Assert.Equal("email", result.Detail);
        Assert.Null(await store.GetAsync("thief", None));
        Assert.Null(await IndexEntryAsync(Channel.Sms, "+447700900123"));
        Assert.Equal("owner", (await IndexEntryAsync(Channel.Email, "ada@example.com"))!.GetString("ContactId"));
        Assert.Equal(1, await RowCountAsync(IndexTable));
        Assert.Equal("owner", (await store.FindByAddressAsync(Channel.Email, "ada@example.com", None))!.Contact.Id);
    }

    [Fact]
    public async Task PutAsync_StaleIndexEntry_TakesItOver()
    {
        var store = CreateStore();
        await store.EnsureTablesAsync(None);
        // Left behind by a crashed write of "ghost", which never got a profile, long ago.
        await IndexTable.AddEntityAsync(new TableEntity(TableContactStore.AddressIndexKey(Channel.Email, "ada@example.com"), "")
        {
            ["ContactId"] = "ghost",
            ["ClaimedAt"] = T0.AddHours(-1),
        });

        var result = await store.PutAsync(NewContact("c-1", "ada@example.com"), null, null, None);

        Assert.Equal(StoreOutcome.Created, result.Outcome);
        Assert.Equal("c-1", (await IndexEntryAsync(Channel.Email, "ada@example.com"))!.GetString("ContactId"));
        Assert.Equal("c-1", (await store.FindByAddressAsync(Channel.Email, "ada@example.com", None))!.Contact.Id);
    }

    [Fact]
    public async Task PutAsync_FreshClaimOfContactWithoutProfile_AddressTakenUntilLeaseExpires()
    {
        var store = CreateStore();
        await store.EnsureTablesAsync(None);
        // Another writer claimed the address a moment ago and has not written its profile yet.
        await IndexTable.AddEntityAsync(new TableEntity(TableContactStore.AddressIndexKey(Channel.Email, "ada@example.com"), "")
        {
            ["ContactId"] = "in-flight",
            ["ClaimedAt"] = T0,
        });

        var during = await store.PutAsync(NewContact("c-1", "ada@example.com"), null, null, None);
        _time.Advance(_options.AddressClaimLease);
        var after = await store.PutAsync(NewContact("c-1", "ada@example.com"), null, null, None);

        Assert.Equal(StoreOutcome.AddressTaken, during.Outcome);
        Assert.Equal(StoreOutcome.Created, after.Outcome);
        Assert.Equal("c-1", (await IndexEntryAsync(Channel.Email, "ada@example.com"))!.GetString("ContactId"));
    }

    [Fact]
    public async Task PutAsync_StaleEntryOfContactThatChangedAddress_TakesItOver()
    {
        var store = CreateStore();
        await store.PutAsync(NewContact("old", "other@example.com"), null, null, None);
        await IndexTable.AddEntityAsync(new TableEntity(TableContactStore.AddressIndexKey(Channel.Email, "ada@example.com"), "")
        {
            ["ContactId"] = "old",
            ["ClaimedAt"] = T0.AddDays(-1),
        });

        var result = await store.PutAsync(NewContact("new", "ada@example.com"), null, null, None);

        Assert.Equal(StoreOutcome.Created, result.Outcome);
        Assert.Equal("new", (await IndexEntryAsync(Channel.Email, "ada@example.com"))!.GetString("ContactId"));
    }

    [Fact]
    public async Task PutAsync_AddressChange_ReleasesOldEntrySoAnotherContactCanTakeIt()
    {
        var store = CreateStore();
        var v1 = await store.PutAsync(NewContact("c-1", "old@example.com"), null, null, None);

        var v2 = await store.PutAsync(NewContact("c-1", "new@example.com"), v1.Stored!.ETag, null, None);
        var other = await store.PutAsync(NewContact("c-2", "old@example.com"), null, null, None);

        Assert.Equal(StoreOutcome.Replaced, v2.Outcome);
        Assert.Equal(StoreOutcome.Created, other.Outcome);
        Assert.Equal("c-2", (await IndexEntryAsync(Channel.Email, "old@example.com"))!.GetString("ContactId"));
        Assert.Equal("c-1", (await IndexEntryAsync(Channel.Email, "new@example.com"))!.GetString("ContactId"));
    }

    [Fact]
    public async Task PutAsync_AddressRemoved_DeletesItsIndexEntry()
    {
        var store = CreateStore();
        await store.PutAsync(NewContact("c-1", "ada@example.com", "+447700900123"), null, null, None);

        await store.PutAsync(NewContact("c-1", "ada@example.com"), null, null, None);

        Assert.Null(await IndexEntryAsync(Channel.Sms, "+447700900123"));
        Assert.Equal(1, await RowCountAsync(IndexTable));
    }

    [Fact]
    public async Task FindByAddressAsync_EmailInAnotherCase_FindsTheContactAndKeepsTheStoredCase()
    {
        var store = CreateStore();
        await store.PutAsync(NewContact("c-1", "Ada.Lovelace@example.com"), null, null, None);

        var found = await store.FindByAddressAsync(Channel.Email, "ada.lovelace@example.com", None);

        Assert.Equal("c-1", found!.Contact.Id);
        Assert.Equal("Ada.Lovelace@example.com", found.Contact.Addresses[Channel.Email].Value);
    }

    [Fact]
    public async Task PutAsync_SameEmailInAnotherCaseOnAnotherContact_AddressTaken()
    {
        var store = CreateStore();
        await store.PutAsync(NewContact("c-1", "Ada@example.com"), null, null, None);

        var result = await store.PutAsync(NewContact("c-2", "ada@example.com"), null, null, None);

        Assert.Equal(StoreOutcome.AddressTaken, result.Outcome);
        Assert.Equal("email", result.Detail);
    }

    [Fact]
    public async Task FindByAddressAsync_AfterAddressChange_OldAddressNoLongerFinds()
    {
        var store = CreateStore();
        await store.PutAsync(NewContact("c-1", "old@example.com"), null, null, None);
        var entryBefore = await IndexEntryAsync(Channel.Email, "old@example.com");

        await store.PutAsync(NewContact("c-1", "new@example.com"), null, null, None);
        // Even if the old entry had survived (cleanup is best effort), the read verifies the profile.
        await IndexTable.UpsertEntityAsync(new TableEntity(entryBefore!.PartitionKey, "") { ["ContactId"] = "c-1" });

        Assert.Null(await store.FindByAddressAsync(Channel.Email, "old@example.com", None));
        Assert.Equal("c-1", (await store.FindByAddressAsync(Channel.Email, "new@example.com", None))!.Contact.Id);
        Assert.Null(await store.FindByAddressAsync(Channel.Sms, "new@example.com", None));
        Assert.Null(await store.FindByAddressAsync(Channel.Email, "unknown@example.com", None));
    }

    [Fact]
    public async Task FindByAddressAsync_KnownAddress_ReturnsContactWithCurrentETag()
    {
        var store = CreateStore();
        var created = await store.PutAsync(NewContact("c-1", "ada@example.com", "+447700900123"), null, null, None);

        var bySms = await store.FindByAddressAsync(Channel.Sms, "+447700900123", None);

        Assert.Equal("c-1", bySms!.Contact.Id);
        Assert.Equal(created.Stored!.ETag, bySms.ETag);
    }

    [Fact]
    public async Task PutAsync_AddressWithKeyForbiddenCharacters_IsIndexedByHash()
    {
        var store = CreateStore();
        const string address = "we/ird#na?me\\x@example.com";

        var result = await store.PutAsync(NewContact("c-1", address), null, null, None);

        Assert.Equal(StoreOutcome.Created, result.Outcome);
        Assert.Equal("c-1", (await store.FindByAddressAsync(Channel.Email, address, None))!.Contact.Id);
        Assert.Matches("^email\\|[0-9a-f]{64}$", TableContactStore.AddressIndexKey(Channel.Email, address));
    }

    // ------------------------------------------------------------------ consent

    [Fact]
    public async Task AppendConsentAsync_SeveralEvents_HistoryOldestFirstWithOrderedIds()
    {
        var store = CreateStore();
        await store.PutAsync(NewContact("c-1"), null, null, None);

        // Appended out of time order on purpose: history is ordered by At, not by arrival.
        var later = await store.AppendConsentAsync("c-1", Consent(T0.AddMinutes(5), ConsentState.OptedOut), None);
        var earlier = await store.AppendConsentAsync("c-1", Consent(T0.AddMinutes(1)), None);
        var sameTime = await store.AppendConsentAsync("c-1", Consent(T0.AddMinutes(5)), None);
        var history = await store.GetConsentHistoryAsync("c-1", None);

        Assert.True(later.ContactFound);
        Assert.Matches("^[0-9]{19}\\|[0-9a-f]{32}$", later.Appended!.Id);
        Assert.StartsWith(T0.AddMinutes(5).UtcTicks.ToString("D19"), later.Appended.Id, StringComparison.Ordinal);
        Assert.NotNull(history);
        Assert.Equal(3, history.Count);
        Assert.Equal(earlier.Appended!.Id, history[0].Id);
        Assert.Equal(history.Select(e => e.Id).Order(StringComparer.Ordinal), history.Select(e => e.Id));
        Assert.Equal(new[] { later.Appended.Id, sameTime.Appended!.Id }.Order(StringComparer.Ordinal), history.Skip(1).Select(e => e.Id));
        Assert.Equal(later.Appended, history.Single(e => e.Id == later.Appended.Id));
    }

    [Fact]
    public async Task AppendConsentAsync_EveryField_RoundTrips()
    {
        var store = CreateStore();
        await store.PutAsync(NewContact("c-1"), null, null, None);
        var consent = new ConsentEvent
        {
            Channel = null,
            Category = null,
            State = ConsentState.OptedOut,
            Source = ConsentSource.Keyword,
            ByContact = true,
            Evidence = "STOP — received 09:30 «ünïcödé»",
            Actor = "contact",
            At = new DateTimeOffset(2025, 3, 1, 10, 30, 0, 123, TimeSpan.FromHours(1)),
        };

        var appended = await store.AppendConsentAsync("c-1", consent, None);
        var stored = Assert.Single((await store.GetConsentHistoryAsync("c-1", None))!);

        Assert.Equal(consent with { Id = appended.Appended!.Id }, stored);
        Assert.Equal(consent.At.Offset, stored.At.Offset);
    }

    [Fact]
    public async Task AppendConsentAsync_MissingContact_NotFoundAndNothingWritten()
    {
        var store = CreateStore();

        var result = await store.AppendConsentAsync("nobody", Consent(T0), None);

        Assert.False(result.ContactFound);
        Assert.Null(result.Appended);
        Assert.Equal(0, await RowCountAsync(ContactsTable));
    }

    [Fact]
    public async Task GetConsentHistoryAsync_MissingContact_ReturnsNull()
    {
        Assert.Null(await CreateStore().GetConsentHistoryAsync("nobody", None));
    }

    [Fact]
    public async Task GetConsentHistoryAsync_ContactWithoutConsent_ReturnsEmpty()
    {
        var store = CreateStore();
        await store.PutAsync(NewContact("c-1"), null, null, None);

        var history = await store.GetConsentHistoryAsync("c-1", None);

        Assert.NotNull(history);
        Assert.Empty(history);
    }

    // ------------------------------------------------------------------ delete

    [Fact]
    public async Task DeleteAsync_ContactWithManyConsentRows_ErasesProfileConsentAndIndex()
    {
        var store = CreateStore();
        var created = await store.PutAsync(NewContact("c-1", "ada@example.com", "+447700900123"), null, null, None);
        await store.PutAsync(NewContact("c-2", "bob@example.com"), null, null, None);
        await store.AppendConsentAsync("c-2", Consent(T0), None);
        for (var i = 0; i < 205; i++)
        {
            await store.AppendConsentAsync("c-1", Consent(T0.AddSeconds(i)), None);
        }
        Assert.Equal(205, (await store.GetConsentHistoryAsync("c-1", None))!.Count);

        var result = await store.DeleteAsync("c-1", created.Stored!.ETag, None);

        Assert.Equal(StoreOutcome.Deleted, result.Outcome);
        Assert.Null(await store.GetAsync("c-1", None));
        Assert.Null(await store.GetConsentHistoryAsync("c-1", None));
        Assert.Null(await store.FindByAddressAsync(Channel.Email, "ada@example.com", None));
        Assert.Empty(await ContactsTable.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"c-1"}")).ToListAsync());
        Assert.Null(await IndexEntryAsync(Channel.Email, "ada@example.com"));
        Assert.Null(await IndexEntryAsync(Channel.Sms, "+447700900123"));
        // The other contact is untouched.
        Assert.Single((await store.GetConsentHistoryAsync("c-2", None))!);
        Assert.Equal("c-2", (await store.FindByAddressAsync(Channel.Email, "bob@example.com", None))!.Contact.Id);
    }

    [Fact]
    public async Task DeleteAsync_StaleETag_PreconditionFailedAndNothingErased()
    {
        var store = CreateStore();
        var v1 = await store.PutAsync(NewContact("c-1", "ada@example.com"), null, null, None);
        await store.PutAsync(NewContact("c-1", "ada@example.com") with { DisplayName = "v2" }, null, null, None);
        await store.AppendConsentAsync("c-1", Consent(T0), None);

        var result = await store.DeleteAsync("c-1", v1.Stored!.ETag, None);

        Assert.Equal(StoreOutcome.PreconditionFailed, result.Outcome);
        Assert.Equal("v2", (await store.GetAsync("c-1", None))!.Contact.DisplayName);
        Assert.Single((await store.GetConsentHistoryAsync("c-1", None))!);
        Assert.NotNull(await store.FindByAddressAsync(Channel.Email, "ada@example.com", None));
    }

    [Fact]
    public async Task DeleteAsync_MissingContact_NotFound()
    {
        Assert.Equal(StoreOutcome.NotFound, (await CreateStore().DeleteAsync("nobody", null, None)).Outcome);
        Assert.Equal(StoreOutcome.NotFound, (await CreateStore().DeleteAsync("nobody", "*", None)).Outcome);
    }

    [Fact]
    public async Task DeleteAsync_ThenRecreateSameId_StartsWithEmptyHistory()
    {
        var store = CreateStore();
        await store.PutAsync(NewContact("c-1", "ada@example.com"), null, null, None);
        await store.AppendConsentAsync("c-1", Consent(T0), None);
        await store.DeleteAsync("c-1", null, None);
        _time.Advance(TimeSpan.FromDays(1));

        var recreated = await store.PutAsync(NewContact("c-1", "ada@example.com"), null, "*", None);

        Assert.Equal(StoreOutcome.Created, recreated.Outcome);
        Assert.Equal(T0.AddDays(1), recreated.Stored!.Contact.CreatedAt);
        Assert.Empty((await store.GetConsentHistoryAsync("c-1", None))!);
    }

    [Fact]
    public async Task DeleteAsync_InterruptedErasure_ContactReadsAsGoneAndRetryFinishesIt()
    {
        var store = CreateStore();
        await store.PutAsync(NewContact("c-1", "ada@example.com"), null, null, None);
        await store.AppendConsentAsync("c-1", Consent(T0), None);
        // Simulate a crash right after the commit point: the profile is marked, nothing else is deleted yet.
        await ContactsTable.UpdateEntityAsync(new TableEntity("c-1", TableContactStore.ProfileRowKey) { ["Erasing"] = true }, ETag.All, TableUpdateMode.Merge);

        var getDuring = await store.GetAsync("c-1", None);
        var historyDuring = await store.GetConsentHistoryAsync("c-1", None);
        var findDuring = await store.FindByAddressAsync(Channel.Email, "ada@example.com", None);
        var appendDuring = await store.AppendConsentAsync("c-1", Consent(T0), None);
        var retry = await store.DeleteAsync("c-1", null, None);

        Assert.Null(getDuring);
        Assert.Null(historyDuring);
        Assert.Null(findDuring);
        Assert.False(appendDuring.ContactFound);
        Assert.Equal(StoreOutcome.Deleted, retry.Outcome);
        Assert.Equal(0, await RowCountAsync(ContactsTable));
        Assert.Equal(0, await RowCountAsync(IndexTable));
    }

    [Fact]
    public async Task PutAsync_OverInterruptedErasure_FinishesErasureBeforeCreating()
    {
        var store = CreateStore();
        await store.PutAsync(NewContact("c-1", "ada@example.com"), null, null, None);
        await store.AppendConsentAsync("c-1", Consent(T0), None);
        await ContactsTable.UpdateEntityAsync(new TableEntity("c-1", TableContactStore.ProfileRowKey) { ["Erasing"] = true }, ETag.All, TableUpdateMode.Merge);

        var result = await store.PutAsync(NewContact("c-1", "new@example.com"), null, "*", None);

        Assert.Equal(StoreOutcome.Created, result.Outcome);
        Assert.Empty((await store.GetConsentHistoryAsync("c-1", None))!);
        Assert.Null(await IndexEntryAsync(Channel.Email, "ada@example.com"));
        Assert.Equal("c-1", (await store.FindByAddressAsync(Channel.Email, "new@example.com", None))!.Contact.Id);
    }

    // ------------------------------------------------------------------ serialisation and validation

    [Fact]
    public async Task PutAsync_EveryContactField_RoundTrips()
    {
        var store = CreateStore();
        var contact = new Contact
        {
            Id = "ada.lovelace+1@tenant:42",
            DisplayName = "Ada Lövelace 日本語 👩‍💻",
            Locale = "en-GB",
            TimeZone = "Europe/London",
            QuietHours = new QuietHours(new TimeOnly(21, 30), new TimeOnly(7, 45)),
            PreferredChannels = [Channel.WhatsApp, Channel.Email, Channel.Sms],
            Tags = ["vip", "beta", "ünïcödé"],
            Addresses = new Dictionary<Channel, ContactAddress>
            {
                [Channel.Sms] = new("+447700900123", new AddressSuppression("carrier opt-out", new DateTimeOffset(2025, 2, 1, 8, 0, 0, TimeSpan.FromHours(2)))),
                [Channel.Email] = new("ada@example.com"),
                [Channel.WhatsApp] = new("447700900123"),
                [Channel.InApp] = new("user-42"),
                [Channel.Webhook] = new("https://hooks.example.com/ada"),
                [Channel.Push] = new("device-token-abc"),
            },
        };

        var created = await store.PutAsync(contact, null, null, None);
        var got = (await store.GetAsync(contact.Id, None))!.Contact;

        Assert.Equal(StoreOutcome.Created, created.Outcome);
        Assert.Equal(contact.Id, got.Id);
        Assert.Equal(contact.DisplayName, got.DisplayName);
        Assert.Equal(contact.Locale, got.Locale);
        Assert.Equal(contact.TimeZone, got.TimeZone);
        Assert.Equal(contact.QuietHours, got.QuietHours);
        Assert.Equal(contact.PreferredChannels, got.PreferredChannels);
        Assert.Equal(contact.Tags, got.Tags);
        Assert.Equal(contact.Addresses.OrderBy(a => a.Key), got.Addresses.OrderBy(a => a.Key));
        Assert.True(got.Addresses[Channel.Sms].IsSuppressed);
        Assert.Equal(TimeSpan.FromHours(2), got.Addresses[Channel.Sms].Suppression!.At.Offset);
        Assert.Equal(T0, got.CreatedAt);
        Assert.Equal(T0, got.UpdatedAt);
        foreach (var (channel, address) in contact.Addresses)
        {
            Assert.Equal(contact.Id, (await store.FindByAddressAsync(channel, address.Value, None))!.Contact.Id);
        }
        var data = (await ContactsTable.GetEntityAsync<TableEntity>(contact.Id, TableContactStore.ProfileRowKey)).Value;
        Assert.Equal(1, data.GetInt32("SchemaVersion"));
        Assert.Contains("\"quietHours\":{\"start\":\"21:30\",\"end\":\"07:45\"}", data.GetString("Data"), StringComparison.Ordinal);
        Assert.Contains("\"preferredChannels\":[\"whatsapp\",\"email\",\"sms\"]", data.GetString("Data"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-leading-dash")]
    [InlineData("has space")]
    [InlineData("has/slash")]
    [InlineData("has#hash")]
    public async Task PutAsync_InvalidId_ThrowsArgumentException(string id)
    {
        var store = CreateStore();

        await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(NewContact("x") with { Id = id }, null, null, None));
        await Assert.ThrowsAsync<ArgumentException>(() => store.GetAsync(id, None));
    }

    [Fact]
    public async Task PutAsync_IdLongerThan128_ThrowsArgumentException()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => CreateStore().DeleteAsync(new string('a', 129), null, None));
    }

    [Fact]
    public async Task PutAsync_ProfileOver64KiB_ThrowsArgumentExceptionAndWritesNothing()
    {
        var store = CreateStore();
        var huge = NewContact("c-1", "ada@example.com") with { DisplayName = new string('x', 33_000) };

        await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(huge, null, null, None));

        Assert.Null(await store.GetAsync("c-1", None));
        Assert.Null(await IndexEntryAsync(Channel.Email, "ada@example.com"));
    }

    [Fact]
    public async Task EnsureTablesAsync_CalledConcurrently_CreatesBothTables()
    {
        var store = CreateStore();

        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => store.EnsureTablesAsync(None)));

        var names = await azurite.CreateServiceClient().QueryAsync().Select(t => t.Name).ToListAsync();
        Assert.Contains(_options.ContactsTableName, names);
        Assert.Contains(_options.AddressIndexTableName, names);
    }

    // ------------------------------------------------------------------ contact with consent (one query)

    [Fact]
    public async Task GetWithConsentAsync_ReturnsTheProfileAndTheHistoryOldestFirst_LikeTheTwoSeparateReads()
    {
        var store = CreateStore();
        await store.PutAsync(NewContact("c-1", "ada@example.com", "+14155550100"), null, null, None);
        await store.AppendConsentAsync("c-1", Consent(T0.AddMinutes(5), ConsentState.OptedOut), None);
        await store.AppendConsentAsync("c-1", Consent(T0.AddMinutes(1)), None);
        await store.PutAsync(NewContact("c-2"), null, null, None);
        await store.AppendConsentAsync("c-2", Consent(T0), None);

        var both = await store.GetWithConsentAsync("c-1", None);

        Assert.NotNull(both);
        var separate = await store.GetAsync("c-1", None);
        Assert.Equal(separate!.ETag, both.Stored.ETag);
        Assert.Equal("ada@example.com", both.Stored.Contact.Addresses[Channel.Email].Value);
        Assert.Equal([ConsentState.OptedIn, ConsentState.OptedOut], both.Consent.Select(c => c.State));
        Assert.Equal((await store.GetConsentHistoryAsync("c-1", None))!.Select(c => c.Id), both.Consent.Select(c => c.Id));
        var other = await store.GetWithConsentAsync("c-2", None);
        Assert.Single(other!.Consent);
    }

    [Fact]
    public async Task GetWithConsentAsync_ContactWithoutConsent_HasAnEmptyHistory()
    {
        var store = CreateStore();
        await store.PutAsync(NewContact("c-1"), null, null, None);

        var both = await store.GetWithConsentAsync("c-1", None);

        Assert.Equal("c-1", both!.Stored.Contact.Id);
        Assert.Empty(both.Consent);
    }

    [Fact]
    public async Task GetWithConsentAsync_MissingOrBeingErased_ReturnsNull()
    {
        var store = CreateStore();
        Assert.Null(await store.GetWithConsentAsync("nobody", None));

        await store.PutAsync(NewContact("c-1"), null, null, None);
        await store.AppendConsentAsync("c-1", Consent(T0), None);
        await ContactsTable.UpdateEntityAsync(new TableEntity("c-1", TableContactStore.ProfileRowKey) { ["Erasing"] = true }, ETag.All, TableUpdateMode.Merge);

        Assert.Null(await store.GetWithConsentAsync("c-1", None));
    }

    [Fact]
    public async Task GetWithConsentAsync_OrphanConsentRowsWithoutProfile_ReturnsNull()
    {
        var store = CreateStore();
        await store.PutAsync(NewContact("c-1"), null, null, None);
        await store.AppendConsentAsync("c-1", Consent(T0), None);
        await ContactsTable.DeleteEntityAsync("c-1", TableContactStore.ProfileRowKey, ETag.All);

        Assert.Null(await store.GetWithConsentAsync("c-1", None));
    }
}
