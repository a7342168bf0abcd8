using Omni.Azure.Core;

namespace Omni.Azure.ServiceBus;

/// <summary>
/// The parts of a Service Bus connection string:
/// <c>Endpoint=sb://{namespace}.servicebus.windows.net/;SharedAccessKeyName=...;SharedAccessKey=...[;EntityPath=...][;UseDevelopmentEmulator=true]</c>.
/// </summary>
public sealed class ServiceBusConnectionStringProperties
{
    private ServiceBusConnectionStringProperties(Uri endpoint, string sharedAccessKeyName, string sharedAccessKey, string? entityPath, bool useDevelopmentEmulator)
    {
        Endpoint = endpoint;
        SharedAccessKeyName = sharedAccessKeyName;
        SharedAccessKey = sharedAccessKey;
        EntityPath = entityPath;
        UseDevelopmentEmulator = useDevelopmentEmulator;
    }

    /// <summary>The <c>Endpoint</c> as given, e.g. <c>sb://contoso.servicebus.windows.net/</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>The namespace host name, e.g. <c>contoso.servicebus.windows.net</c> (no port).</summary>
    public string FullyQualifiedNamespace => Endpoint.Host;

    /// <summary>The queue or topic the key is scoped to, when the connection string names one.</summary>
    public string? EntityPath { get; }

    /// <summary>The name of the shared access policy (the SAS token's <c>skn</c>).</summary>
    public string SharedAccessKeyName { get; }

    /// <summary>The shared access key, used as the HMAC key as text (it is not base64-decoded).</summary>
    public string SharedAccessKey { get; }

    /// <summary>
    /// <c>UseDevelopmentEmulator=true</c>: talk plain HTTP to the endpoint's host and port
    /// (Omni's DevHost emulates the Service Bus REST send API there).
    /// </summary>
    public bool UseDevelopmentEmulator { get; }

    /// <summary>Where REST requests go: <c>https://{host}/</c>, or <c>http://{host}:{port}/</c> for the emulator.</summary>
    internal Uri RestEndpoint => UseDevelopmentEmulator
        ? new UriBuilder(Uri.UriSchemeHttp, Endpoint.Host, Endpoint.IsDefaultPort ? 80 : Endpoint.Port).Uri
        : new UriBuilder(Uri.UriSchemeHttps, Endpoint.Host).Uri;

    /// <summary>Parses a connection string; keys are case-insensitive.</summary>
    /// <exception cref="FormatException">The string is malformed, or lacks Endpoint, SharedAccessKeyName or SharedAccessKey.</exception>
    public static ServiceBusConnectionStringProperties Parse(string connectionString)
    {
        Dictionary<string, string> values = ConnectionStringParser.Parse(connectionString);
        string endpointText = ConnectionStringParser.GetRequired(values, "Endpoint");
        if (!endpointText.Contains("://", StringComparison.Ordinal))
        {
            endpointText = "sb://" + endpointText;
        }

        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out Uri? endpoint) || string.IsNullOrEmpty(endpoint.Host))
        {
            throw new FormatException("The connection string's Endpoint is not an absolute URI.");
        }

        string keyName = ConnectionStringParser.GetRequired(values, "SharedAccessKeyName");
        string key = ConnectionStringParser.GetRequired(values, "SharedAccessKey");
        values.TryGetValue("EntityPath", out string? entityPath);
        bool emulator = values.TryGetValue("UseDevelopmentEmulator", out string? emulatorText) &&
            bool.TryParse(emulatorText, out bool parsed) && parsed;

        return new ServiceBusConnectionStringProperties(
            endpoint, keyName, key, string.IsNullOrWhiteSpace(entityPath) ? null : entityPath, emulator);
    }
}
