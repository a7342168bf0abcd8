using Omni.Hosting;

namespace Omni.Hosting.Tests;

public sealed class FunctionAppManifestTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("omni-manifest-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string relative, string json)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json);
    }

    private const string HostJson = """
        {
          "version": "2.0",
          "customHandler": { "description": { "defaultExecutablePath": "Omni.Functions", "arguments": ["--x", "%FUNCTIONS_CUSTOMHANDLER_PORT%"] }, "enableProxyingHttpRequest": true },
          "extensions": { "http": { "routePrefix": "api" }, "serviceBus": { "maxConcurrentCalls": 4, "autoCompleteMessages": true } },
          "functionTimeout": "00:10:00"
        }
        """;

    [Fact]
    public void Load_AppFolder_ReadsHostSettingsAndEveryFunction()
    {
        Write("host.json", HostJson);
        Write("Health/function.json", """{"bindings":[{"type":"httpTrigger","direction":"in","name":"req","methods":["get"],"route":"health"},{"type":"http","direction":"out","name":"res"}]}""");
        Write("Echo/function.json", """{"bindings":[{"type":"serviceBusTrigger","direction":"in","name":"message","queueName":"echo","connection":"ServiceBusConnection","dataType":"binary"}]}""");
        Write("NotAFunction/readme.txt", "ignored");

        var manifest = FunctionAppManifest.Load(_root);

        Assert.Equal("Omni.Functions", manifest.Host.DefaultExecutablePath);
        Assert.Equal(["--x", "%FUNCTIONS_CUSTOMHANDLER_PORT%"], manifest.Host.Arguments);
        Assert.True(manifest.Host.EnableProxyingHttpRequest);
        Assert.Equal(4, manifest.Host.ServiceBusMaxConcurrentCalls);
        Assert.Equal(TimeSpan.FromMinutes(10), manifest.Host.FunctionTimeout);
        Assert.Equal(["Echo", "Health"], manifest.Functions.Select(f => f.Name));
        var echo = manifest.Find("echo")!;
        Assert.True(echo.IsServiceBusTriggered);
        Assert.True(echo.Trigger.IsBinary);
        Assert.Equal("echo", echo.Trigger.QueueName);
        var health = manifest.Find("Health")!;
        Assert.True(health.IsHttpInAndOut);
        Assert.Equal(["GET"], health.Trigger.Methods);
    }

    [Theory]
    // No maxAutoLockRenewalDuration: the extension's 5 minutes, below the 10-minute function timeout.
    [InlineData(null, "00:10:00", 300)]
    [InlineData("00:02:00", "00:10:00", 120)]
    // A function timeout below the lock renewal is the limit.
    [InlineData("00:05:00", "00:01:30", 90)]
    // "-1" is no function timeout (Premium/Dedicated): the lock renewal alone.
    [InlineData("00:05:00", "-1", 300)]
    public void ServiceBusInvocationLimit_LockRenewalAndTimeout_IsTheSmaller(string? renewal, string timeout, int expectedSeconds)
    {
        var serviceBus = renewal is null ? "{}" : $$"""{ "maxAutoLockRenewalDuration": "{{renewal}}" }""";
        Write("host.json", $$"""
            { "version": "2.0", "customHandler": { "description": { "defaultExecutablePath": "x" } },
              "extensions": { "serviceBus": {{serviceBus}} }, "functionTimeout": "{{timeout}}" }
            """);

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), FunctionAppManifest.Load(_root).Host.ServiceBusInvocationLimit);
    }

    [Fact]
    public void Load_DurationThatIsNotOne_SaysWhere()
    {
        Write("host.json", """{ "version": "2.0", "customHandler": { "description": { "defaultExecutablePath": "x" } }, "functionTimeout": "ten minutes" }""");

        var error = Assert.Throws<FunctionAppManifestException>(() => FunctionAppManifest.Load(_root));

        Assert.Contains("'ten minutes' at $.functionTimeout is not a duration", error.Message);
    }

    [Fact]
    public void IsHttpInAndOut_HttpFunctionWithExtraOutput_IsFalse()
    {
        // Any binding beyond httpTrigger + http sends the function through payload mode (no byte-exact proxying).
        Write("host.json", HostJson);
        Write("Send/function.json", """{"bindings":[{"type":"httpTrigger","direction":"in","name":"req"},{"type":"http","direction":"out","name":"res"},{"type":"serviceBus","direction":"out","name":"out","queueName":"q"}]}""");

        Assert.False(FunctionAppManifest.Load(_root).Find("Send")!.IsHttpInAndOut);
    }

    [Theory]
    [InlineData("{}", "customHandler.description is missing")]
    [InlineData("""{"customHandler":{"description":{}}}""", "defaultExecutablePath is missing")]
    [InlineData("{ not json", "invalid JSON")]
    public void Load_BadHostJson_ThrowsWithReason(string hostJson, string reason)
    {
        Write("host.json", hostJson);

        var error = Assert.Throws<FunctionAppManifestException>(() => FunctionAppManifest.Load(_root));

        Assert.Contains(reason, error.Message);
    }

    [Theory]
    [InlineData("""{"bindings":[]}""", "non-empty array")]
    [InlineData("""{"bindings":[{"type":"http","direction":"out","name":"res"}]}""", "exactly one trigger")]
    [InlineData("""{"bindings":[{"type":"serviceBusTrigger","direction":"in","name":"m"}]}""", "needs a queueName")]
    [InlineData("""{"bindings":[{"type":"serviceBusTrigger","direction":"in","queueName":"q"}]}""", "missing 'name'")]
    public void Load_BadFunctionJson_ThrowsWithReason(string functionJson, string reason)
    {
        Write("host.json", HostJson);
        Write("Broken/function.json", functionJson);

        var error = Assert.Throws<FunctionAppManifestException>(() => FunctionAppManifest.Load(_root));

        Assert.Contains(reason, error.Message);
        Assert.Contains("Broken", error.Message);
    }

    [Fact]
    public void Load_NoHostJson_Throws()
    {
        Assert.Throws<FunctionAppManifestException>(() => FunctionAppManifest.Load(_root));
    }
}
