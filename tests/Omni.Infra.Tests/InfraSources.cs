using Omni.Hosting;

namespace Omni.Infra.Tests;

/// <summary>
/// The texts the cross-check reads. A record, so a test can check a mutated copy (<c>with { ServiceBusBicep = ... }</c>)
/// and show that the check notices the gap.
/// </summary>
internal sealed record InfraSources
{
    public required string MainBicep { get; init; }
    public required string ServiceBusBicep { get; init; }
    public required string StorageBicep { get; init; }
    public required string FunctionBicep { get; init; }
    public required string RbacBicep { get; init; }
    public required string KeyVaultBicep { get; init; }
    public required string MonitoringBicep { get; init; }
    public required string CommunicationBicep { get; init; }
    public required string AcsEventsBicep { get; init; }
    public required string QueuesJson { get; init; }
    public required string TablesJson { get; init; }
    public required string AppSecretsJson { get; init; }
    public required string DeployDoc { get; init; }

    public static InfraSources FromRepository() => new()
    {
        MainBicep = Repository.Read("infra", "main.bicep"),
        ServiceBusBicep = Repository.Read("infra", "app", "servicebus.bicep"),
        StorageBicep = Repository.Read("infra", "app", "storage.bicep"),
        FunctionBicep = Repository.Read("infra", "app", "function.bicep"),
        RbacBicep = Repository.Read("infra", "app", "rbac.bicep"),
        KeyVaultBicep = Repository.Read("infra", "app", "keyvault.bicep"),
        MonitoringBicep = Repository.Read("infra", "app", "monitoring.bicep"),
        CommunicationBicep = Repository.Read("infra", "app", "communication.bicep"),
        AcsEventsBicep = Repository.Read("infra", "app", "acs-events.bicep"),
        QueuesJson = Repository.Read("infra", "queues.json"),
        TablesJson = Repository.Read("infra", "tables.json"),
        AppSecretsJson = Repository.Read("infra", "appsecrets.json"),
        DeployDoc = Repository.Read("docs", "deploy.md"),
    };

    /// <summary>
    /// The function app as the host sees it. In the repository host.json sits at the root and the function folders
    /// under functions/, so both are copied into one folder for <see cref="FunctionAppManifest.Load"/> (reading the
    /// sources, not a possibly stale build output).
    /// </summary>
    public static FunctionAppManifest LoadManifest()
    {
        var root = Path.Combine(Path.GetTempPath(), "omni-infra-manifest-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            File.Copy(Repository.PathOf("host.json"), Path.Combine(root, "host.json"));
            foreach (var functionJson in Directory.EnumerateFiles(Repository.PathOf("functions"), "function.json", SearchOption.AllDirectories))
            {
                var folder = Path.GetFileName(Path.GetDirectoryName(functionJson)!);
                if (Path.GetRelativePath(Repository.PathOf("functions"), functionJson).Split(Path.DirectorySeparatorChar) is [_, "function.json"])
                {
                    Directory.CreateDirectory(Path.Combine(root, folder));
                    File.Copy(functionJson, Path.Combine(root, folder, "function.json"));
                }
            }
            return FunctionAppManifest.Load(root);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
