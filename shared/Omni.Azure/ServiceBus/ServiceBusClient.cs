using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Omni.Azure.ServiceBus;

/// <summary>
/// Entry point for sending to Service Bus over its REST API. Create once and share: it holds one HTTP pipeline
/// (retries, logging, authentication) for all the senders it creates.
/// </summary>
/// <remarks>
/// Authentication is a SAS token built from a shared access key (connection string or
/// <see cref="AzureNamedKeyCredential"/>), or an Entra ID token for <c>https://servicebus.azure.net/.default</c>.
/// </remarks>
public class ServiceBusClient : IAsyncDisposable
{
    internal const string EntraScope = "https://servicebus.azure.net/.default";

    private readonly HttpPipeline _pipeline = null!;
    private readonly Uri _restEndpoint = null!;
    private readonly string? _connectionEntityPath;
    private readonly ServiceBusClientOptions _options = null!;

    /// <summary>Connects with a connection string (<c>Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...</c>).</summary>
    public ServiceBusClient(string connectionString)
        : this(connectionString, new ServiceBusClientOptions())
    {
    }

    /// <summary>Connects with a connection string and options.</summary>
    /// <exception cref="FormatException">The connection string is malformed or incomplete.</exception>
    public ServiceBusClient(string connectionString, ServiceBusClientOptions? options)
        : this(ServiceBusConnectionStringProperties.Parse(connectionString), options)
    {
    }

    /// <summary>Connects to <paramref name="fullyQualifiedNamespace"/> (e.g. <c>contoso.servicebus.windows.net</c>) with a shared access key.</summary>
    public ServiceBusClient(string fullyQualifiedNamespace, AzureNamedKeyCredential credential, ServiceBusClientOptions? options = null)
        : this(HttpsEndpoint(fullyQualifiedNamespace), entityPath: null, options, credential ?? throw new ArgumentNullException(nameof(credential)), tokenCredential: null)
    {
    }

    /// <summary>Connects to <paramref name="fullyQualifiedNamespace"/> with an Entra ID credential (role "Azure Service Bus Data Sender").</summary>
    public ServiceBusClient(string fullyQualifiedNamespace, TokenCredential credential, ServiceBusClientOptions? options = null)
        : this(HttpsEndpoint(fullyQualifiedNamespace), entityPath: null, options, sharedKey: null, credential ?? throw new ArgumentNullException(nameof(credential)))
    {
    }

    /// <summary>For mocking.</summary>
    protected ServiceBusClient()
    {
    }

    private ServiceBusClient(ServiceBusConnectionStringProperties properties, ServiceBusClientOptions? options)
        : this(properties.RestEndpoint, properties.EntityPath, options,
               new AzureNamedKeyCredential(properties.SharedAccessKeyName, properties.SharedAccessKey), tokenCredential: null)
    {
    }

    private ServiceBusClient(Uri restEndpoint, string? entityPath, ServiceBusClientOptions? options,
        AzureNamedKeyCredential? sharedKey, TokenCredential? tokenCredential)
    {
        _options = options ?? new ServiceBusClientOptions();
        _restEndpoint = restEndpoint;
        _connectionEntityPath = entityPath;

        HttpPipelinePolicy authentication = sharedKey is not null
            ? new ServiceBusSasPolicy(sharedKey, _options.TimeProvider)
            : new BearerTokenAuthenticationPolicy(tokenCredential!, EntraScope);

        _pipeline = HttpPipelineBuilder.Build(new HttpPipelineOptions(_options)
        {
            PerRetryPolicies = { authentication },
            RequestFailedDetailsParser = ServiceBusErrorParser.Instance,
        });
    }

    /// <summary>The namespace host name, e.g. <c>contoso.servicebus.windows.net</c>.</summary>
    public virtual string FullyQualifiedNamespace => _restEndpoint.Host;

    /// <summary>A sender for a queue or topic.</summary>
    /// <exception cref="ArgumentException">The connection string names a different entity in <c>EntityPath</c>.</exception>
    public virtual ServiceBusSender CreateSender(string queueOrTopicName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueOrTopicName);
        if (_connectionEntityPath is not null &&
            !string.Equals(_connectionEntityPath, queueOrTopicName, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                $"The connection string is scoped to '{_connectionEntityPath}', not '{queueOrTopicName}'.", nameof(queueOrTopicName));
        }

        return new ServiceBusSender(queueOrTopicName, _restEndpoint, _pipeline, _options);
    }

    /// <summary>
    /// A peek-lock receiver for a queue or its dead-letter sub-queue (<paramref name="subQueue"/>). With Entra ID the
    /// identity needs "Azure Service Bus Data Receiver".
    /// </summary>
    /// <exception cref="ArgumentException">The connection string names a different entity in <c>EntityPath</c>.</exception>
    public virtual ServiceBusReceiver CreateReceiver(string queueName, ServiceBusSubQueue subQueue = ServiceBusSubQueue.None)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        if (_connectionEntityPath is not null &&
            !string.Equals(_connectionEntityPath, queueName, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                $"The connection string is scoped to '{_connectionEntityPath}', not '{queueName}'.", nameof(queueName));
        }

        return new ServiceBusReceiver(queueName, subQueue, _restEndpoint, _pipeline);
    }

    /// <summary>Nothing to release (HTTP connections are pooled process-wide); present so <c>await using</c> works as with the official client.</summary>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private static Uri HttpsEndpoint(string fullyQualifiedNamespace)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fullyQualifiedNamespace);
        string host = fullyQualifiedNamespace.Contains("://", StringComparison.Ordinal)
            ? new Uri(fullyQualifiedNamespace).Host
            : fullyQualifiedNamespace.TrimEnd('/');
        return new UriBuilder(Uri.UriSchemeHttps, host).Uri;
    }
}
