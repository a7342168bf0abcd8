using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Core.Tests.Content;

/// <summary>docs/schemas/message.schema.json and its examples agree with <see cref="MessageRequest"/> and its validator.</summary>
public sealed class MessageSchemaTests
{
    private static string SchemasFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Omni.Functions.sln")))
            {
                return Path.Combine(dir.FullName, "docs", "schemas");
            }
        }
        throw new InvalidOperationException("Omni.Functions.sln not found.");
    }

    private static JsonObject Schema() => JsonNode.Parse(File.ReadAllText(Path.Combine(SchemasFolder(), "message.schema.json")))!.AsObject();

    public static TheoryData<string> ExampleFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(SchemasFolder(), "examples"), "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }
        return data;
    }

    private static IEnumerable<string> WireNames(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name));

    private static IEnumerable<string> SchemaNames(JsonNode? node) => node!["properties"]!.AsObject().Select(p => p.Key);

    [Fact]
    public void Examples_CoverTheFiveAgreedCases()
    {
        Assert.Equal(
            ["critical-alert-escalate.json", "deferred-send-at.json", "marketing-email-template.json", "one-off-inline.json", "otp-sms-by-contact.json"],
            ExampleFiles().Cast<object[]>().Select(row => (string)row[0]));
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Example_DeserialisesStrictlyAndIsValid(string file)
    {
        var json = File.ReadAllText(Path.Combine(SchemasFolder(), "examples", file));

        var request = JsonSerializer.Deserialize<MessageRequest>(json, StrictJson.Options)!;
        var errors = new ValidationErrors();
        var inline = MessageRequestValidator.Validate(request, errors);

        Assert.True(errors.IsValid, string.Join("; ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        Assert.NotNull(inline);
    }

    [Fact]
    public void SchemaExamples_DeserialiseStrictlyAndAreValid()
    {
        var examples = Schema()["examples"]!.AsArray();

        Assert.NotEmpty(examples);
        foreach (var example in examples)
        {
            var request = example.Deserialize<MessageRequest>(StrictJson.Options)!;
            var errors = new ValidationErrors();
            MessageRequestValidator.Validate(request, errors);
            Assert.True(errors.IsValid, example!.ToJsonString());
        }
    }

    [Fact]
    public void Schema_PropertyNames_MatchTheContractTypes()
    {
        var schema = Schema();
        var defs = schema["$defs"]!;

        Assert.Equal(WireNames(typeof(MessageRequest)).Order(), SchemaNames(schema).Order());
        Assert.Equal(WireNames(typeof(MessageContentRequest)).Order(), SchemaNames(defs["content"]).Order());
        Assert.Equal(WireNames(typeof(ChannelContentRequest)).Order(), SchemaNames(defs["channelContent"]).Order());
        Assert.Equal(WireNames(typeof(TemplateReference)).Order(), SchemaNames(defs["template"]).Order());
        Assert.False(schema["additionalProperties"]!.GetValue<bool>());
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema["$schema"]!.GetValue<string>());
    }

    [Fact]
    public void Schema_ChannelEnum_IsEveryChannelWireName()
    {
        var names = Schema()["$defs"]!["channel"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>());

        Assert.Equal(Channels.All.Select(c => c.Name()).Order(), names.Order());
    }

    [Fact]
    public void Schema_Limits_MatchTheValidator()
    {
        var defs = Schema()["$defs"]!;

        Assert.Equal(MessageRequestValidator.MaxTextLength, defs["text"]!["maxLength"]!.GetValue<int>());
        Assert.Equal(MessageRequestValidator.MaxSubjectLength, defs["subject"]!["maxLength"]!.GetValue<int>());
        Assert.Equal(MessageRequestValidator.MaxHtmlLength, defs["html"]!["maxLength"]!.GetValue<int>());
        Assert.Equal(MessageRequestValidator.MaxIdLength, defs["id"]!["maxLength"]!.GetValue<int>());
        var properties = Schema()["properties"]!;
        Assert.Equal(MessageRequestValidator.MaxTags, properties["tags"]!["maxItems"]!.GetValue<int>());
        Assert.Equal(MessageRequestValidator.MaxTagLength, properties["tags"]!["items"]!["maxLength"]!.GetValue<int>());
        Assert.Equal(MessageRequestValidator.MaxCorrelationIdLength, properties["correlationId"]!["maxLength"]!.GetValue<int>());
        Assert.Equal(Omni.Core.Consent.ConsentCategories.Compliance, properties["category"]!["not"]!["const"]!.GetValue<string>());
        Assert.Equal(["critical", "high", "normal", "low"], properties["urgency"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.All(properties["urgency"]!["enum"]!.AsArray(), n => Assert.True(MessageRequestValidator.TryParseUrgency(n!.GetValue<string>(), out _)));
        Assert.All(properties["strategy"]!["enum"]!.AsArray(), n => Assert.True(MessageRequestValidator.TryParseStrategy(n!.GetValue<string>(), out _)));
    }

    [Theory]
    [InlineData("""{"contactId":"a","category":"security","content":{"text":"x"},"unknown":1}""")]
    [InlineData("""{"contactId":"a","category":"security","content":{"text":"x","colour":"red"}}""")]
    [InlineData("""{"contactId":"a","category":"security","content":{"template":{"id":"t","version":2}}}""")]
    public void StrictReading_RefusesUnknownMembers(string json)
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<MessageRequest>(json, StrictJson.Options));
    }
}
