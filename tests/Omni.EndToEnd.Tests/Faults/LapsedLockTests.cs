using System.Text.Json.Nodes;
using Omni.DevHost;
using Omni.DevHost.Sandbox;
using Xunit.Abstractions;

namespace Omni.EndToEnd.Tests.Faults;

/// <summary>
/// The real handler under a host whose lock renewal is far shorter than the handler's own invocation deadline, as with a
/// handler build that does not stop in time: the DevHost reads a copy of the app's host.json with
/// <c>maxAutoLockRenewalDuration</c> 3 s and a queues file with 1 s locks, while the handler keeps reading the built app's
/// host.json (<c>--FUNCTIONS_APP_ROOT_PATH</c> on its command line wins over the variable the DevHost sets), so it
/// still stops an invocation only after 4 min 30 s. SMS goes through ACS only.
/// </summary>
public sealed class LapsedLockFixture : ProcessFaultHostFixture
{
    public const string LockRenewal = "00:00:03";

    protected override IReadOnlyDictionary<string, string> HandlerEnvironment => new Dictionary<string, string> { ["Sms__Providers"] = "acs" };

    protected override DevHostOptions Configure(DevHostOptions options)
    {
        var built = TestPaths.FunctionAppBuildOutput;
        var app = Directory.CreateDirectory(Path.Combine(DataFolder, "app")).FullName;
        foreach (var function in Directory.EnumerateFiles(built, "function.json", SearchOption.AllDirectories))
        {
            var folder = Directory.CreateDirectory(Path.Combine(app, Path.GetFileName(Path.GetDirectoryName(function)!))).FullName;
            File.Copy(function, Path.Combine(folder, "function.json"));
        }

        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(built, "host.json")))!;
        var description = host["customHandler"]!["description"]!;
        description["defaultExecutablePath"] = Path.Combine(built, description["defaultExecutablePath"]!.GetValue<string>());
        description["arguments"] = new JsonArray("--FUNCTIONS_APP_ROOT_PATH=" + built);
        description["workingDirectory"] = built;
        host["extensions"]!["serviceBus"]!["maxAutoLockRenewalDuration"] = LockRenewal;
        File.WriteAllText(Path.Combine(app, "host.json"), host.ToJsonString());

        var queues = JsonNode.Parse(File.ReadAllText(options.QueuesFile!))!;
        queues["defaults"]!["lockDuration"] = "PT1S";
        var queuesFile = Path.Combine(DataFolder, "queues.json");
        File.WriteAllText(queuesFile, queues.ToJsonString());
        return options with { AppRoot = app, QueuesFile = queuesFile };
    }
}

/// <summary>
/// A send step whose lock lapses while it waits on the provider: Service Bus delivers the step again while the first run
/// goes on, and the first run finishes later. The provider must still see one accepted send, and the message end delivered.
/// </summary>
public sealed class LapsedLockTests(LapsedLockFixture fixture, ITestOutputHelper output) : IClassFixture<LapsedLockFixture>
{
    [Fact]
    public async Task SendStepPastLockRenewal_DeliveredAgainWhileTheFirstRunWaitsOnAcs_SentOnce()
    {
        var server = fixture.Server;
        var run = Guid.NewGuid().ToString("N")[..8];
        var address = FaultMessages.Address("sms", run, 1);
        // ACS takes the send at once and holds its answer for 8 s, well past the 3 s of lock renewal (and 1 s locks).
        server.Sandbox.Rules.Replace([new SandboxRule { Provider = "acs", Channel = "sms", To = address, Response = SandboxResponse.Timeout, Accept = true, HoldMs = 8000 }]);

        var (id, _) = await FaultMessages.PostUntilAcceptedAsync(fixture.Http, server.BaseAddress, FaultMessages.Body("sms", address, 1), $"{run}-1", TimeSpan.FromSeconds(30));

        var sendSms = server.ServiceBus.GetQueue("send-sms")!;
        var step = await DevHostFixture.EventuallyAsync(() => sendSms.Snapshot(includeBodies: true).RecentlyCompleted.FirstOrDefault(m => m.Body!.Contains(id, StringComparison.Ordinal)),
            m => m is not null, "the send step to complete", TimeSpan.FromSeconds(60));
        output.WriteLine($"send step: delivery {step!.DeliveryCount}, failures: {string.Join(" | ", step.Failures)}");
        Assert.True(step.DeliveryCount >= 2, $"the step completed on delivery {step.DeliveryCount}: its lock never lapsed");
        Assert.StartsWith("the lock lapsed while the function still ran", step.Failures[0]);

        // The first run gets ACS's answer late, completes in vain (lock lost), and must change nothing.
        await DevHostFixture.EventuallyAsync(() => server.Handler.InvocationsInFlight, n => n == 0, "the first run to finish", TimeSpan.FromSeconds(30));
        var report = await DeliveryInvariants.AssertAsync(server, fixture.Http, [id], TimeSpan.FromSeconds(60), new Dictionary<string, string> { [address] = id });

        Assert.Equal(TerminalKind.Delivered, report.Outcomes[id].Kind);
        Assert.Single(report.AcceptedSends[(id, 0)]);
        var after = sendSms.Snapshot(includeBodies: true);
        Assert.Single(after.RecentlyCompleted, m => m.Body!.Contains(id, StringComparison.Ordinal));
        Assert.DoesNotContain(after.Messages, m => m.Body!.Contains(id, StringComparison.Ordinal));
        Assert.Empty(after.DeadLetters);
    }
}
