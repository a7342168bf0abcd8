using System.Text;
using System.Text.Json;
using Omni.Hosting;

namespace Omni.Hosting.Tests;

public class InvocationResultTests
{
    [Fact]
    public void ToJson_Default_IsANonEmptyEnvelopeTheHostAccepts()
    {
        var json = new InvocationResult { Logs = ["done"] }.ToJson();

        var failure = InvocationResult.CheckHostAcceptance(200, InvocationResult.ContentType, json, out var parsed);

        Assert.Null(failure);
        Assert.Equal(["done"], parsed!.Logs);
        using var document = JsonDocument.Parse(json);
        Assert.Equal(JsonValueKind.Object, document.RootElement.GetProperty("Outputs").ValueKind);
    }

    [Theory]
    [InlineData(500, "application/json", "{}", "answered 500")]
    [InlineData(200, "text/plain", "{}", "not application/json")]
    [InlineData(200, "application/problem+json", "{}", "not application/json")]
    [InlineData(200, "application/json", "", "empty body")]
    [InlineData(204, "application/json", "", "empty body")]
    [InlineData(200, "application/json", "{", "invalid JSON")]
    [InlineData(200, "application/json", "[1]", "not an object")]
    public void CheckHostAcceptance_ResponsesTheHostRejects_ExplainsWhy(int status, string contentType, string body, string reason)
    {
        var failure = InvocationResult.CheckHostAcceptance(status, contentType, Encoding.UTF8.GetBytes(body), out _);

        Assert.NotNull(failure);
        Assert.Contains(reason, failure);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("text/json")]
    public void CheckHostAcceptance_JsonContentTypes_Accepted(string contentType)
    {
        Assert.Null(InvocationResult.CheckHostAcceptance(200, contentType, "{}"u8, out _));
    }

    [Fact]
    public void CheckHostAcceptance_CamelCaseEnvelope_ReadsLogsCaseInsensitively()
    {
        // The host reads Outputs/Logs/ReturnValue case-insensitively (Newtonsoft).
        Assert.Null(InvocationResult.CheckHostAcceptance(200, "application/json", """{"logs":["a","b"],"outputs":{}}"""u8, out var parsed));
        Assert.Equal(["a", "b"], parsed!.Logs);
    }
}
