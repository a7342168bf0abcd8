namespace Omni.Infra.Tests;

/// <summary>Where a deployed app gets a configuration key from.</summary>
internal enum KeySource
{
    /// <summary>infra/app/function.bicep sets it as an app setting.</summary>
    Bicep,

    /// <summary>The Functions host sets it for the handler process; docs/deploy.md says so.</summary>
    Host,

    /// <summary>An alternative the code accepts but the deployment does not need; docs/deploy.md lists it.</summary>
    Optional,

    /// <summary>A connection string for local runs only: Bicep must not set it (shared keys and SAS are off in Azure).</summary>
    LocalOnly,
}

/// <summary>A configuration key, the file that reads it, and the text in that file that shows it does.</summary>
internal sealed record ConfigurationKey(string Key, string ReadBy, string Evidence, KeySource Source);

/// <summary>
/// Every configuration key the deployed app reads — the one list the cross-check holds the IaC and the docs to.
/// A feature that reads a new key adds it here (ConfigurationKeysTests finds keys the code reads that are missing).
/// </summary>
internal static class ConfigurationKeys
{
    private const string Connections = "functions/Infrastructure/AzureConnections.cs";
    private const string Hosting = "functions/Hosting/CustomHandlerHosting.cs";

    public static IReadOnlyList<ConfigurationKey> All { get; } =
    [
        new("AzureWebJobsStorage__accountName", Connections, "\"accountName\"", KeySource.Bicep),
        new("AzureWebJobsStorage__credential", Connections, "\"credential\"", KeySource.Bicep),
        new("AzureWebJobsStorage__clientId", Connections, "\"clientId\"", KeySource.Bicep),
        new("AzureWebJobsStorage__tableServiceUri", Connections, "\"tableServiceUri\"", KeySource.Optional),
        new("AzureWebJobsStorage", Connections, "\"AzureWebJobsStorage\"", KeySource.LocalOnly),
        new("ServiceBusConnection__fullyQualifiedNamespace", Connections, "\"fullyQualifiedNamespace\"", KeySource.Bicep),
        new("ServiceBusConnection__credential", Connections, "\"credential\"", KeySource.Bicep),
        new("ServiceBusConnection__clientId", Connections, "\"clientId\"", KeySource.Bicep),
        new("ServiceBusConnection", Connections, "\"ServiceBusConnection\"", KeySource.LocalOnly),
        new("FUNCTIONS_CUSTOMHANDLER_PORT", Hosting, "\"FUNCTIONS_CUSTOMHANDLER_PORT\"", KeySource.Host),
        new("FUNCTIONS_APP_ROOT_PATH", Hosting, "\"FUNCTIONS_APP_ROOT_PATH\"", KeySource.Host),
        // Read by the Functions host itself: host.json's logging.applicationInsights section sends the host's and
        // the handler's logs (Host.Function.Console) to Application Insights with these two settings.
        new("APPLICATIONINSIGHTS_CONNECTION_STRING", "host.json", "\"applicationInsights\"", KeySource.Bicep),
        new("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "host.json", "\"applicationInsights\"", KeySource.Bicep),
    ];
}
