using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Omni.Azure.Communication;
using Omni.Azure.Communication.Sms;
using Omni.Azure.Tests.Fakes;

namespace Omni.Azure.Tests.Communication;

// Vectors V1–V5 from the official ACS SDK tests (azure-sdk-for-js communication-common cryptoUtils.spec.ts and
// communicationKeyCredentialPolicy.spec.ts), reproduced exactly.
public sealed class CommunicationHmacSignatureTests
{
    private const string EmptyBodyHash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

    // The JS test freezes its clock at 2022-04-13T18:09:12.451Z.
    private static readonly DateTimeOffset VectorTime = new(2022, 4, 13, 18, 9, 12, 451, TimeSpan.Zero);

    [Fact]
    public void ComputeHmac_V1Banana_MatchesOfficialVector()
    {
        Assert.Equal("88EC05aAS9iXnaimtNO78JLjiPtfWryQB/5QYEzEsu8=", CommunicationHmacSignature.ComputeHmac("pw==", "banana"));
    }

    [Fact]
    public void ComputeHmac_V2Emoji_MatchesOfficialVector()
    {
        Assert.Equal("1rudJKjn2Zi+3hRrBG29wIF6pD6YyAeQR1ZcFtXoKAU=", CommunicationHmacSignature.ComputeHmac("pw==", "😀"));
    }

    [Theory]
    [InlineData("banana", "tJPUg2Sv5E0RwBZc9HCkFk0eJgmRHvmYvoaNRq3j3k4=")]
    [InlineData("😀", "8EQ6NCxe9UeDoRG1G6Vsk45HTDIyTZDDpgycjjo34tk=")]
    [InlineData("", EmptyBodyHash)]
    public void ComputeContentHash_V3_MatchesOfficialVector(string body, string expected)
    {
        Assert.Equal(expected, CommunicationHmacSignature.ComputeContentHash(Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void BuildStringToSign_V4Inputs_MatchesDerivedString()
    {
        string stringToSign = CommunicationHmacSignature.BuildStringToSign(
            "GET", "/testPath?testQuery=test", "Wed, 13 Apr 2022 18:09:12 GMT", "example.com", EmptyBodyHash);

        Assert.Equal("GET\n/testPath?testQuery=test\nWed, 13 Apr 2022 18:09:12 GMT;example.com;" + EmptyBodyHash, stringToSign);
    }

    [Theory]
    [InlineData("https://example.com/testPath?testQuery=test",
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tU=")]
    [InlineData("https://example.com/testPath",
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=+6tWkg3lNKVjQHHmxkdGQcJjUgzclsWTMebnuCz1ngU=")]
    public async Task Policy_V4V5GetWithoutBody_SendsOfficialHeaders(string url, string expectedAuthorization)
    {
        var http = new FakeHttpHandler().Reply(200);
        HttpPipeline pipeline = BuildPipeline(http, new FakeClock(VectorTime));

        using HttpMessage message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        message.Request.Uri.Reset(new Uri(url));
        await pipeline.SendAsync(message, CancellationToken.None);

        SentRequest request = Assert.Single(http.Requests);
        Assert.Equal(expectedAuthorization, request.Header("Authorization"));
        Assert.Equal("Wed, 13 Apr 2022 18:09:12 GMT", request.Header("x-ms-date"));
        Assert.Equal(EmptyBodyHash, request.Header("x-ms-content-sha256"));
    }

    [Fact]
    public async Task Policy_RetriedRequest_IsSignedAfreshWithNewDate()
    {
        var clock = new FakeClock(VectorTime);
        var http = new FakeHttpHandler().Reply(503).Reply(200);
        var delays = new RecordedDelays(clock);
        var options = new SmsClientOptions { TimeProvider = clock }.Use(http, delays, clock);
        HttpPipeline pipeline = CommunicationCredential.From(new AzureKeyCredential("pw==")).BuildPipeline(options, clock);

        using HttpMessage message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Post;
        message.Request.Uri.Reset(new Uri("https://example.com/sms?api-version=2021-03-07"));
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes("banana"));
        await pipeline.SendAsync(message, CancellationToken.None);

        Assert.Equal(2, http.Requests.Count);
        Assert.NotEqual(http.Requests[0].Header("x-ms-date"), http.Requests[1].Header("x-ms-date"));
        foreach (SentRequest request in http.Requests)
        {
            Assert.Equal("tJPUg2Sv5E0RwBZc9HCkFk0eJgmRHvmYvoaNRq3j3k4=", request.Header("x-ms-content-sha256"));
            string expected = CommunicationHmacSignature.CreateAuthorizationHeader(
                "pw==", "POST", request.Uri, request.Header("x-ms-date")!, request.Header("x-ms-content-sha256")!);
            Assert.Equal(expected, request.Header("Authorization"));
        }
    }

    [Fact]
    public async Task Policy_NonDefaultPort_SignsHostWithPort()
    {
        var http = new FakeHttpHandler().Reply(200);
        HttpPipeline pipeline = BuildPipeline(http, new FakeClock(VectorTime));

        using HttpMessage message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        message.Request.Uri.Reset(new Uri("http://127.0.0.1:7071/testPath"));
        await pipeline.SendAsync(message, CancellationToken.None);

        string expected = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=" +
            CommunicationHmacSignature.ComputeHmac("pw==",
                "GET\n/testPath\nWed, 13 Apr 2022 18:09:12 GMT;127.0.0.1:7071;" + EmptyBodyHash);
        Assert.Equal(expected, Assert.Single(http.Requests).Header("Authorization"));
    }

    private static HttpPipeline BuildPipeline(FakeHttpHandler http, FakeClock clock)
    {
        var options = new SmsClientOptions { TimeProvider = clock }.Use(http, new RecordedDelays(clock), clock);
        return CommunicationCredential.From(new AzureKeyCredential("pw==")).BuildPipeline(options, clock);
    }
}
