using System.Net;
using Omni.Azure.Tables;

namespace Omni.Azure.Tests.Tables;

/// <summary>Known-answer tests from provider-specs.md §9.2 (V12, V13, V14) and the policy's behaviour in a pipeline.</summary>
public sealed class TableSharedKeyPipelinePolicyTests
{
    private const string Account = "devstoreaccount1";
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private const string Date = "Mon, 01 Jan 2024 00:00:00 GMT";
    private static readonly Uri TablesUri = new("http://127.0.0.1:10002/devstoreaccount1/Tables");

    [Fact]
    public void BuildSharedKeyStringToSign_V12CreateTable_MatchesReferenceString()
    {
        var stringToSign = TableSharedKeyPipelinePolicy.BuildSharedKeyStringToSign("POST", null, "application/json", Date, Account, TablesUri);

        Assert.Equal("POST\n\napplication/json\nMon, 01 Jan 2024 00:00:00 GMT\n/devstoreaccount1/devstoreaccount1/Tables", stringToSign);
    }

    [Fact]
    public void ComputeSignature_V12SharedKey_MatchesKnownAnswer()
    {
        var credential = new TableSharedKeyCredential(Account, Key);
        var stringToSign = TableSharedKeyPipelinePolicy.BuildSharedKeyStringToSign("POST", null, "application/json", Date, Account, TablesUri);

        Assert.Equal("y4+YjpWa9p2hSLUPdRNaIBrE0mwOp91eMBmGLPtaGEM=", credential.ComputeSignature(stringToSign));
    }

    [Fact]
    public void ComputeSignature_V13SharedKeyLite_MatchesKnownAnswer()
    {
        var credential = new TableSharedKeyCredential(Account, Key);
        var stringToSign = TableSharedKeyPipelinePolicy.BuildSharedKeyLiteStringToSign(Date, Account, TablesUri);

        Assert.Equal("Mon, 01 Jan 2024 00:00:00 GMT\n/devstoreaccount1/devstoreaccount1/Tables", stringToSign);
        Assert.Equal("13UOPPE/P1+LLsRFYJCHphuPCEQ21EO/4WbbW+OXG4U=", credential.ComputeSignature(stringToSign));
    }

    [Theory]
    [InlineData("https://foo.table.core.windows.net/foopath?restype=service&comp=properties&sv=2019-02-02&ss=t&srt=s&se=2040-01-01T01%3A01%3A00Z&sp=rwdlau&sig=Sanitized", "/account/foopath?comp=properties")]
    [InlineData("https://foo.table.core.windows.net/?sv=2019-02-02&ss=t&srt=s&se=2040-01-01T01%3A01%3A00Z&sp=rwdlau&sig=Sanitized", "/account/")]
    [InlineData("https://foo.table.core.windows.net/test", "/account/test")]
    public void BuildCanonicalizedResource_V14Uris_MatchOfficialExpectations(string uri, string expected)
    {
        Assert.Equal(expected, TableSharedKeyPipelinePolicy.BuildCanonicalizedResource("account", new Uri(uri)));
    }

    [Fact]
    public void BuildCanonicalizedResource_EscapedEntityPath_KeepsTheWireEncoding()
    {
        var uri = new Uri("http://127.0.0.1:10002/devstoreaccount1/t1(PartitionKey='O%27%27Brien',RowKey='%C3%A9%20x')");

        Assert.Equal(
            "/devstoreaccount1/devstoreaccount1/t1(PartitionKey='O%27%27Brien',RowKey='%C3%A9%20x')",
            TableSharedKeyPipelinePolicy.BuildCanonicalizedResource(Account, uri));
    }

    [Fact]
    public async Task CreateTableIfNotExistsAsync_FrozenClock_SendsTheV12AuthorizationHeader()
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent);
        var time = new ManualTime(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var client = new TableServiceClient(new Uri("http://127.0.0.1:10002/devstoreaccount1"), new TableSharedKeyCredential(Account, Key), handler.Options(time));

        await client.CreateTableIfNotExistsAsync("mytable");

        var request = Assert.Single(handler.Requests);
        Assert.Equal(TablesUri, request.Uri);
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal(Date, request.Header("x-ms-date"));
        Assert.Null(request.Header("Date"));
        Assert.Equal("SharedKey devstoreaccount1:y4+YjpWa9p2hSLUPdRNaIBrE0mwOp91eMBmGLPtaGEM=", request.Header("Authorization"));
        Assert.Equal("2019-02-02", request.Header("x-ms-version"));
        Assert.Equal("application/json;odata=minimalmetadata", request.Header("Accept"));
        Assert.Equal("""{"TableName":"mytable"}""", request.Body);
    }

    [Fact]
    public async Task Policy_RetriedRequest_IsSignedAfreshWithANewDate()
    {
        var handler = new RecordingHandler((_, n) => new HttpResponseMessage(n == 1 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.NoContent));
        var time = new ManualTime(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero)) { StepPerRead = TimeSpan.FromMinutes(1) };
        var credential = new TableSharedKeyCredential(Account, Key);
        var client = new TableClient(new Uri("http://127.0.0.1:10002/devstoreaccount1"), "mytable", credential, handler.Options(time));

        await client.DeleteEntityAsync("p", "r");

        Assert.Equal(2, handler.Requests.Count);
        Assert.NotEqual(handler.Requests[0].Header("x-ms-date"), handler.Requests[1].Header("x-ms-date"));
        Assert.NotEqual(handler.Requests[0].Header("Authorization"), handler.Requests[1].Header("Authorization"));
        foreach (var request in handler.Requests)
        {
            var expected = credential.ComputeSignature(TableSharedKeyPipelinePolicy.BuildSharedKeyStringToSign(
                "DELETE", null, null, request.Header("x-ms-date")!, Account, request.Uri));
            Assert.Equal($"SharedKey {Account}:{expected}", request.Header("Authorization"));
        }
    }

    [Fact]
    public async Task SetAccountKey_AfterRotation_SignsWithTheNewKey()
    {
        var handler = new RecordingHandler(HttpStatusCode.NoContent);
        var time = new ManualTime(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var credential = new TableSharedKeyCredential(Account, Convert.ToBase64String(new byte[32]));
        var client = new TableServiceClient(new Uri("http://127.0.0.1:10002/devstoreaccount1"), credential, handler.Options(time));

        credential.SetAccountKey(Key);
        await client.CreateTableIfNotExistsAsync("mytable");

        Assert.Equal("SharedKey devstoreaccount1:y4+YjpWa9p2hSLUPdRNaIBrE0mwOp91eMBmGLPtaGEM=", handler.Requests[0].Header("Authorization"));
    }

    [Fact]
    public void Constructor_KeyNotBase64_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => new TableSharedKeyCredential(Account, "not base64!"));
    }
}
