using Azure.Core;
using Azure.Identity;
using Omni.Azure.ServiceBus;
using Omni.Azure.Tables;

namespace Omni.Functions.Infrastructure;

/// <summary>
/// Builds the Table Storage and Service Bus clients from the same settings the Functions host uses, so one set of
/// app settings configures both the triggers and Omni's own calls:
/// <c>AzureWebJobsStorage</c> (a connection string) or <c>AzureWebJobsStorage__tableServiceUri</c> /
/// <c>AzureWebJobsStorage__accountName</c> with a managed identity; <c>ServiceBusConnection</c> (a connection string)
/// or <c>ServiceBusConnection__fullyQualifiedNamespace</c> with a managed identity (<c>__clientId</c> for a user-assigned one).
/// </summary>
public static class AzureConnections
{
    public const string StorageSetting = "AzureWebJobsStorage";
    public const string ServiceBusSetting = "ServiceBusConnection";

    /// <summary>Key of the Table client for health probes: no retries, short timeouts, so an outage is reported in about a second.</summary>
    public const string HealthProbe = "health";

    public static IServiceCollection AddAzureConnections(this IServiceCollection services)
    {
        services.AddSingleton(sp => CreateTableServiceClient(sp.GetRequiredService<IConfiguration>()));
        services.AddKeyedSingleton(HealthProbe, (sp, _) => CreateTableServiceClient(sp.GetRequiredService<IConfiguration>(), new TableClientOptions
        {
            Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromSeconds(3) },
        }));
        services.AddSingleton(sp => CreateServiceBusClient(sp.GetRequiredService<IConfiguration>()));
        return services;
    }

    /// <summary>The Table Storage stores behind the APIs and functions.</summary>
    public static IServiceCollection AddOmniStores(this IServiceCollection services)
    {
        services.AddSingleton<Omni.Core.Contacts.IContactStore>(sp => new Omni.Storage.Contacts.TableContactStore(
            sp.GetRequiredService<TableServiceClient>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Omni.Core.Messages.IMessageStore>(sp => new Omni.Storage.Messages.TableMessageStore(sp.GetRequiredService<TableServiceClient>()));
        services.AddSingleton<Omni.Core.Messages.IIdempotencyStore>(sp => new Omni.Storage.Messages.TableIdempotencyStore(sp.GetRequiredService<TableServiceClient>()));
        services.AddSingleton<Omni.Core.Content.ITemplateStore>(sp => new Omni.Storage.Templates.TableTemplateStore(sp.GetRequiredService<TableServiceClient>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    public static TableServiceClient CreateTableServiceClient(IConfiguration configuration, TableClientOptions? options = null)
    {
        var section = configuration.GetSection(StorageSetting);
        if (section.Value is { Length: > 0 } connectionString)
        {
            return new TableServiceClient(connectionString, options);
        }
        var endpoint = section["tableServiceUri"] is { Length: > 0 } uri
            ? new Uri(uri)
            : section["accountName"] is { Length: > 0 } account
                ? new Uri($"https://{account}.table.core.windows.net")
                : throw new InvalidOperationException(
                    $"Table Storage is not configured: set {StorageSetting} (a connection string) or {StorageSetting}__accountName.");
        return new TableServiceClient(endpoint, Credential(section), options);
    }

    public static ServiceBusClient CreateServiceBusClient(IConfiguration configuration)
    {
        var section = configuration.GetSection(ServiceBusSetting);
        if (section.Value is { Length: > 0 } connectionString)
        {
            return new ServiceBusClient(connectionString);
        }
        var fullyQualifiedNamespace = section["fullyQualifiedNamespace"] is { Length: > 0 } ns
            ? ns
            : throw new InvalidOperationException(
                $"Service Bus is not configured: set {ServiceBusSetting} (a connection string) or {ServiceBusSetting}__fullyQualifiedNamespace.");
        return new ServiceBusClient(fullyQualifiedNamespace, Credential(section));
    }

    internal static TokenCredential Credential(IConfiguration section) =>
        string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(section["clientId"] is { Length: > 0 } clientId
                ? ManagedIdentityId.FromUserAssignedClientId(clientId)
                : ManagedIdentityId.SystemAssigned)
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = section["clientId"] });
}
