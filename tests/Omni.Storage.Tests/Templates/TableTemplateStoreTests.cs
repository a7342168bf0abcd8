using Microsoft.Extensions.Time.Testing;
using Omni.Azure.Tables;
using Omni.Core.Contacts;
using Omni.Core.Content;
using Omni.Storage.Templates;

namespace Omni.Storage.Tests.Templates;

[Collection(AzuriteCollection.Name)]
public sealed class TableTemplateStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 9, 30, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly FakeTimeProvider _time = new(T0);
    private readonly TableTemplateStoreOptions _options = new() { TableName = AzuriteFixture.UniqueTableName("templates") };

    private TableTemplateStore CreateStore() => new(azurite.CreateServiceClient(), _time, _options);

    private static Template NewTemplate(string id, string text = "Hi {{name}}", string? html = null) => new()
    {
        Id = id,
        DefaultLocale = "en",
        Description = "Welcome <b>&</b> ✓",
        Locales = new Dictionary<string, IReadOnlyDictionary<string, TemplatePart>>
        {
            ["en"] = new Dictionary<string, TemplatePart>
            {
                ["default"] = new(text, "Welcome"),
                ["email"] = new(Html: html ?? "<p>Hi {{name}} 😀</p>"),
            },
            ["fr-CA"] = new Dictionary<string, TemplatePart> { ["default"] = new("Allô {{name}}") },
        },
    };

    [Fact]
    public async Task Put_New_CreatesAndGetReturnsTheSameTemplateAndETag()
    {
        var store = CreateStore();

        var put = await store.PutAsync(NewTemplate("welcome"), null, null, None);
        var got = await store.GetAsync("welcome", None);

        Assert.Equal(StoreOutcome.Created, put.Outcome);
        Assert.NotNull(got);
        Assert.Equal(put.Stored!.ETag, got.ETag);
        Assert.Equal("Welcome <b>&</b> ✓", got.Template.Description);
        Assert.Equal("<p>Hi {{name}} 😀</p>", got.Template.Locales["en"]["email"].Html);
        Assert.Equal("Allô {{name}}", got.Template.Locales["fr-CA"]["default"].Text);
        Assert.Equal(T0, got.Template.CreatedAt);
        Assert.Equal(T0, got.Template.UpdatedAt);
    }

    [Fact]
    public async Task Put_Existing_ReplacesKeepsCreatedAtAndChangesTheETag()
    {
        var store = CreateStore();
        var first = await store.PutAsync(NewTemplate("t1"), null, null, None);
        _time.Advance(TimeSpan.FromMinutes(5));

        var second = await store.PutAsync(NewTemplate("t1", "Hello {{name}}"), null, null, None);

        Assert.Equal(StoreOutcome.Replaced, second.Outcome);
        Assert.NotEqual(first.Stored!.ETag, second.Stored!.ETag);
        var got = (await store.GetAsync("t1", None))!;
        Assert.Equal("Hello {{name}}", got.Template.Locales["en"]["default"].Text);
        Assert.Equal(T0, got.Template.CreatedAt);
        Assert.Equal(T0.AddMinutes(5), got.Template.UpdatedAt);
    }

    [Fact]
    public async Task Put_Conditions_FollowIfMatchAndIfNoneMatch()
    {
        var store = CreateStore();

        Assert.Equal(StoreOutcome.PreconditionFailed, (await store.PutAsync(NewTemplate("c1"), "*", null, None)).Outcome);
        var created = await store.PutAsync(NewTemplate("c1"), null, "*", None);
        Assert.Equal(StoreOutcome.Created, created.Outcome);
        Assert.Equal(StoreOutcome.PreconditionFailed, (await store.PutAsync(NewTemplate("c1"), null, "*", None)).Outcome);
        var replaced = await store.PutAsync(NewTemplate("c1", "v2"), created.Stored!.ETag, null, None);
        Assert.Equal(StoreOutcome.Replaced, replaced.Outcome);
        // The first version's ETag is stale now.
        Assert.Equal(StoreOutcome.PreconditionFailed, (await store.PutAsync(NewTemplate("c1", "v3"), created.Stored.ETag, null, None)).Outcome);
        Assert.Equal("v2", (await store.GetAsync("c1", None))!.Template.Locales["en"]["default"].Text);
    }

    [Fact]
    public async Task Delete_RemovesHonoursIfMatchAndReportsMissing()
    {
        var store = CreateStore();
        var created = await store.PutAsync(NewTemplate("d1"), null, null, None);
        await store.PutAsync(NewTemplate("d1", "v2"), null, null, None);

        Assert.Equal(StoreOutcome.PreconditionFailed, (await store.DeleteAsync("d1", created.Stored!.ETag, None)).Outcome);
        Assert.Equal(StoreOutcome.Deleted, (await store.DeleteAsync("d1", null, None)).Outcome);
        Assert.Null(await store.GetAsync("d1", None));
        Assert.Equal(StoreOutcome.NotFound, (await store.DeleteAsync("d1", null, None)).Outcome);
    }

    [Fact]
    public async Task List_PagesThroughEveryTemplateInIdOrder()
    {
        var store = CreateStore();
        var ids = Enumerable.Range(0, 7).Select(i => $"list-{i:D2}").ToList();
        foreach (var id in ids.AsEnumerable().Reverse())
        {
            await store.PutAsync(NewTemplate(id), null, null, None);
        }

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await store.ListAsync(3, token, None);
            Assert.True(page.Items.Count <= 3);
            seen.AddRange(page.Items.Select(t => t.Template.Id));
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null && pages < 10);

        Assert.Equal(ids, seen);
        Assert.True(pages >= 3);
    }

    [Fact]
    public async Task Put_LargeTemplate_IsSplitOverSeveralPropertiesAndReadBackWhole()
    {
        var store = CreateStore();
        // ~200,000 characters of HTML with multi-byte characters: more than three 64 KiB properties.
        var html = string.Concat(Enumerable.Repeat("<p>Zoë 😀 {{name}}</p>\n", 8_000));
        var template = NewTemplate("big", html: html);

        await store.PutAsync(template, null, null, None);

        var row = await azurite.CreateServiceClient().GetTableClient(_options.TableName).GetEntityAsync<TableEntity>("big", TableTemplateStore.RowKey);
        Assert.True(row.Value.GetInt32("Chunks") >= 4);
        Assert.Equal(html, (await store.GetAsync("big", None))!.Template.Locales["en"]["email"].Html);
    }

    [Fact]
    public async Task Put_TemplateAboveTheStoreLimit_IsRefusedBeforeAnyWrite()
    {
        var store = CreateStore();
        var template = NewTemplate("huge", html: new string('x', TableTemplateStore.MaxJsonBytes));

        await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(template, null, null, None));
        Assert.Null(await store.GetAsync("huge", None));
    }

    [Fact]
    public async Task List_WithAForgedToken_ThrowsArgumentException()
    {
        var store = CreateStore();
        await store.PutAsync(NewTemplate("x1"), null, null, None);

        // Azurite and Azure both refuse a token that is not theirs with 400; the store reports it as bad input.
        var exception = await Record.ExceptionAsync(() => store.ListAsync(2, "not-a-token", None));

        Assert.True(exception is null or ArgumentException, exception?.ToString());
    }
}
