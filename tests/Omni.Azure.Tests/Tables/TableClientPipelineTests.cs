using System.Net;
using System.Text;
using Azure;
using Omni.Azure.Tables;

namespace Omni.Azure.Tests.Tables;

/// <summary>Request shapes, authentication and error mapping, checked against a recording transport (no network).</summary>
public sealed class TableClientPipelineTests
{
    private static readonly Uri Endpoint = new("https://omnistore.table.core.windows.net");

    [Fact]
    public async Task TokenCredential_Request_CarriesBearerTokenForStorageScope()
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent);
        var credential = new FakeTokenCredential("token-123");
        var client = new TableClient(Endpoint, "messages", credential, handler.Options());

        await client.DeleteEntityAsync("p", "r");

        Assert.Equal("Bearer token-123", handler.Requests[0].Header("Authorization"));
        Assert.Equal(["https://storage.azure.com/.default"], credential.RequestedScopes[0]);
        Assert.Equal("omnistore", client.AccountName);
    }

    [Fact]
    public async Task TableServiceClient_TokenCredential_GetTableClientSharesTheCredential()
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent);
        var service = new TableServiceClient(Endpoint, new FakeTokenCredential("t"), handler.Options());

        await service.GetTableClient("messages").DeleteEntityAsync("p", "r");

        Assert.Equal("Bearer t", handler.Requests[0].Header("Authorization"));
        Assert.Equal(new Uri("https://omnistore.table.core.windows.net/messages(PartitionKey='p',RowKey='r')"), handler.Requests[0].Uri);
    }

    [Fact]
    public async Task AzureSasCredential_TableUri_TakesTableNameFromPathAndAppendsSignature()
    {
        var handler = new RecordingHandler((_, _) => RecordingHandler.Json(HttpStatusCode.OK, """{"PartitionKey":"p","RowKey":"r"}"""));
        var client = new TableClient(new Uri("https://omnistore.table.core.windows.net/messages?ignored=1"), new AzureSasCredential("?sv=1&sig=a%2Bb"), handler.Options());

        await client.GetEntityAsync<TableEntity>("p", "r");

        Assert.Equal("messages", client.Name);
        Assert.Equal("https://omnistore.table.core.windows.net/messages(PartitionKey='p',RowKey='r')?sv=1&sig=a%2Bb", handler.Requests[0].Uri.AbsoluteUri);
    }

    [Fact]
    public async Task EveryRequest_CarriesVersionAndODataHeaders()
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent);
        var client = new TableClient("UseDevelopmentStorage=true", "messages", handler.Options());

        await client.UpsertEntityAsync(new TableEntity("p", "r"), TableUpdateMode.Merge);

        var request = handler.Requests[0];
        Assert.Equal("MERGE", request.Method);
        Assert.Equal("2019-02-02", request.Header("x-ms-version"));
        Assert.Equal("3.0", request.Header("DataServiceVersion"));
        Assert.Equal("3.0;NetFx", request.Header("MaxDataServiceVersion"));
        Assert.Equal("application/json;odata=minimalmetadata", request.Header("Accept"));
        Assert.Null(request.Header("If-Match"));
        Assert.StartsWith("SharedKey devstoreaccount1:", request.Header("Authorization"));
    }

    [Fact]
    public async Task AddEntityAsync_NonAsciiText_IsSentAsUtf8NotEscaped()
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent);
        var client = new TableClient("UseDevelopmentStorage=true", "messages", handler.Options());

        await client.AddEntityAsync(new TableEntity("p", "r") { ["Text"] = "héllo +44 <b> \"q\"\n" });

        Assert.Equal("""{"PartitionKey":"p","RowKey":"r","Text":"héllo +44 <b> \"q\"\n"}""", handler.Requests[0].Body);
        Assert.Equal("POST", handler.Requests[0].Method);
        Assert.Equal("return-no-content", handler.Requests[0].Header("Prefer"));
    }

    [Theory]
    [InlineData(TableUpdateMode.Merge, "MERGE")]
    [InlineData(TableUpdateMode.Replace, "PUT")]
    public async Task UpdateEntityAsync_Mode_ChoosesVerbAndSendsIfMatch(TableUpdateMode mode, string verb)
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent);
        var client = new TableClient("UseDevelopmentStorage=true", "messages", handler.Options());
        var etag = new ETag("W/\"datetime'2024-01-01T00%3A00%3A00Z'\"");

        await client.UpdateEntityAsync(new TableEntity("p", "r"), etag, mode);

        Assert.Equal(verb, handler.Requests[0].Method);
        Assert.Equal(etag.ToString(), handler.Requests[0].Header("If-Match"));
    }

    [Fact]
    public async Task DeleteEntityAsync_DefaultETag_SendsIfMatchStar()
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent);
        var client = new TableClient("UseDevelopmentStorage=true", "messages", handler.Options());

        await client.DeleteEntityAsync("p", "r");

        Assert.Equal("*", handler.Requests[0].Header("If-Match"));
    }

    [Fact]
    public async Task QueryAsync_ContinuationHeaders_AreSentBackOnTheNextRequest()
    {
        var handler = new RecordingHandler((_, n) => n switch
        {
            1 => RecordingHandler.Json(HttpStatusCode.OK, """{"value":[{"PartitionKey":"p","RowKey":"1"}]}""",
                ("x-ms-continuation-NextPartitionKey", "1!4!cDE-"), ("x-ms-continuation-NextRowKey", "1!4!cjI-")),
            2 => RecordingHandler.Json(HttpStatusCode.OK, """{"value":[]}""", ("x-ms-continuation-NextPartitionKey", "1!4!cDI-")),
            _ => RecordingHandler.Json(HttpStatusCode.OK, """{"value":[{"PartitionKey":"p","RowKey":"2"}]}"""),
        });
        var client = new TableClient("UseDevelopmentStorage=true", "messages", handler.Options());

        var rows = await client.QueryAsync<TableEntity>("PartitionKey eq 'p'", maxPerPage: 1, select: ["RowKey"]).ToListAsync();

        Assert.Equal(["1", "2"], rows.Select(r => r.RowKey));
        Assert.Equal(3, handler.Requests.Count);
        Assert.Equal("/devstoreaccount1/messages()", handler.Requests[0].Uri.AbsolutePath);
        Assert.Equal("?$filter=PartitionKey%20eq%20%27p%27&$top=1&$select=RowKey", handler.Requests[0].Uri.Query);
        Assert.EndsWith("&NextPartitionKey=1%214%21cDE-&NextRowKey=1%214%21cjI-", handler.Requests[1].Uri.Query);
        Assert.EndsWith("&NextPartitionKey=1%214%21cDI-", handler.Requests[2].Uri.Query); // empty page with continuation is followed
        Assert.DoesNotContain("NextRowKey", handler.Requests[2].Uri.Query);
    }

    [Fact]
    public async Task TableServiceClient_QueryAsync_FollowsNextTableName()
    {
        var handler = new RecordingHandler((_, n) => n == 1
            ? RecordingHandler.Json(HttpStatusCode.OK, """{"value":[{"TableName":"a1"}]}""", ("x-ms-continuation-NextTableName", "b1"))
            : RecordingHandler.Json(HttpStatusCode.OK, """{"value":[{"TableName":"b1"}]}"""));
        var service = new TableServiceClient("UseDevelopmentStorage=true", handler.Options());

        var tables = await service.QueryAsync(maxPerPage: 1).ToListAsync();

        Assert.Equal(["a1", "b1"], tables.Select(t => t.Name));
        Assert.EndsWith("NextTableName=b1", handler.Requests[1].Uri.Query);
    }

    [Fact]
    public async Task Failure_JsonODataError_GivesStatusAndErrorCode()
    {
        var handler = new RecordingHandler((_, _) => RecordingHandler.Error(HttpStatusCode.PreconditionFailed, "UpdateConditionNotSatisfied", "The update condition specified in the request was not satisfied."));
        var client = new TableClient("UseDevelopmentStorage=true", "messages", handler.Options());

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.UpdateEntityAsync(new TableEntity("p", "r"), new ETag("W/\"x\"")));

        Assert.Equal(412, error.Status);
        Assert.Equal("UpdateConditionNotSatisfied", error.ErrorCode);
        Assert.Contains("update condition", error.Message);
        Assert.NotNull(error.GetRawResponse());
    }

    [Fact]
    public async Task Failure_XmlErrorBody_GivesErrorCode()
    {
        var handler = new RecordingHandler((_, _) => new HttpResponseMessage(HttpStatusCode.Forbidden)
        {
            Content = new StringContent("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthorizationFailure</Code><Message>Server failed to authenticate the request.</Message></Error>", Encoding.UTF8, "application/xml"),
        });
        var client = new TableClient("UseDevelopmentStorage=true", "messages", handler.Options());

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.AddEntityAsync(new TableEntity("p", "r")));

        Assert.Equal(403, error.Status);
        Assert.Equal("AuthorizationFailure", error.ErrorCode);
    }

    [Fact]
    public async Task Failure_ErrorCodeOnlyInHeader_GivesErrorCode()
    {
        var handler = new RecordingHandler((_, _) =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.BadRequest);
            response.Headers.TryAddWithoutValidation("x-ms-error-code", "OutOfRangeInput");
            return response;
        });
        var client = new TableClient("UseDevelopmentStorage=true", "messages", handler.Options());

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.GetEntityIfExistsAsync<TableEntity>("p", "r"));

        Assert.Equal(400, error.Status);
        Assert.Equal("OutOfRangeInput", error.ErrorCode);
    }

    [Fact]
    public async Task Failure_ServerErrorAfterRetries_Throws()
    {
        var handler = new RecordingHandler((_, _) => RecordingHandler.Error(HttpStatusCode.ServiceUnavailable, "ServerBusy"));
        var client = new TableClient("UseDevelopmentStorage=true", "messages", handler.Options());

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.AddEntityAsync(new TableEntity("p", "r")));

        Assert.Equal(503, error.Status);
        Assert.Equal("ServerBusy", error.ErrorCode);
        Assert.Equal(3, handler.Requests.Count); // first try + MaxRetries (2)
    }

    [Fact]
    public async Task CreateIfNotExistsAsync_TableBeingDeleted_IsNotTreatedAsExisting()
    {
        var handler = new RecordingHandler((_, _) => RecordingHandler.Error(HttpStatusCode.Conflict, "TableBeingDeleted"));
        var client = new TableClient("UseDevelopmentStorage=true", "messages", handler.Options());

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.CreateIfNotExistsAsync());

        Assert.Equal("TableBeingDeleted", error.ErrorCode);
    }

    [Fact]
    public async Task CreateIfNotExistsAsync_TableAlreadyExists_ReturnsValue()
    {
        var handler = new RecordingHandler((_, _) => RecordingHandler.Error(HttpStatusCode.Conflict, "TableAlreadyExists"));
        var client = new TableClient("UseDevelopmentStorage=true", "messages", handler.Options());

        var response = await client.CreateIfNotExistsAsync();

        Assert.Equal(409, response.GetRawResponse().Status);
        Assert.Equal("messages", response.Value.Name);
    }

    [Fact]
    public async Task KeyValidation_ForbiddenKeys_FailBeforeAnythingIsSent()
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent);
        var client = new TableClient("UseDevelopmentStorage=true", "messages", handler.Options());

        await Assert.ThrowsAsync<ArgumentException>(() => client.GetEntityAsync<TableEntity>("p/1", "r"));
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetEntityIfExistsAsync<TableEntity>("p", "r?"));
        await Assert.ThrowsAsync<ArgumentException>(() => client.DeleteEntityAsync("p#", "r"));
        await Assert.ThrowsAsync<ArgumentException>(() => client.UpsertEntityAsync(new TableEntity("p", "a\\b")));
        await Assert.ThrowsAsync<ArgumentException>(() => client.UpdateEntityAsync(new TableEntity("p", "\u0001"), ETag.All));
        await Assert.ThrowsAsync<ArgumentException>(() => client.AddEntityAsync(new TableEntity("p", new string('x', 513))));
        await Assert.ThrowsAsync<ArgumentException>(() => client.AddEntityAsync(new TableEntity()));
        await Assert.ThrowsAsync<ArgumentNullException>(() => client.DeleteEntityAsync(null!, "r"));

        Assert.Empty(handler.Requests);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("1abc")]
    [InlineData("a-bc")]
    [InlineData("a_bc")]
    [InlineData("tables")]
    [InlineData("Tables")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd")] // 64
    public void TableName_Invalid_ThrowsArgumentException(string name)
    {
        var service = new TableServiceClient("UseDevelopmentStorage=true");

        Assert.Throws<ArgumentException>(() => service.GetTableClient(name));
        Assert.Throws<ArgumentException>(() => new TableClient("UseDevelopmentStorage=true", name));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("A1b2C3")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc")] // 63
    public void TableName_Valid_IsAccepted(string name)
    {
        Assert.Equal(name, new TableServiceClient("UseDevelopmentStorage=true").GetTableClient(name).Name);
    }

    [Fact]
    public void QueryAsync_NonPositiveMaxPerPage_Throws()
    {
        var client = new TableClient("UseDevelopmentStorage=true", "messages");

        Assert.Throws<ArgumentOutOfRangeException>(() => client.QueryAsync<TableEntity>(maxPerPage: 0));
    }

    [Fact]
    public void Uri_TableClient_IsEndpointPlusTableName()
    {
        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1/messages"), new TableClient("UseDevelopmentStorage=true", "messages").Uri);
    }
}
