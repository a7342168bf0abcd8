using Azure.Core;
using Omni.Azure.Core;

namespace Omni.Azure.ServiceBus;

/// <summary>Options for <see cref="ServiceBusClient"/>: transport, retries (<see cref="ClientOptions.Retry"/>), diagnostics, limits.</summary>
public class ServiceBusClientOptions : ClientOptions
{
    /// <summary>Creates options with Omni's retry policy (<see cref="TransientRetryPolicy"/> over <see cref="ClientOptions.Retry"/>).</summary>
    public ServiceBusClientOptions()
    {
        RetryPolicy = new TransientRetryPolicy(Retry);
    }

    /// <summary>
    /// The largest message or batch body the client will send: 256 KB (the Standard tier limit) by default;
    /// raise it for Premium namespaces. Checked before sending so an oversized batch fails fast.
    /// </summary>
    public long MaxMessageSizeInBytes { get; set; } = 256 * 1024;

    /// <summary>Clock for SAS token expiry (a fake in tests).</summary>
    internal TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
