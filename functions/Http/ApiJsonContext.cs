using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Omni.Core;
using Omni.Core.Messages;
using Omni.Core.Stats;
using Omni.Functions.Contacts;
using Omni.Functions.Health;
using Omni.Functions.Hosting;
using Omni.Functions.Inbound;
using Omni.Functions.Messages;
using Omni.Functions.Operations;
using Omni.Functions.Templates;
using Omni.Functions.Webhooks;

namespace Omni.Functions.Http;

/// <summary>
/// Source-generated System.Text.Json metadata for every body the HTTP API reads or writes: requests, responses, the
/// values problem details carry in their extensions, and the parameter types the OpenAPI document describes. Together
/// with <see cref="CoreJsonContext"/> it is the whole resolver chain of the minimal-API JSON options
/// (<see cref="ApiJson.Resolver"/>) and of <see cref="JsonBody.Options"/>: no reflection, and a type missing here fails
/// loudly (<see cref="NotSupportedException"/>) rather than silently reflecting.
/// </summary>
/// <remarks>Generated with the API's options (web defaults, nulls written), so responses use the generated fast path.</remarks>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
// Contacts and consent
[JsonSerializable(typeof(ContactInput))]
[JsonSerializable(typeof(ContactResource))]
[JsonSerializable(typeof(ContactsApi.ContactLookup))]
[JsonSerializable(typeof(ConsentInput))]
[JsonSerializable(typeof(ConsentResource))]
[JsonSerializable(typeof(TimelineApi.TimelineResource))]
// Templates
[JsonSerializable(typeof(TemplateInput))]
[JsonSerializable(typeof(TemplateResource))]
[JsonSerializable(typeof(TemplateList))]
[JsonSerializable(typeof(PreviewInput))]
[JsonSerializable(typeof(PreviewResult))]
// Messages
[JsonSerializable(typeof(MessageRequest))]
[JsonSerializable(typeof(MessagesApi.MessageBatchRequest))]
[JsonSerializable(typeof(MessagesApi.MessageAccepted))]
[JsonSerializable(typeof(MessagesApi.MessageBatchAccepted))]
[JsonSerializable(typeof(MessageView))]
[JsonSerializable(typeof(List<string>))] // the message ids of a batch, stored with its Idempotency-Key
// Stats, health, operations
[JsonSerializable(typeof(ChannelStatsReport))]
[JsonSerializable(typeof(HealthApi.HealthReport))]
[JsonSerializable(typeof(DeadLettersApi.DeadLetterCounts))]
[JsonSerializable(typeof(DeadLettersApi.DeadLetterList))]
[JsonSerializable(typeof(DeadLettersApi.DeadLetterActionResult))]
[JsonSerializable(typeof(WebhookSecretsApi.WebhookSecretRequest))]
[JsonSerializable(typeof(WebhookSecretsApi.WebhookSecretResult))]
// Webhooks and the host
[JsonSerializable(typeof(WebhooksApi.AcsValidationResponse))]
[JsonSerializable(typeof(CustomHandlerHosting.Readiness))]
[JsonSerializable(typeof(ServiceBusFunctions.InvocationFailure))]
// Problem details extensions ("errors" of a 422) and merge-patch documents
[JsonSerializable(typeof(IDictionary<string, string[]>))]
[JsonSerializable(typeof(Dictionary<string, string[]>))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonElement))]
// Route and query parameters (the OpenAPI document describes them through these options)
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(int?))]
[JsonSerializable(typeof(bool))]
public sealed partial class ApiJsonContext : JsonSerializerContext;

/// <summary>The resolver chain of the API's JSON options.</summary>
public static class ApiJson
{
    /// <summary><see cref="ApiJsonContext"/> then <see cref="CoreJsonContext"/>; never the reflection resolver.</summary>
    public static IJsonTypeInfoResolver Resolver { get; } = JsonTypeInfoResolver.Combine(ApiJsonContext.Default, CoreJsonContext.Default);

    /// <summary>
    /// Puts <see cref="ApiJsonContext"/> and <see cref="CoreJsonContext"/> first in the chain of <paramref name="options"/>
    /// (the minimal-API options in Program.cs) and removes the reflection resolver. Contexts ASP.NET Core added itself
    /// (problem details, OpenAPI) stay.
    /// </summary>
    public static void UseSourceGeneration(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var chain = options.TypeInfoResolverChain;
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            if (chain[i] is DefaultJsonTypeInfoResolver)
            {
                chain.RemoveAt(i);
            }
        }
        chain.Insert(0, ApiJsonContext.Default);
        chain.Insert(1, CoreJsonContext.Default);
    }
}
