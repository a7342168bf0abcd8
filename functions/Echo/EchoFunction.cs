using System.Text.Json;
using System.Text.Json.Serialization;
using Omni.Azure.ServiceBus;
using Omni.Functions.Hosting;
using Omni.Hosting;

namespace Omni.Functions.Echo;

/// <summary>
/// The pipeline self-test: a message on the <c>echo</c> queue comes back on <c>echo-replies</c>, proving that
/// queue → host → handler → Service Bus send works in a deployment. <c>failUntilDelivery</c> makes it fail on purpose
/// until that delivery, to watch redelivery and dead-lettering.
/// </summary>
public sealed class EchoFunction(ServiceBusClient serviceBus) : IServiceBusFunction
{
    public const string Name = "Echo";
    public const string ReplyQueue = "echo-replies";

    public async Task<InvocationResult> RunAsync(ServiceBusTriggerMessage message, CancellationToken cancellationToken)
    {
        var request = EchoRequest.Parse(message.Body.Span);
        if (message.DeliveryCount < request.FailUntilDelivery)
        {
            throw new EchoRequestedFailureException(message.DeliveryCount, request.FailUntilDelivery);
        }

        var reply = new EchoReply(message.MessageId, message.DeliveryCount, request.Text);
        await serviceBus.CreateSender(ReplyQueue).SendMessageAsync(new ServiceBusMessage(BinaryData.FromObjectAsJson(reply, EchoJson.Options))
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
    /// <summary>A JSON body <c>{"text": ..., "failUntilDelivery": n}</c>; any other body is echoed as text.</summary>
    public static EchoRequest Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            var parsed = JsonSerializer.Deserialize<EchoRequest>(body, EchoJson.Options);
            if (parsed is not null)
            {
                return parsed;
            }
        }
        catch (JsonException)
        {
        }
        return new EchoRequest(System.Text.Encoding.UTF8.GetString(body), 0);
    }
}

public sealed record EchoReply(string? MessageId, int DeliveryCount, string? Text);

internal static class EchoJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

public sealed class EchoRequestedFailureException(int delivery, int until)
    : Exception($"Failing on purpose: delivery {delivery}, asked to fail until delivery {until}.");
