using Azure.Core;

namespace Omni.Azure.Tables;

/// <summary>Options for <see cref="TableServiceClient"/> and <see cref="TableClient"/>: retries, transport, diagnostics and the REST version.</summary>
public class TableClientOptions : ClientOptions
{
    internal const ServiceVersion LatestVersion = ServiceVersion.V2019_02_02;

    /// <summary>Creates options for the given service version (the newest supported by default).</summary>
    public TableClientOptions(ServiceVersion serviceVersion = LatestVersion)
    {
        Version = serviceVersion switch
        {
            ServiceVersion.V2019_02_02 => "2019-02-02",
            _ => throw new ArgumentOutOfRangeException(nameof(serviceVersion), serviceVersion, "Unsupported Table service version."),
        };
        Diagnostics.LoggedHeaderNames.Add("x-ms-version");
        Diagnostics.LoggedHeaderNames.Add("x-ms-error-code");
        Diagnostics.LoggedHeaderNames.Add("x-ms-continuation-NextPartitionKey");
        Diagnostics.LoggedHeaderNames.Add("x-ms-continuation-NextRowKey");
        Diagnostics.LoggedHeaderNames.Add("x-ms-continuation-NextTableName");
        Diagnostics.LoggedHeaderNames.Add("Prefer");
        Diagnostics.LoggedHeaderNames.Add("Preference-Applied");
    }

    /// <summary>The value sent as <c>x-ms-version</c>.</summary>
    internal string Version { get; }

    /// <summary>The clock Shared Key signing reads <c>x-ms-date</c> from (replaced in tests).</summary>
    internal TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Versions of the Table service REST API this client speaks.</summary>
    public enum ServiceVersion
    {
        /// <summary>The 2019-02-02 version (JSON payloads, entity group transactions).</summary>
        V2019_02_02 = 1,
    }
}
