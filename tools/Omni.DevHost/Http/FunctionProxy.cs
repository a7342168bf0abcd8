using Omni.DevHost.Handler;
using Omni.Hosting;

namespace Omni.DevHost.Http;

/// <summary>
/// HTTP functions as the host serves them with <c>enableProxyingHttpRequest</c>: the request goes to the handler
/// with its path (route prefix included), query and body unchanged, <c>Host</c> replaced by the handler's address and
/// the public host in <c>X-Forwarded-*</c>; the response streams back as is. Function keys are not checked, as with
/// <c>func start</c>.
/// </summary>
public sealed class FunctionProxy(HandlerProcess handler, HttpClient http, ILogger<FunctionProxy> logger)
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host",
    };

    public void Map(IEndpointRouteBuilder app, FunctionAppManifest manifest, ILogger log)
    {
        foreach (var function in manifest.Functions.Where(f => f.IsHttpTriggered))
        {
            if (!function.IsHttpInAndOut || !manifest.Host.EnableProxyingHttpRequest)
            {
                log.LogWarning("Function {Function} is not proxied (it needs exactly an httpTrigger and an http output, and " +
                                  "enableProxyingHttpRequest in host.json); the DevHost does not serve payload-mode HTTP functions.", function.Name);
                continue;
            }
            var route = (function.Trigger.Route ?? function.Name).TrimStart('/');
            var pattern = string.IsNullOrEmpty(manifest.Host.RoutePrefix) ? "/" + route : $"/{manifest.Host.RoutePrefix.Trim('/')}/{route}";
            var endpoint = function.Trigger.Methods.Count > 0
                ? app.MapMethods(pattern, function.Trigger.Methods, (HttpContext c) => ForwardAsync(c, function))
                : app.Map(pattern, (HttpContext c) => ForwardAsync(c, function));
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

        var incoming = context.Request;
        var target = new Uri(baseAddress, incoming.PathBase + incoming.Path + incoming.QueryString);
        using var request = new HttpRequestMessage(new HttpMethod(incoming.Method), target);
        if (incoming.ContentLength > 0 || incoming.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(incoming.Body);
        }
        foreach (var (name, values) in incoming.Headers)
        {
            if (HopByHop.Contains(name))
            {
                continue;
            }
            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }
        request.Headers.Host = baseAddress.Authority;
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", incoming.Host.Value);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", incoming.Scheme);
        if (context.Connection.RemoteIpAddress is { } remote)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", remote.ToString());
        }
        var invocationId = Guid.NewGuid().ToString();
        request.Headers.TryAddWithoutValidation("X-Azure-Functions-HostVersion", DevHostServer.HostVersion);
        request.Headers.TryAddWithoutValidation("X-Azure-Functions-InvocationId", invocationId);
        request.Headers.TryAddWithoutValidation("x-ms-invocation-id", invocationId);

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (HttpRequestException e)
        {
            logger.LogWarning("Function {Function} ({InvocationId}): the handler did not answer: {Error}", function.Name, invocationId, e.Message);
            await WriteProblemAsync(context, 500, "The function failed", "The function app's handler did not answer.");
            return;
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopByHop.Contains(name))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    private static Task WriteProblemAsync(HttpContext context, int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context);
}
