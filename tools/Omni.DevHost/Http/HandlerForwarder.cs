using Yarp.ReverseProxy.Forwarder;

namespace Omni.DevHost.Http;

/// <summary>
/// Sends a proxied HTTP invocation to the handler the way the Functions host does with
/// <c>enableProxyingHttpRequest</c>: YARP's forwarder with its default transforms, which copy the request's headers
/// except hop-by-hop ones, <b>set</b> (replace) <c>X-Forwarded-For/Host/Proto</c> from this server's own view of the
/// request, drop <c>X-Forwarded-Prefix</c> (no path base) and <c>Forwarded</c>, and leave <c>Host</c> to the handler's
/// address; the response streams back as the handler writes it.
/// </summary>
/// <remarks>
/// The host's settings: a <see cref="SocketsHttpHandler"/> without redirects or cookies, connect retries
/// (<see cref="ConnectRetryHandler"/>), and a 240 s activity timeout (no bytes either way for that long ends the call).
/// </remarks>
public sealed class HandlerForwarder : IDisposable
{
    /// <summary>The host's <c>ForwarderRequestConfig.ActivityTimeout</c>.</summary>
    public static readonly TimeSpan HostActivityTimeout = TimeSpan.FromSeconds(240);

    internal const string InvocationIdHeader = "X-Azure-Functions-InvocationId";
    internal const string HostVersionHeader = "X-Azure-Functions-HostVersion";

    /// <summary>The host's correlation header for a proxied request, the same value as the invocation id.</summary>
    internal const string CorrelationHeader = "x-ms-invocation-id";

    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _invoker;
    private readonly ForwarderRequestConfig _config;

    public HandlerForwarder(IHttpForwarder forwarder, TimeSpan activityTimeout, ILogger<HandlerForwarder> logger)
    {
        _forwarder = forwarder;
        _invoker = new HttpMessageInvoker(new ConnectRetryHandler(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            // The handler is on loopback; a developer's http_proxy must not capture it (the host sets nothing here).
            UseProxy = false,
        }, logger), disposeHandler: true);
        _config = new ForwarderRequestConfig { ActivityTimeout = activityTimeout };
    }

    /// <summary>
    /// Forwards the request to <paramref name="handler"/> (path and query appended by the forwarder) and streams the
    /// answer back. On <see cref="ForwarderError.None"/> the response is the handler's; otherwise the forwarder has set
    /// 502 (no connection) or 504 (activity timeout) without starting the response, and the caller decides the answer.
    /// </summary>
    public ValueTask<ForwarderError> ForwardAsync(HttpContext context, Uri handler, string invocationId)
    {
        // Set on the incoming request, as the host does, so they replace any a client sent.
        var headers = context.Request.Headers;
        headers[HostVersionHeader] = DevHostServer.HostVersion;
        headers[InvocationIdHeader] = invocationId;
        headers[CorrelationHeader] = invocationId;
        return _forwarder.SendAsync(context, handler.GetLeftPart(UriPartial.Authority), _invoker, _config, HttpTransformer.Default);
    }

    public void Dispose() => _invoker.Dispose();
}
