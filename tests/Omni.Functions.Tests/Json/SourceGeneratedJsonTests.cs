using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Omni.Core;
using Omni.Core.Messages;
using Omni.Core.Stats;
using Omni.Functions.Contacts;
using Omni.Functions.Health;
using Omni.Functions.Hosting;
using Omni.Functions.Http;
using Omni.Functions.Inbound;
using Omni.Functions.Messages;
using Omni.Functions.Operations;
using Omni.Functions.Stats;
using Omni.Functions.Templates;
using Omni.Functions.Webhooks;

namespace Omni.Functions.Tests.Json;

/// <summary>
/// Every JSON option holder of the function app, and the minimal-API JSON options, resolve their types from
/// source-generated contexts only: no reflection resolver in the chain, every contract's metadata generated, a missing
/// type fails loudly. Behaviour the generated metadata could change (strictness, nulls, escaping) is pinned against the
/// reflection resolver with the same options.
/// </summary>
public class SourceGeneratedJsonTests
{
    private static readonly Type[] ApiTypes =
    [
        typeof(ContactInput), typeof(ContactResource), typeof(ContactsApi.ContactLookup), typeof(ConsentInput), typeof(ConsentResource),
        typeof(TimelineApi.TimelineResource), typeof(TemplateInput), typeof(TemplateResource), typeof(TemplateList), typeof(PreviewInput),
        typeof(PreviewResult), typeof(MessageRequest), typeof(MessagesApi.MessageBatchRequest), typeof(MessagesApi.MessageAccepted),
        typeof(MessagesApi.MessageBatchAccepted), typeof(MessageView), typeof(List<string>), typeof(ChannelStatsReport),
        typeof(HealthApi.HealthReport), typeof(DeadLettersApi.DeadLetterCounts), typeof(DeadLettersApi.DeadLetterList),
        typeof(DeadLettersApi.DeadLetterActionResult), typeof(WebhooksApi.AcsValidationResponse), typeof(CustomHandlerHosting.Readiness),
        typeof(ServiceBusFunctions.InvocationFailure), typeof(IDictionary<string, string[]>), typeof(Dictionary<string, string[]>), typeof(JsonNode),
    ];

    private static readonly Type[] QueueTypes = [typeof(MessageRequest), typeof(SendStepCommand), typeof(EscalationCheck), typeof(InboundEvent)];

    public static TheoryData<string> OptionHolders() => ["MessageJson.Options", "MessageJson.Strict", "JsonBody.Options", "StatsApi.Json"];

    private static (JsonSerializerOptions Options, Type[] Types) Holder(string name) => name switch
    {
        "MessageJson.Options" => (MessageJson.Options, QueueTypes),
        "MessageJson.Strict" => (MessageJson.Strict, ApiTypes),
        "JsonBody.Options" => (JsonBody.Options, ApiTypes),
        "StatsApi.Json" => (StatsApi.Json, [typeof(ChannelStatsReport)]),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(OptionHolders))]
    public void OptionHolder_ResolvesEveryContractFromGeneratedContexts(string name)
    {
        var (options, types) = Holder(name);

        AssertSourceGeneratedOnly(options, types);
    }

    [Fact]
    public void HttpJsonOptions_ResolveEveryApiTypeFromGeneratedContexts()
    {
        using var factory = new FunctionAppFactory();
        var options = factory.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;

        AssertSourceGeneratedOnly(options, [.. ApiTypes, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), typeof(Microsoft.AspNetCore.Http.HttpValidationProblemDetails)]);
        Assert.Contains(ApiJsonContext.Default, options.TypeInfoResolverChain);
        Assert.Contains(CoreJsonContext.Default, options.TypeInfoResolverChain);
        // The API writes nulls (web defaults), unlike the queues.
        Assert.Equal(JsonIgnoreCondition.Never, options.DefaultIgnoreCondition);
        Assert.Same(JsonNamingPolicy.CamelCase, options.PropertyNamingPolicy);
    }

    [Fact]
    public void MissingType_FailsLoudly_InsteadOfReflecting()
    {
        Assert.Throws<NotSupportedException>(() => JsonSerializer.Serialize(new Uri("https://example.com"), JsonBody.Options));
        Assert.Throws<NotSupportedException>(() => JsonSerializer.Serialize(new { anonymous = true }, MessageJson.Options));
    }

    [Theory]
    [InlineData("""{"contactId":"c-1","content":{"text":"hi"},"unknown":1}""", "$.unknown")]
    [InlineData("""{"contactId":"c-1","content":{"text":"hi","subjekt":"x"}}""", "$.content.subjekt")]
    [InlineData("""{"contactId":"c-1","tags":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}""", null)] // deeper than MaxDepth 16
    public void Strict_RefusesWhatReflectionRefused(string json, string? path)
    {
        var reflected = new JsonSerializerOptions(MessageJson.Strict) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

        var expected = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<MessageRequest>(json, reflected));
        var actual = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<MessageRequest>(json, MessageJson.Strict));

        Assert.Equal(expected.Path, actual.Path);
        if (path is not null)
        {
            Assert.Equal(path, actual.Path);
        }
    }

    [Fact]
    public void Strict_DuplicateProperty_ReadsLikeReflection()
    {
        // Typed reads keep STJ's default (the last value wins, in both); the node reader of JsonBody refuses duplicates.
        const string json = """{"contactId":"c-1","contactId":"c-2","SENDAT":"2025-01-01T00:00:00Z"}""";
        var reflected = new JsonSerializerOptions(MessageJson.Strict) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

        Assert.Equal(JsonSerializer.Deserialize<MessageRequest>(json, reflected), JsonSerializer.Deserialize<MessageRequest>(json, MessageJson.Strict));
        Assert.Equal("c-2", JsonSerializer.Deserialize<MessageRequest>(json, MessageJson.Strict)!.ContactId);
    }

    [Fact]
    public void QueueAndApiBodies_SameBytesAsReflection()
    {
        var request = new MessageRequest
        {
            Id = "m-1", ContactId = "c-1", Category = "marketing", Channels = ["email"], ExpiresAt = DateTimeOffset.Parse("2025-01-02T03:04:05.678+01:00"),
            Content = new MessageContentRequest { Subject = "Ünïcode <b> & \"q\"", Html = "<p>Hi</p>" },
        };
        var accepted = new MessagesApi.MessageBatchAccepted([new MessagesApi.MessageAccepted("m-1", "accepted", "/api/messages/m-1")]);
        var health = new HealthApi.HealthReport("degraded", new Dictionary<string, HealthApi.HealthCheck> { ["storage"] = new("down", 12, null) });

        foreach (var (value, options) in new (object, JsonSerializerOptions)[]
        {
            (request, MessageJson.Options), (new SendStepCommand("m-1", 1), MessageJson.Options), (new EscalationCheck("m-1", 0), MessageJson.Options),
            (request, JsonBody.Options), (accepted, JsonBody.Options), (health, JsonBody.Options),
        })
        {
            var reflected = new JsonSerializerOptions(options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
            Assert.Equal(JsonSerializer.Serialize(value, value.GetType(), reflected), JsonSerializer.Serialize(value, value.GetType(), options));
        }
    }

    [Fact]
    public async Task Readiness_AnswersStatusReady()
    {
        using var factory = new FunctionAppFactory();
        var client = factory.CreateClient();

        var ready = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("""{"status":"ready"}""", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public void HttpJsonOptions_ApiResponse_WritesNullsAndCamelCase()
    {
        using var factory = new FunctionAppFactory();
        var options = factory.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var list = new TemplateList([], null);

        Assert.Equal("""{"items":[],"continuation":null}""", JsonSerializer.Serialize(list, options));
        Assert.Equal("""{"validationResponse":"abc"}""", JsonSerializer.Serialize(new WebhooksApi.AcsValidationResponse("abc"), options));
        Assert.Equal("""{"error":"x failed"}""", JsonSerializer.Serialize(new ServiceBusFunctions.InvocationFailure("x failed"), options));
    }

    private static void AssertSourceGeneratedOnly(JsonSerializerOptions options, IEnumerable<Type> types)
    {
        Assert.IsNotType<DefaultJsonTypeInfoResolver>(options.TypeInfoResolver);
        options.MakeReadOnly(); // as on first use: type infos are then the cached, configured ones
        Assert.NotEmpty(options.TypeInfoResolverChain);
        Assert.All(options.TypeInfoResolverChain, r => Assert.IsAssignableFrom<JsonSerializerContext>(r));
        foreach (var type in types)
        {
            var info = options.GetTypeInfo(type);
            Assert.IsAssignableFrom<JsonSerializerContext>(info.OriginatingResolver);
        }
    }
}
