using Omni.Hosting;
using Omni.Infra.Tests.Bicep;

namespace Omni.Infra.Tests;

/// <summary>The data files and docs the cross-check reads beside the compiled Bicep.</summary>
internal static class InfraSources
{
    public static string QueuesJson { get; } = Repository.Read("infra", "queues.json");
    public static string TablesJson { get; } = Repository.Read("infra", "tables.json");
    public static string AppSecretsJson { get; } = Repository.Read("infra", "appsecrets.json");
    public static string DeployDoc { get; } = Repository.Read("docs", "deploy.md");

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

/// <summary>
/// What the repository's Bicep deploys, predicted once per test run by the real compiler: with the azd environment of a
/// first `azd up`, and with every parameter setting's azd variable set to a probe value.
/// </summary>
internal static class RepositoryDeployment
{
    private static readonly Lazy<DeploymentSnapshot> FirstUp = new(() => Predict(null));
    private static readonly Lazy<DeploymentSnapshot> Probed = new(() => Predict(InfraCrossCheck.ParameterProbes(ConfigurationKeys.All)));

    public static DeploymentSnapshot Default => FirstUp.Value;

    public static DeploymentSnapshot WithParameterProbes => Probed.Value;

    private static DeploymentSnapshot Predict(IReadOnlyDictionary<string, string>? azdEnvironment)
    {
        using var copy = InfraCopy.FromRepository();
        return copy.Snapshot(azdEnvironment);
    }
}
