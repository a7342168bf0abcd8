using System.Text.Json;
using System.Text.Json.Serialization;
using Omni.Azure.ServiceBus;
using Omni.Functions.Hosting;
using Omni.Functions.Operations;
using Omni.Hosting;

namespace Omni.Functions.Echo;

/// <summary>
/// The pipeline self-test: a message on the <c>echo</c> queue comes back on <c>echo-replies</c>, proving that
/// queue → host → handler → Service Bus send works in a deployment. <c>failUntilDelivery</c> makes it fail on purpose
/// until that delivery, to watch redelivery and dead-lettering. A JSON object body with a wrong-typed member
/// (<see cref="EchoRequest.Parse"/>) breaks the contract: it is copied to the contract-violations queue
/// (<see cref="ContractViolations"/>) and completed, not retried.
/// </summary>
public sealed class EchoFunction(ServiceBusClient serviceBus, ILogger<EchoFunction> logger) : IServiceBusFunction
{
    public const string Name = "Echo";
    public const string ReplyQueue = "echo-replies";

    public async Task<InvocationResult> RunAsync(ServiceBusTriggerMessage message, CancellationToken cancellationToken)
    {
        EchoRequest request;
        try
        {
            request = EchoRequest.Parse(message.Body.Span);
        }
        catch (QueueContractException e)
        {
            await ContractViolations.SendAsync(serviceBus, logger, Name, message, e.Message, cancellationToken);
            return new InvocationResult { Logs = [$"{message.MessageId} violates the echo contract; copied to {ContractViolations.Queue}"] };
        }
        if (message.DeliveryCount < request.FailUntilDelivery)
        {
            throw new EchoRequestedFailureException(message.DeliveryCount, request.FailUntilDelivery);
        }

        var reply = new EchoReply(message.MessageId, message.DeliveryCount, request.Text);
        await serviceBus.CreateSender(ReplyQueue).SendMessageAsync(new ServiceBusMessage(BinaryData.FromObjectAsJson(reply, EchoJsonContext.Default.EchoReply))
        {
            // Deterministic, so a redelivered echo is dropped by duplicate detection instead of replied twice.
            MessageId = $"{message.MessageId}:echo",
            CorrelationId = message.CorrelationId ?? message.MessageId,
            ContentType = "application/json",
        }, cancellationToken);

        return new InvocationResult { Logs = [$"echoed {message.MessageId} on delivery {message.DeliveryCount}"] };
    }
}

public sealed record EchoRequest(string? Text, int FailUntilDelivery)
{
    /// <summary>
    /// A body that is a JSON object is a request <c>{"text": string or null, "failUntilDelivery": whole number ≥ 0}</c>
    /// (names case-insensitive, both optional, other members ignored); a wrong-typed member throws
    /// <see cref="QueueContractException"/>. Any other body (plain text, a JSON string, array or number) is echoed as text.
    /// </summary>
    public static EchoRequest Parse(ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException)
        {
            return AsText(body);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return AsText(body);
            }
            string? text = null;
            var failUntil = 0;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (string.Equals(property.Name, "text", StringComparison.OrdinalIgnoreCase))
                {
                    text = property.Value.ValueKind switch
                    {
                        JsonValueKind.String => property.Value.GetString(),
                        JsonValueKind.Null => null,
                        _ => throw new QueueContractException("The body is not a valid echo request: text must be a string or null."),
                    };
                }
                else if (string.Equals(property.Name, "failUntilDelivery", StringComparison.OrdinalIgnoreCase))
                {
                    if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out failUntil) || failUntil < 0)
                    {
                        throw new QueueContractException("The body is not a valid echo request: failUntilDelivery must be a whole number ≥ 0.");
                    }
                }
            }
            return new EchoRequest(text, failUntil);
        }
    }

    private static EchoRequest AsText(ReadOnlySpan<byte> body) => new(System.Text.Encoding.UTF8.GetString(body), 0);
}

public sealed record EchoReply(string? MessageId, int DeliveryCount, string? Text);

internal static class EchoJson
{
    /// <summary>Source-generated metadata only (<see cref="EchoJsonContext"/>): no reflection-based serialization.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = EchoJsonContext.Default,
    };
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EchoReply))]
[JsonSerializable(typeof(EchoRequest))]
internal sealed partial class EchoJsonContext : JsonSerializerContext;

public sealed class EchoRequestedFailureException(int delivery, int until)
    : Exception($"Failing on purpose: delivery {delivery}, asked to fail until delivery {until}.");
