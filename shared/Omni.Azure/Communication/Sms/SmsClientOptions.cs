using Azure.Core;
using Omni.Azure.Core;

namespace Omni.Azure.Communication.Sms;

/// <summary>Options for <see cref="SmsClient"/>: API version, transport, retries (<see cref="ClientOptions.Retry"/>), diagnostics.</summary>
public class SmsClientOptions : ClientOptions
{
    /// <summary>The newest version this client implements.</summary>
    internal const ServiceVersion LatestVersion = ServiceVersion.V2021_03_07;

    /// <summary>Creates options for <paramref name="version"/> with Omni's retry policy.</summary>
    public SmsClientOptions(ServiceVersion version = LatestVersion)
    {
        ApiVersion = version switch
        {
            ServiceVersion.V2021_03_07 => "2021-03-07",
            _ => throw new ArgumentOutOfRangeException(nameof(version), version, "Unsupported SMS API version."),
        };
        RetryPolicy = new TransientRetryPolicy(Retry);
    }

    /// <summary>The SMS REST API versions this client can speak.</summary>
    public enum ServiceVersion
    {
        /// <summary>The long-standing GA version, 2021-03-07.</summary>
        V2021_03_07 = 1,
    }

    internal string ApiVersion { get; }

    /// <summary>Clock for <c>x-ms-date</c> and default repeatability timestamps (a fake in tests).</summary>
    internal TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
