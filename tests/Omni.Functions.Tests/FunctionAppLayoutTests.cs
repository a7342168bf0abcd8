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

    private static string RepositoryFile(params string[] parts)
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

    [Fact]
    public void EveryHttpFunction_IsProxiedAndMappedUnderItsRouteAndMethods()
    {
        _ = _factory.Server; // builds the app
        var endpoints = _factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var http = Manifest.Functions.Where(f => f.IsHttpTriggered).ToList();

        Assert.NotEmpty(http);
        foreach (var function in http)
        {
            Assert.True(function.IsHttpInAndOut, $"{function.Name} has bindings beyond httpTrigger + http, so the host would not proxy it");
            var pattern = "/api/" + function.Trigger.Route;
            var endpoint = endpoints.FirstOrDefault(e => string.Equals("/" + e.RoutePattern.RawText!.TrimStart('/'), pattern, StringComparison.OrdinalIgnoreCase));
            Assert.True(endpoint is not null, $"{function.Name}: no endpoint for {pattern}");
            var methods = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? [];
            Assert.All(function.Trigger.Methods, m => Assert.Contains(m, methods));
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
