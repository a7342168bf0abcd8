using Omni.DevHost.Handler;
using Omni.Hosting;
using Yarp.ReverseProxy.Forwarder;

namespace Omni.DevHost.Http;

/// <summary>
/// HTTP functions as the host serves them with <c>enableProxyingHttpRequest</c>: the request goes to the handler
/// through the host's forwarder (<see cref="HandlerForwarder"/>) with its path (route prefix included), query and body
/// unchanged, <c>Host</c> replaced by the handler's address and this server's view of the caller in
/// <c>X-Forwarded-*</c>; the response streams back as is. A handler that cannot be reached or goes quiet past the
/// activity timeout gets the host's answer, a bare 500.
/// </summary>
public sealed class FunctionProxy(HandlerProcess handler, HandlerForwarder forwarder, PayloadModeInvoker payloadMode, ILogger<FunctionProxy> logger)
{
    public void Map(IEndpointRouteBuilder app, FunctionAppManifest manifest, ILogger log)
    {
        foreach (var function in manifest.Functions.Where(f => f.IsHttpTriggered))
        {
            var proxied = function.IsHttpInAndOut && manifest.Host.EnableProxyingHttpRequest;
            if (!proxied)
            {
                log.LogWarning("Function {Function} is not proxied (it needs exactly an httpTrigger and an http output, and " +
                               "enableProxyingHttpRequest in host.json): it is invoked in payload mode, POST /{Function}, as the host would.",
                    function.Name, function.Name);
            }
            RequestDelegate invoke = proxied ? c => ForwardAsync(c, function) : c => payloadMode.InvokeAsync(c, function);
            var route = (function.Trigger.Route ?? function.Name).TrimStart('/');
            var pattern = string.IsNullOrEmpty(manifest.Host.RoutePrefix) ? "/" + route : $"/{manifest.Host.RoutePrefix.Trim('/')}/{route}";
            var endpoint = function.Trigger.Methods.Count > 0
                ? app.MapMethods(pattern, function.Trigger.Methods, invoke)
                : app.Map(pattern, invoke);
            endpoint.WithDisplayName(function.Name).ExcludeFromDescription();
        }
    }

    public async Task ForwardAsync(HttpContext context, FunctionDefinition function)
    {
        Uri baseAddress;
        try
        {
            baseAddress = await handler.WaitUntilReadyAsync(context.RequestAborted).WaitAsync(TimeSpan.FromSeconds(30), context.RequestAborted);
        }
        catch (TimeoutException)
        {
            await WriteProblemAsync(context, 503, "The handler is not ready", "The function app's handler did not become ready within 30 s.");
            return;
        }

        var invocationId = Guid.NewGuid().ToString();
        var error = await forwarder.ForwardAsync(context, baseAddress, invocationId);
        if (error == ForwarderError.None || context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        logger.LogWarning(context.GetForwarderErrorFeature()?.Exception, "Function {Function} ({InvocationId}): the handler did not answer ({Error}).",
            function.Name, invocationId, error);
        if (!context.Response.HasStarted)
        {
            // The forwarder has set 502/504, but the host fails the invocation and its exception middleware answers a
            // bare 500 (status only, no body) before anything was sent: so does the DevHost.
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        }
    }

    private static Task WriteProblemAsync(HttpContext context, int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context);
}
