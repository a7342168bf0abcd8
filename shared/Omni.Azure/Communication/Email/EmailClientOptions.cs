using Azure.Core;
using Omni.Azure.Core;

namespace Omni.Azure.Communication.Email;

/// <summary>Options for <see cref="EmailClient"/>: API version, transport, retries (<see cref="ClientOptions.Retry"/>), diagnostics.</summary>
public class EmailClientOptions : ClientOptions
{
    /// <summary>The newest GA version.</summary>
    internal const ServiceVersion LatestVersion = ServiceVersion.V2025_09_01;

    /// <summary>Creates options for <paramref name="version"/> with Omni's retry policy.</summary>
    public EmailClientOptions(ServiceVersion version = LatestVersion)
    {
        ApiVersion = version switch
        {
            ServiceVersion.V2023_03_31 => "2023-03-31",
            ServiceVersion.V2025_09_01 => "2025-09-01",
            _ => throw new ArgumentOutOfRangeException(nameof(version), version, "Unsupported Email API version."),
        };
        RetryPolicy = new TransientRetryPolicy(Retry);
    }

    /// <summary>The Email REST API versions this client can speak (both GA; the request shape Omni uses is the same).</summary>
    public enum ServiceVersion
    {
        /// <summary>2023-03-31, the first GA version.</summary>
        V2023_03_31 = 1,

        /// <summary>2025-09-01, the newest GA version.</summary>
        V2025_09_01 = 2,
    }

    internal string ApiVersion { get; }

    /// <summary>Clock for <c>x-ms-date</c> (a fake in tests).</summary>
    internal TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
