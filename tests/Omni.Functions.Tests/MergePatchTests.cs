using System.Text.Json.Nodes;
using Omni.Functions.Http;

namespace Omni.Functions.Tests;

public class MergePatchTests
{
    // The test cases of RFC 7396, Appendix A.
    [Theory]
    [InlineData("""{"a":"b"}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"b":"c"}""", """{"a":"b","b":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"a":null}""", """{}""")]
    [InlineData("""{"a":"b","b":"c"}""", """{"a":null}""", """{"b":"c"}""")]
    [InlineData("""{"a":["b"]}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"c"}""", """{"a":["b"]}""", """{"a":["b"]}""")]
    [InlineData("""{"a":{"b":"c"}}""", """{"a":{"b":"d","c":null}}""", """{"a":{"b":"d"}}""")]
    [InlineData("""{"a":[{"b":"c"}]}""", """{"a":[1]}""", """{"a":[1]}""")]
    [InlineData("""["a","b"]""", """["c","d"]""", """["c","d"]""")]
    [InlineData("""{"a":"b"}""", """["c"]""", """["c"]""")]
    [InlineData("""{"a":"foo"}""", "null", "null")]
    [InlineData("""{"a":"foo"}""", "\"bar\"", "\"bar\"")]
    [InlineData("""{"e":null}""", """{"a":1}""", """{"e":null,"a":1}""")]
    [InlineData("""[1,2]""", """{"a":"b","c":null}""", """{"a":"b"}""")]
    [InlineData("""{}""", """{"a":{"bb":{"ccc":null}}}""", """{"a":{"bb":{}}}""")]
    public void Apply_Rfc7396Examples_GivesTheRfcResult(string target, string patch, string expected)
    {
        var result = MergePatch.Apply(JsonNode.Parse(target), JsonNode.Parse(patch));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), result), $"got {result?.ToJsonString() ?? "null"}");
    }

    [Fact]
    public void Apply_ContactPreferences_ReplacesListsAndRemovesOneAddress()
    {
        var contact = JsonNode.Parse("""
            {"preferredChannels":["whatsapp","sms"],"tags":["vip"],
             "addresses":{"sms":{"value":"+447700900123"},"whatsapp":{"value":"+447700900123"},"email":{"value":"a@b.example"}}}
            """);

        var result = MergePatch.Apply(contact, JsonNode.Parse("""{"preferredChannels":["email"],"addresses":{"whatsapp":null}}"""));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"preferredChannels":["email"],"tags":["vip"],
             "addresses":{"sms":{"value":"+447700900123"},"email":{"value":"a@b.example"}}}
            """), result));
        Assert.NotNull(contact!["addresses"]!["whatsapp"]); // the target is not modified
    }
}
