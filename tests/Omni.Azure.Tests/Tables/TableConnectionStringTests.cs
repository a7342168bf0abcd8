using System.Net;
using Omni.Azure.Tables;

namespace Omni.Azure.Tests.Tables;

public sealed class TableConnectionStringTests
{
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    [Theory]
    [InlineData("UseDevelopmentStorage=true")]
    [InlineData("UseDevelopmentStorage=TRUE;")]
    [InlineData(" usedevelopmentstorage = true ")]
    public void Parse_UseDevelopmentStorage_IsAzuriteOnTheWellKnownEndpointAndKey(string connectionString)
    {
        var parsed = TableConnectionString.Parse(connectionString);

        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1"), parsed.TableEndpoint);
        Assert.Equal("devstoreaccount1", parsed.AccountName);
        Assert.NotNull(parsed.SharedKey);
        Assert.Equal("devstoreaccount1", parsed.SharedKey.AccountName);
        Assert.Null(parsed.SharedAccessSignature);
        // The key is the well-known one: it reproduces the V12 signature.
        Assert.Equal("y4+YjpWa9p2hSLUPdRNaIBrE0mwOp91eMBmGLPtaGEM=",
            parsed.SharedKey.ComputeSignature("POST\n\napplication/json\nMon, 01 Jan 2024 00:00:00 GMT\n/devstoreaccount1/devstoreaccount1/Tables"));
    }

    [Fact]
    public void TableServiceClient_UseDevelopmentStorage_TargetsAzuriteDefaultEndpoint()
    {
        var client = new TableServiceClient("UseDevelopmentStorage=true");

        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1"), client.Uri);
        Assert.Equal("devstoreaccount1", client.AccountName);
    }

    [Fact]
    public void Parse_AzuriteFullConnectionString_UsesTheTableEndpoint()
    {
        var parsed = TableConnectionString.Parse(
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevKey};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;");

        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1"), parsed.TableEndpoint);
        Assert.Equal("devstoreaccount1", parsed.AccountName);
        Assert.NotNull(parsed.SharedKey);
    }

    [Fact]
    public void Parse_AccountKeyWithoutEndpoint_BuildsTheHttpsPublicCloudEndpoint()
    {
        var parsed = TableConnectionString.Parse($"AccountName=omnistore;AccountKey={DevKey}");

        Assert.Equal(new Uri("https://omnistore.table.core.windows.net"), parsed.TableEndpoint);
        Assert.Equal("omnistore", parsed.SharedKey!.AccountName);
    }

    [Fact]
    public void Parse_EndpointSuffixAndProtocol_BuildEndpointFromThem()
    {
        var parsed = TableConnectionString.Parse($"DefaultEndpointsProtocol=http;AccountName=omnistore;AccountKey={DevKey};EndpointSuffix=core.chinacloudapi.cn");

        Assert.Equal(new Uri("http://omnistore.table.core.chinacloudapi.cn"), parsed.TableEndpoint);
    }

    [Fact]
    public void Parse_TableEndpointWins_OverEndpointSuffix()
    {
        var parsed = TableConnectionString.Parse($"AccountName=a1;AccountKey={DevKey};EndpointSuffix=core.windows.net;TableEndpoint=https://custom.example.com/");

        Assert.Equal(new Uri("https://custom.example.com/"), parsed.TableEndpoint);
    }

    [Theory]
    [InlineData("TableEndpoint=https://omnistore.table.core.windows.net/;SharedAccessSignature=sv=2019-02-02&ss=t&srt=sco&sp=rwdlacu&se=2030-01-01T00:00:00Z&sig=abc%2Bdef%3D")]
    [InlineData("TableEndpoint=https://omnistore.table.core.windows.net/;SharedAccessSignature=?sv=2019-02-02&ss=t&srt=sco&sp=rwdlacu&se=2030-01-01T00:00:00Z&sig=abc%2Bdef%3D")]
    public void Parse_SharedAccessSignature_KeepsTheTokenWithoutLeadingQuestionMark(string connectionString)
    {
        var parsed = TableConnectionString.Parse(connectionString);

        Assert.Equal(new Uri("https://omnistore.table.core.windows.net/"), parsed.TableEndpoint);
        Assert.Null(parsed.SharedKey);
        Assert.Equal("sv=2019-02-02&ss=t&srt=sco&sp=rwdlacu&se=2030-01-01T00:00:00Z&sig=abc%2Bdef%3D", parsed.SharedAccessSignature);
    }

    [Fact]
    public async Task TableClient_SasConnectionString_AppendsTokenOnceEvenWhenRetried()
    {
        var handler = new RecordingHandler((_, n) => n == 1
            ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
            : new HttpResponseMessage(HttpStatusCode.NoContent));
        var client = new TableClient(
            "TableEndpoint=https://omnistore.table.core.windows.net/;SharedAccessSignature=sv=2019-02-02&sig=abc%3D",
            "messages",
            handler.Options());

        await client.DeleteEntityAsync("p", "r");

        Assert.Equal(2, handler.Requests.Count);
        foreach (var request in handler.Requests)
        {
            Assert.Equal("?sv=2019-02-02&sig=abc%3D", request.Uri.Query);
            Assert.Equal("/messages(PartitionKey='p',RowKey='r')", request.Uri.AbsolutePath);
            Assert.Null(request.Header("Authorization"));
        }
        Assert.Equal("omnistore", client.AccountName);
    }

    [Fact]
    public async Task QueryAsync_SasWithOtherQueryParameters_AppendsAfterThem()
    {
        var handler = new RecordingHandler((_, _) => RecordingHandler.Json(HttpStatusCode.OK, """{"value":[]}"""));
        var client = new TableClient("TableEndpoint=https://omnistore.table.core.windows.net;SharedAccessSignature=sig=xyz", "messages", handler.Options());

        await client.QueryAsync<TableEntity>(filter: "RowKey eq 'a'", maxPerPage: 5).ToListAsync();

        Assert.Equal("?$filter=RowKey%20eq%20%27a%27&$top=5&sig=xyz", handler.Requests[0].Uri.Query);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Parse_Empty_ThrowsArgumentException(string connectionString)
    {
        Assert.ThrowsAny<ArgumentException>(() => TableConnectionString.Parse(connectionString));
    }

    [Theory]
    [InlineData("AccountName=a1", "neither AccountKey nor SharedAccessSignature")]
    [InlineData("AccountKey=" + DevKey, "TableEndpoint, or AccountName")]
    [InlineData("TableEndpoint=https://x.example.com;AccountKey=" + DevKey, "AccountKey requires AccountName")]
    [InlineData("TableEndpoint=not a uri;SharedAccessSignature=sig=1", "TableEndpoint")]
    [InlineData("TableEndpoint=ftp://x.example.com;SharedAccessSignature=sig=1", "TableEndpoint")]
    [InlineData("AccountName=a1;AccountName=a2;AccountKey=" + DevKey, "more than once")]
    [InlineData("DefaultEndpointsProtocol=ftp;AccountName=a1;AccountKey=" + DevKey, "DefaultEndpointsProtocol")]
    [InlineData("UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://proxy", "DevelopmentStorageProxyUri")]
    public void Parse_InvalidConnectionString_ThrowsWithTheReason(string connectionString, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => TableConnectionString.Parse(connectionString));

        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Parse_SegmentWithoutEquals_DoesNotEchoItsContent()
    {
        const string secretLooking = "c2VjcmV0LWtleS1tYXRlcmlhbA";

        var error = Assert.Throws<ArgumentException>(() => TableConnectionString.Parse($"AccountName=a1;{secretLooking}"));

        Assert.DoesNotContain(secretLooking[..8], error.Message);
        Assert.Contains("segment 2", error.Message);
    }

    [Fact]
    public void Parse_AccountKeyNotBase64_ThrowsArgumentException()
    {
        var error = Assert.Throws<ArgumentException>(() => TableConnectionString.Parse("AccountName=a1;AccountKey=%%%notbase64%%%"));

        Assert.DoesNotContain("notbase64", error.Message);
    }
}
