using System.Diagnostics.CodeAnalysis;
using System.Diagnostics;
using Omni.Hosting;
using Omni.Functions.Http;

namespace Omni.Functions.Hosting;

/// <summary>A serviceBusTrigger function: its folder name and what it does with one message.</summary>
public interface IServiceBusFunction
{
    /// <summary>Handles one delivery. Throwing fails the invocation: the host abandons the message and Service Bus redelivers it.</summary>
    Task<InvocationResult> RunAsync(ServiceBusTriggerMessage message, CancellationToken cancellationToken);
}

public static class ServiceBusFunctions
{
    private sealed record Registration(string Name, Type Implementation);

    /// <summary>Registers <typeparamref name="TFunction"/> as the handler of the function folder <paramref name="name"/>.</summary>
    public static IServiceCollection AddServiceBusFunction<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFunction>(this IServiceCollection services, string name)
        where TFunction : class, IServiceBusFunction
    {
        services.AddKeyedScoped<IServiceBusFunction, TFunction>(name);
        services.AddSingleton(new Registration(name, typeof(TFunction)));
        return services;
    }

    /// <summary>
    /// Maps <c>POST /{FunctionName}</c> for every serviceBusTrigger function in the app folder, and refuses to start
    /// when a function.json has no handler or a handler has no function.json: both would lose messages silently.
    /// </summary>
    public static void MapServiceBusFunctions(this WebApplication app)
    {
        var manifest = app.Services.GetRequiredService<FunctionAppManifest>();
        var registered = app.Services.GetServices<Registration>().ToDictionary(r => r.Name, StringComparer.Ordinal);
        var declared = manifest.Functions.Where(f => f.IsServiceBusTriggered).ToList();

        var missing = declared.Where(f => !registered.ContainsKey(f.Name)).Select(f => f.Name).ToList();
        var orphaned = registered.Keys.Where(name => declared.All(f => f.Name != name)).ToList();
        if (missing.Count > 0 || orphaned.Count > 0)
        {
            throw new InvalidOperationException(
                $"Function folders and handlers disagree in '{manifest.Root}': " +
                $"no handler for [{string.Join(", ", missing)}]; no serviceBusTrigger function.json for [{string.Join(", ", orphaned)}].");
        }

        var deadline = InvocationDeadline(manifest.Host);
        foreach (var function in declared)
        {
            app.MapPost("/" + function.Name, (HttpContext context) => InvokeAsync(context, function, deadline))
                .ExcludeFromDescription();
        }
    }

    /// <summary>
    /// Each invocation stops itself a little before the host would give up on it (<see cref="HostSettings.ServiceBusInvocationLimit"/>):
    /// one slow step then fails alone, is abandoned and comes back, instead of its lock lapsing while it still runs (a
    /// second, concurrent delivery) or the host restarting the process under every other invocation in flight.
    /// The margin is a tenth of the limit, at most 30 seconds.
    /// </summary>
    public static TimeSpan InvocationDeadline(HostSettings host)
    {
        var limit = host.ServiceBusInvocationLimit;
        var margin = TimeSpan.FromTicks(Math.Min(limit.Ticks / 10, TimeSpan.FromSeconds(30).Ticks));
        return limit - margin;
    }

    private static async Task InvokeAsync(HttpContext context, FunctionDefinition function, TimeSpan deadline)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Omni.Functions." + function.Name);
        var metrics = context.RequestServices.GetRequiredService<FunctionMetrics>();
        var invocationId = context.Request.Headers["X-Azure-Functions-InvocationId"].ToString();
        ServiceBusTriggerMessage message;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            message = ServiceBusTriggerMessage.FromInvocationPayload(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), function.Trigger);
        }
        catch (InvalidInvocationException e)
        {
            // Not something the host sends; a non-2xx makes the host fail the invocation rather than drop the message.
            logger.LogError("Invocation {InvocationId} of {Function} rejected: {Reason}", invocationId, function.Name, e.Message);
            metrics.Invoked(function.Name, "rejected");
            await WriteFailureAsync(context, StatusCodes.Status400BadRequest, e.Message);
            return;
        }

        // Everything the handler logs carries the message's ids; its sends carry this activity's trace context.
        using var activity = OmniTelemetry.StartInvocationActivity(function, message);
        using var scope = OmniTelemetry.BeginInvocationScope(logger, function, message);
        var handler = context.RequestServices.GetRequiredKeyedService<IServiceBusFunction>(function.Name);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        budget.CancelAfter(deadline);
        InvocationResult result;
        try
        {
            result = await handler.RunAsync(message, budget.Token);
        }
        catch (Exception e) when (budget.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            activity.SetStatus(ActivityStatusCode.Error, "deadline");
            metrics.Invoked(function.Name, "timed-out");
            logger.LogWarning("Invocation {InvocationId} of {Function} stopped at its deadline of {Deadline} on delivery {DeliveryCount} of message {MessageId} ({Error}); Service Bus delivers it again",
                invocationId, function.Name, deadline, message.DeliveryCount, message.MessageId, e.GetType().Name);
            await WriteFailureAsync(context, StatusCodes.Status500InternalServerError,
                $"{function.Name} stopped at its deadline of {deadline:c}, before the message lock or the function timeout would run out.");
            return;
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            activity.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            activity.SetTag("error.type", e.GetType().FullName);
            metrics.Invoked(function.Name, "failed");
            // Message ids are Omni's own deterministic ids, never personal data; the exception text may carry
            // provider responses, so only its type is logged here and the handler logs what it safely can.
            logger.LogWarning("Invocation {InvocationId} of {Function} failed on delivery {DeliveryCount} of message {MessageId}: {Error}",
                invocationId, function.Name, message.DeliveryCount, message.MessageId, e.GetType().Name);
            await WriteFailureAsync(context, StatusCodes.Status500InternalServerError, $"{function.Name} failed: {e.GetType().Name}");
            return;
        }

        metrics.Invoked(function.Name, "succeeded");
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = InvocationResult.ContentType;
        await context.Response.Body.WriteAsync(result.ToJson(), context.RequestAborted);
    }

    private static Task WriteFailureAsync(HttpContext context, int status, string detail)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new InvocationFailure(detail), ApiJsonContext.Default.InvocationFailure, cancellationToken: context.RequestAborted);
    }

    /// <summary>The body of a failed invocation, <c>{"error":"…"}</c> (a named type: the API's JSON is source-generated).</summary>
    public sealed record InvocationFailure(string Error);
}
