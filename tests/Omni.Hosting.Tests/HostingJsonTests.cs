using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Omni.Hosting;

namespace Omni.Hosting.Tests;

/// <summary>The host ⇄ handler payloads serialise through <see cref="HostingJsonContext"/> only, with the escaping they always had.</summary>
public class HostingJsonTests
{
    [Fact]
    public void BothOptions_ResolveEveryPayloadTypeFromTheGeneratedContext()
    {
        foreach (var options in new[] { HostingJson.Options, HostingJson.HostOptions })
        {
            Assert.Same(HostingJsonContext.Default, options.TypeInfoResolver);
            Assert.All(HostingJson.PayloadTypes, t => Assert.Same(HostingJsonContext.Default, options.GetTypeInfo(t).OriginatingResolver));
            Assert.Throws<NotSupportedException>(() => JsonSerializer.Serialize(new Uri("https://example.com"), options));
        }
    }

    [Fact]
    public void InvocationResult_DefaultEscaping_SameBytesAsTheReflectionDefault()
    {
        var result = new InvocationResult
        {
            Logs = ["sent <b> & ü"],
            Outputs = new Dictionary<string, JsonNode?> { ["out"] = new JsonObject { ["text"] = "Grüße <3", ["n"] = 1.5 }, ["none"] = null },
        };

        var json = Encoding.UTF8.GetString(result.ToJson());

        var expected = JsonSerializer.Serialize(new JsonObject
        {
            ["Outputs"] = new JsonObject { ["out"] = new JsonObject { ["text"] = "Grüße <3", ["n"] = 1.5 }, ["none"] = null },
            ["Logs"] = new JsonArray("sent <b> & ü"),
            ["ReturnValue"] = null,
        }, new JsonSerializerOptions { TypeInfoResolver = new DefaultJsonTypeInfoResolver() });
        Assert.Equal(expected, json);
        Assert.Contains("\\u003Cb\\u003E", json);
    }

    [Fact]
    public void InvocationPayload_HostEscaping_AndTypedApplicationProperties()
    {
        var function = new FunctionDefinition("Work",
            [new BindingDefinition { Type = "serviceBusTrigger", Direction = "in", Name = "message", QueueName = "work", Connection = "ServiceBusConnection" }]);
        var message = new ServiceBusTriggerMessage
        {
            Body = Encoding.UTF8.GetBytes("""{"text":"Grüße <b>"}"""),
            MessageId = "m-<1>",
            ApplicationProperties = new Dictionary<string, object?> { ["s"] = "x<y", ["l"] = 42L, ["d"] = 1.25, ["b"] = true, ["n"] = null },
        };

        var payload = Encoding.UTF8.GetString(message.ToInvocationPayload(function, DateTimeOffset.Parse("2025-01-01T00:00:00Z")));

        // Newtonsoft-like escaping: no \u003C, non-ASCII kept.
        Assert.Contains("\"MessageId\":\"\\\"m-<1>\\\"\"", payload);
        Assert.Contains("Grüße <b>", payload);
        Assert.Contains("\"ApplicationProperties\":{\"s\":\"x<y\",\"l\":42,\"d\":1.25,\"b\":true,\"n\":null}", payload);
        var back = ServiceBusTriggerMessage.FromInvocationPayload(Encoding.UTF8.GetBytes(payload), function.Trigger);
        Assert.Equal("m-<1>", back.MessageId);
        Assert.Equal("""{"text":"Grüße <b>"}""", back.BodyAsString());
        Assert.Equal(42L, back.ApplicationProperties["l"]);
        Assert.Equal("x<y", back.ApplicationProperties["s"]);
    }
}
