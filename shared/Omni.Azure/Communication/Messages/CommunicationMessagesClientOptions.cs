using Azure.Core;
using Omni.Azure.Core;

namespace Omni.Azure.Communication.Messages;

/// <summary>Options for <see cref="NotificationMessagesClient"/>: API version, transport, retries (<see cref="ClientOptions.Retry"/>), diagnostics.</summary>
public class CommunicationMessagesClientOptions : ClientOptions
{
    /// <summary>
    /// The default version: 2024-08-30 is the newest GA version the official .NET SDK ships; 2024-11-15 has a
    /// stable spec but is not yet in that SDK's list.
    /// </summary>
    internal const ServiceVersion DefaultVersion = ServiceVersion.V2024_08_30;

    /// <summary>Creates options for <paramref name="version"/> with Omni's retry policy.</summary>
    public CommunicationMessagesClientOptions(ServiceVersion version = DefaultVersion)
    {
        ApiVersion = version switch
        {
            ServiceVersion.V2024_08_30 => "2024-08-30",
            ServiceVersion.V2024_11_15 => "2024-11-15",
            _ => throw new ArgumentOutOfRangeException(nameof(version), version, "Unsupported Messages API version."),
        };
        RetryPolicy = new TransientRetryPolicy(Retry);
    }

    /// <summary>The Advanced Messaging REST API versions this client can speak.</summary>
    public enum ServiceVersion
    {
        /// <summary>2024-08-30 (GA).</summary>
        V2024_08_30 = 1,

        /// <summary>2024-11-15 (stable spec).</summary>
        V2024_11_15 = 2,
    }

    internal string ApiVersion { get; }

    /// <summary>Clock for <c>x-ms-date</c> and default repeatability timestamps (a fake in tests).</summary>
    internal TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
