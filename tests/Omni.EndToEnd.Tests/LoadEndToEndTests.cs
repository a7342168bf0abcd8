using Omni.Perf;

namespace Omni.EndToEnd.Tests;

/// <summary>A short open-loop load run through the whole stack (engine shared with `Omni.Perf load`).</summary>
[Collection(DevHostCollection.Name)]
public sealed class LoadEndToEndTests(DevHostFixture fixture) : IDisposable
{
    public void Dispose() => fixture.Server.Sandbox.Rules.Replace([]);

    [Fact]
    public async Task TwentySecondsAtTenMessagesPerSecond_EveryRequestAccepted_EveryMessageDeliveredExactlyOnce()
    {
        var result = await LoadTestEngine.RunAsync(fixture.Server, new LoadRunOptions
        {
            Rate = 10,
            Duration = TimeSpan.FromSeconds(20),
            Contacts = 20,
            WarmUp = TimeSpan.FromSeconds(20), // too short for the memory check: that belongs to the long run
            DrainTimeout = TimeSpan.FromSeconds(90),
        });

        Assert.True(result.Ok, string.Join(Environment.NewLine, result.Failures));
        Assert.Equal(200, result.Posts.Count);
        Assert.All(result.Posts, p => Assert.True(p.Ok, $"POST {p.Index}: {p.Status} {p.Error}"));
        Assert.Equal(200, result.Delivery.Messages.Count(m => m.Status == "delivered"));
    }
}
