using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Template;

namespace Omni.Functions.Http;

/// <summary>
/// The problem+json body of the errors routing answers itself without one (<c>UseStatusCodePages</c>), with a detail
/// that says what to send instead: no endpoint at the path (404), a method the path does not take (405, naming the
/// Allow header routing sets) and a Content-Type no endpoint of the path and method accepts (415, naming the ones they
/// do). Any other bodiless error keeps just its status and title.
/// </summary>
public static class StatusCodePages
{
    public static Task WriteAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        var endpoint = http.GetEndpoint();
        var detail = status switch
        {
            StatusCodes.Status404NotFound when endpoint is null =>
                "No endpoint has this path; the API is described at /api/openapi.json.",
            StatusCodes.Status405MethodNotAllowed when http.Response.Headers.Allow is { Count: > 0 } allow =>
                $"This path does not take {http.Request.Method}; use {allow.ToString()} (the Allow header).",
            StatusCodes.Status415UnsupportedMediaType when endpoint?.Metadata.GetMetadata<IAcceptsMetadata>() is null =>
                Problems.SendAs(AcceptedMediaTypes(http), http.Request.ContentType),
            _ => null,
        };
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        return problems.WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = { Status = status, Detail = detail } }).AsTask();
    }

    /// <summary>
    /// The media types the endpoints of this path and method accept. Routing's 415 endpoint carries none of them, so
    /// they are looked up again here: an error path, rare enough for a scan of the endpoint list.
    /// </summary>
    private static List<string> AcceptedMediaTypes(HttpContext http)
    {
        var accepted = new List<string>();
        foreach (var endpoint in http.RequestServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is not { ContentTypes.Count: > 0 } accepts
                || endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(http.Request.Method, StringComparer.OrdinalIgnoreCase) != true
                || !new TemplateMatcher(new RouteTemplate(endpoint.RoutePattern), new RouteValueDictionary()).TryMatch(http.Request.Path, new RouteValueDictionary()))
            {
                continue;
            }
            accepted.AddRange(accepts.ContentTypes.Except(accepted, StringComparer.OrdinalIgnoreCase));
        }
        return accepted;
    }
}
