using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Omni.Hosting;

namespace Omni.Functions.Tests;

/// <summary>The files that drive Azure agree with the code that answers: every function.json has its route or handler.</summary>
public sealed class FunctionAppLayoutTests : IDisposable
{
    private readonly FunctionAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private static FunctionAppManifest Manifest => FunctionAppManifest.Load(AppContext.BaseDirectory);

    internal static string RepositoryFile(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Omni.Functions.sln")))
            {
                return Path.Combine([dir.FullName, .. parts]);
            }
        }
        throw new InvalidOperationException("Omni.Functions.sln not found.");
    }

    private static bool Matches(string template, string path)
    {
        var parsed = Microsoft.AspNetCore.Routing.Template.TemplateParser.Parse(template.TrimStart('/'));
        // Literal-to-literal: the sample path may already hold "sample" where the template has a parameter.
        var matcher = new Microsoft.AspNetCore.Routing.Template.TemplateMatcher(parsed, new Microsoft.AspNetCore.Routing.RouteValueDictionary(
            parsed.Parameters.Where(p => p.IsOptional).ToDictionary(p => p.Name!, _ => (object?)null)));
        return matcher.TryMatch("/" + path.TrimStart('/'), new Microsoft.AspNetCore.Routing.RouteValueDictionary());
    }

    /// <summary>A concrete path for a route template: every parameter filled in, optional ones both ways.</summary>
    private static IEnumerable<string> SamplePaths(string template)
    {
        var withOptional = System.Text.RegularExpressions.Regex.Replace(template, @"\{[^}]+\}", "sample");
        var withoutOptional = System.Text.RegularExpressions.Regex.Replace(
            System.Text.RegularExpressions.Regex.Replace(template, @"/\{[^}]+\?\}", ""), @"\{[^}]+\}", "sample");
        return new[] { withOptional, withoutOptional }.Distinct();
    }

    private List<RouteEndpoint> ApiEndpoints()
    {
        _ = _factory.Server; // builds the app
        return _factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.TrimStart('/').StartsWith("api/", StringComparison.Ordinal))
            .ToList();
    }

    private static IReadOnlyList<string> Methods(RouteEndpoint endpoint) =>
        endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [];

    [Fact]
    public void EveryHttpFunction_IsProxiedAndEveryRouteAndMethodHasAnEndpoint()
    {
        var endpoints = ApiEndpoints();
        var http = Manifest.Functions.Where(f => f.IsHttpTriggered).ToList();

        Assert.NotEmpty(http);
        foreach (var function in http)
        {
            Assert.True(function.IsHttpInAndOut, $"{function.Name} has bindings beyond httpTrigger + http, so the host would not proxy it");
            // Every parameter filled in: every method of the function.json must be served.
            var full = SamplePaths("/api/" + function.Trigger.Route).First();
            var methods = endpoints.Where(e => Matches(e.RoutePattern.RawText!, full)).SelectMany(Methods).ToHashSet();
            Assert.All(function.Trigger.Methods, m => Assert.Contains(m, methods));
            // Optional parameters left out (contacts/{id?} → contacts, the look-up): something must answer there too.
            foreach (var path in SamplePaths("/api/" + function.Trigger.Route).Skip(1))
            {
                Assert.True(endpoints.Any(e => Matches(e.RoutePattern.RawText!, path)), $"{function.Name}: no endpoint answers {path}");
            }
        }
    }

    [Fact]
    public void EveryApiEndpoint_IsReachableThroughAFunctionJson()
    {
        // In Azure the host only forwards what some function.json routes; an endpoint outside them is dead code.
        var routes = Manifest.Functions.Where(f => f.IsHttpTriggered).ToList();

        foreach (var endpoint in ApiEndpoints())
        {
            foreach (var path in SamplePaths(endpoint.RoutePattern.RawText!))
            {
                foreach (var method in Methods(endpoint))
                {
                    Assert.True(routes.Any(f => Matches("api/" + f.Trigger.Route, path.TrimStart('/')) && f.Trigger.Methods.Contains(method)),
                        $"{method} {path} is mapped in the handler but no function.json routes it");
                }
            }
        }
    }

    [Fact]
    public void EveryEndpointAKeyGuards_NamesItsCallerRole()
    {
        // In Entra ID mode keyed functions are published anonymous and the handler's role check is all that guards them:
        // an endpoint behind a function or admin key without a role requirement would be open to every caller.
        var keyed = Manifest.Functions.Where(f => f.IsHttpTriggered && !string.Equals(f.Trigger.AuthLevel, "anonymous", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.NotEmpty(keyed);

        foreach (var endpoint in ApiEndpoints())
        {
            foreach (var path in SamplePaths(endpoint.RoutePattern.RawText!))
            {
                foreach (var method in Methods(endpoint))
                {
                    if (keyed.Any(f => Matches("api/" + f.Trigger.Route, path.TrimStart('/')) && f.Trigger.Methods.Contains(method)))
                    {
                        Assert.True(endpoint.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Any(a => a.Policy is not null),
                            $"{method} {path} sits behind a key but requires no caller role");
                    }
                }
            }
        }
    }

    [Fact]
    public void EveryServiceBusTrigger_ReadsBinaryFromAQueueInTheQueuesFile()
    {
        var queues = (JsonNode.Parse(File.ReadAllText(RepositoryFile("infra", "queues.json")))!["queues"] as JsonArray)!
            .Select(q => q!["name"]!.GetValue<string>()).ToHashSet();

        foreach (var function in Manifest.Functions.Where(f => f.IsServiceBusTriggered))
        {
            Assert.True(function.Trigger.IsBinary, $"{function.Name}: Omni's triggers use dataType binary (exact bytes, no metadata pollution)");
            Assert.Contains(function.Trigger.QueueName!, queues);
            Assert.Equal("ServiceBusConnection", function.Trigger.Connection);
        }
    }

    [Fact]
    public void HostJson_ProxiesHttpAndStartsThisExecutable()
    {
        var host = JsonNode.Parse(File.ReadAllText(RepositoryFile("host.json")))!;

        Assert.Equal("2.0", host["version"]!.GetValue<string>());
        Assert.Equal("Omni.Functions", host["customHandler"]!["description"]!["defaultExecutablePath"]!.GetValue<string>());
        Assert.Equal(typeof(Program).Assembly.GetName().Name, Manifest.Host.DefaultExecutablePath);
        Assert.True(Manifest.Host.EnableProxyingHttpRequest);
        Assert.Equal("[4.*, 5.0.0)", host["extensionBundle"]!["version"]!.GetValue<string>());
        Assert.Equal("Microsoft.Azure.Functions.ExtensionBundle", host["extensionBundle"]!["id"]!.GetValue<string>());
        // The handler cannot settle messages itself: auto-complete must stay on.
        Assert.True(Manifest.Host.ServiceBusAutoCompleteMessages);
        Assert.NotNull(Manifest.Host.ServiceBusMaxConcurrentCalls);
    }
}
