using Omni.DevHost.ServiceBus;

namespace Omni.DevHost.Tests;

public class QueueSettingsTests
{
    [Fact]
    public void Load_RepositoryQueuesFile_AppliesDefaultsAndOverrides()
    {
        var path = Path.Combine(TestPaths.RepositoryRoot, "infra", "queues.json");

        var queues = QueueSettings.Load(path, ["echo", "not-in-file"]).ToDictionary(q => q.Name);

        Assert.Equal(5, queues["echo"].MaxDeliveryCount);
        Assert.Equal(TimeSpan.FromMinutes(1), queues["echo"].LockDuration);
        Assert.Equal(TimeSpan.FromHours(1), queues["echo"].DuplicateDetectionWindow);
        Assert.Equal(TimeSpan.FromHours(1), queues["echo-replies"].DefaultMessageTimeToLive);
        // A trigger's queue missing from the file still exists, with the file's defaults.
        Assert.Equal(10, queues["not-in-file"].MaxDeliveryCount);
        Assert.Equal(TimeSpan.FromDays(14), queues["not-in-file"].DefaultMessageTimeToLive);
    }

    [Fact]
    public void Load_NoFile_TriggerQueuesWithServiceBusDefaults()
    {
        var queue = Assert.Single(QueueSettings.Load(null, ["q"]));

        Assert.Equal("q", queue.Name);
        Assert.Equal(10, queue.MaxDeliveryCount);
    }
}

internal static class TestPaths
{
    public static string RepositoryRoot =>
        DevHostOptions.FindRepositoryRoot(AppContext.BaseDirectory) ?? throw new InvalidOperationException("Omni.Functions.sln not found above the test directory.");
}
