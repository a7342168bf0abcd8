namespace Omni.DevHost;

/// <summary>What the DevHost runs and where. Every path may be relative to the current directory.</summary>
public sealed record DevHostOptions
{
    /// <summary>The function app folder: host.json, the function folders and the handler executable.</summary>
    public required string AppRoot { get; init; }

    /// <summary>Port for the functions' HTTP routes, the Service Bus REST endpoint and the DevHost's own API; 0 picks a free one.</summary>
    public int Port { get; init; } = 7071;

    /// <summary>
    /// Port of the Service Bus AMQP listener on 127.0.0.1 (<see cref="Amqp.AmqpFront"/>), which the Service Bus SDKs use;
    /// 0 (the default here, so test hosts never collide) picks a free one. The command's default is 5672 (<c>--amqp-port</c>).
    /// </summary>
    public int AmqpPort { get; init; }

    /// <summary>Azurite's Table port: an Azurite already listening there is used, otherwise one is started there. 0: a private in-memory Azurite on a free port.</summary>
    public int AzuriteTablePort { get; init; } = Storage.Azurite.DefaultTablePort;

    /// <summary>Where a started Azurite keeps its data (ignored for the in-memory one unless <see cref="PrivateAzuriteOnDisk"/>).</summary>
    public string? AzuriteLocation { get; init; }

    /// <summary>
    /// With <see cref="AzuriteTablePort"/> 0: the private Azurite keeps its data in <see cref="AzuriteLocation"/> (required)
    /// instead of memory, so <c>DevHostServer.Storage</c>'s StopAsync then StartAsync (a storage outage drill) loses nothing.
    /// </summary>
    public bool PrivateAzuriteOnDisk { get; init; }

    /// <summary>Delivery fault drills applied to every queue at start (duplicate and out-of-order delivery); none by default.</summary>
    public ServiceBus.DeliveryFaults DeliveryFaults { get; init; } = ServiceBus.DeliveryFaults.None;

    /// <summary>How the sandbox delivers ACS events: to the emulated <c>acs-events</c> queue (as deployed) or to the webhook.</summary>
    public Sandbox.AcsEventsDelivery AcsEvents { get; init; } = Sandbox.AcsEventsDelivery.Queue;

    /// <summary>
    /// How far the clock is shifted (<c>--clock</c>, <c>--clock-offset</c>): the handler (through <c>Omni__ClockOffset</c>),
    /// the Service Bus emulator's schedule and the sandbox all see now + this, so quiet hours can be shown at any hour.
    /// Zero (the default): the real time.
    /// </summary>
    public TimeSpan ClockOffset { get; init; }

    /// <summary>
    /// Whether HTTP functions need the key their <c>authLevel</c> asks for, as in Azure (the default); false
    /// (<c>--no-keys</c>): every function answers without one. See <see cref="Http.FunctionKeys"/>.
    /// </summary>
    public bool RequireKeys { get; init; } = true;

    /// <summary>The function key; null: <c>DevHost__FunctionKey</c> from the environment or local.settings.json, else <c>local-function-key</c>.</summary>
    public string? FunctionKey { get; init; }

    /// <summary>The master key; null: <c>DevHost__MasterKey</c> from the environment or local.settings.json, else <c>local-master-key</c>.</summary>
    public string? MasterKey { get; init; }

    /// <summary>
    /// How long a proxied HTTP call may go without a byte either way before it fails with a bare 500: the host's 240 s
    /// (YARP's activity timeout). Tests shorten it.
    /// </summary>
    internal TimeSpan HandlerActivityTimeout { get; init; } = Http.HandlerForwarder.HostActivityTimeout;

    /// <summary>A Table Storage connection string to use instead of Azurite (no Azurite is started).</summary>
    public string? StorageConnectionString { get; init; }

    /// <summary>infra/queues.json: the queues and their settings.</summary>
    public string? QueuesFile { get; init; }

    /// <summary>local.settings.json, as func start reads it.</summary>
    public string? LocalSettingsFile { get; init; }

    /// <summary>Environment variables for the handler that win over every other source.</summary>
    public IReadOnlyDictionary<string, string> HandlerEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>Finds the repository root (the folder with Omni.Functions.sln) above <paramref name="start"/>.</summary>
    public static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Omni.Functions.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
