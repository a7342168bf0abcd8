using Omni.DevHost.Sandbox;
using Xunit.Abstractions;

namespace Omni.EndToEnd.Tests.Faults;

/// <summary>SMS through Twilio only (no idempotency key), with a one-minute confirmation window.</summary>
public sealed class TwilioOnlyFaultFixture : ProcessFaultHostFixture
{
    protected override IReadOnlyDictionary<string, string> HandlerEnvironment => new Dictionary<string, string>
    {
        ["Sms__Providers"] = "twilio",
        ["Twilio__ConfirmWindowSeconds"] = "60",
    };
}

/// <summary>
/// Issue 10, "handler killed mid-invocation … no double send", at the provider that cannot recognise a repeat: the handler
/// dies while Twilio holds its answer to a send it has accepted. The redelivered step must not call Twilio again; Twilio's
/// status callback (found by the message/step hints of its URL) makes the message delivered.
/// </summary>
public sealed class InterruptedTwilioSendTests(TwilioOnlyFaultFixture fixture, ITestOutputHelper output) : IClassFixture<TwilioOnlyFaultFixture>
{
    [Fact]
    public async Task HandlerKilledDuringTheTwilioCall_TheStepIsNotSentAgain_AndTheCallbackDeliversIt()
    {
        var server = fixture.Server;
        // Twilio takes the message, then holds its answer for 8 s; the status callback follows 2 s after the send.
        server.Sandbox.Rules.Replace([new SandboxRule { Provider = "twilio", Response = SandboxResponse.Timeout, Accept = true, HoldMs = 8000, ReportDelayMs = 2000 }]);
        var run = Guid.NewGuid().ToString("N")[..8];
        var address = FaultMessages.Address("sms", run, 1);
        var (id, _) = await FaultMessages.PostUntilAcceptedAsync(fixture.Http, server.BaseAddress, FaultMessages.Body("sms", address, 1), $"{run}-1", TimeSpan.FromSeconds(30));

        await DevHostFixture.EventuallyAsync(() => server.Sandbox.Calls.List().Count(c => c.Provider == "twilio" && c.Recipient == address && c.Accepted),
            n => n == 1, "Twilio holding its answer to the send", TimeSpan.FromSeconds(30));
        var pid = server.Handler.Kill();
        Assert.NotNull(pid);
        await server.Handler.WaitUntilReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        var report = await DeliveryInvariants.AssertAsync(server, fixture.Http, [id], TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { [address] = id });

        var outcome = report.Outcomes[id];
        output.WriteLine($"{id}: {outcome.Status}; twilio calls: {server.Sandbox.Calls.List().Count(c => c.Provider == "twilio")}");
        Assert.Equal(TerminalKind.Delivered, outcome.Kind);
        Assert.Single(report.AcceptedSends[(id, 0)]);
        Assert.Single(server.Sandbox.Calls.List(), c => c.Provider == "twilio" && c.Recipient == address);
        var history = outcome.Message.GetProperty("attempts")[0].GetProperty("history").EnumerateArray().Select(h => h.GetProperty("source").GetString()).ToList();
        Assert.Contains("calling", history);
    }
}
