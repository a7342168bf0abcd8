using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Omni.Infra.Tests.Bicep;

/// <summary>
/// A private copy of infra/ in a temporary folder: the compiler writes its outputs there, and a test can edit the copy
/// to show that a check notices a defect, without touching the working tree.
/// </summary>
internal sealed partial class InfraCopy : IDisposable
{
    /// <summary>The subscription, tenant and location the snapshot is predicted for (any values do; these are fixed).</summary>
    public const string SubscriptionId = "00000000-0000-0000-0000-0000000000a1";
    public const string TenantId = "00000000-0000-0000-0000-0000000000b2";
    public const string Location = "swedencentral";

    /// <summary>What azd puts into its environment on a first `azd up` by a person.</summary>
    public static IReadOnlyDictionary<string, string> DefaultAzdEnvironment { get; } = new Dictionary<string, string>
    {
        ["AZURE_ENV_NAME"] = "omni-test",
        ["AZURE_LOCATION"] = Location,
        ["AZURE_PRINCIPAL_ID"] = "11111111-2222-3333-4444-555555555555",
    };

    private InfraCopy(string root) => Root = root;

    public string Root { get; }

    public static InfraCopy FromRepository()
    {
        var root = Directory.CreateTempSubdirectory("omni-infra-").FullName;
        var source = Repository.PathOf("infra");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(root, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return new InfraCopy(root);
    }

    /// <summary>Replaces text in one file of the copy; the text must be there, so a stale edit fails loudly.</summary>
    public InfraCopy Edit(string relativePath, string from, string to)
    {
        var path = Path.Combine(Root, relativePath);
        var text = File.ReadAllText(path);
        Assert.True(text.Contains(from, StringComparison.Ordinal), $"{relativePath} does not contain: {from}");
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
        return this;
    }

    public BicepRun Build(string relativePath = "main.bicep") => BicepCli.Run(Root, "build", relativePath, "--stdout");

    /// <summary>
    /// What a deployment of main.bicep would create: main.parameters.json resolved the way azd resolves it
    /// (<c>${NAME}</c> and <c>${NAME=default}</c> from the azd environment), then <c>bicep snapshot</c>, which evaluates
    /// every expression it can without Azure (names, ids, loops, conditions, parameters).
    /// </summary>
    public DeploymentSnapshot Snapshot(IReadOnlyDictionary<string, string>? azdEnvironment = null)
    {
        var environment = new Dictionary<string, string>(DefaultAzdEnvironment);
        foreach (var (name, value) in azdEnvironment ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }
        File.WriteAllText(Path.Combine(Root, "test.bicepparam"), BicepParam(environment));
        var run = BicepCli.Run(Root, "snapshot", "test.bicepparam", "--mode", "overwrite",
            "--subscription-id", SubscriptionId, "--tenant-id", TenantId, "--location", Location, "--deployment-name", "omni");
        Assert.True(run.ExitCode == 0, "bicep snapshot failed:\n" + run.Output);
        return DeploymentSnapshot.Parse(File.ReadAllText(Path.Combine(Root, "test.snapshot.json")), run.Diagnostics);
    }

    private string BicepParam(IReadOnlyDictionary<string, string> environment)
    {
        var types = ParameterDeclaration().Matches(File.ReadAllText(Path.Combine(Root, "main.bicep")))
            .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["type"].Value);
        var parameters = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "main.parameters.json")))!["parameters"]!.AsObject();
        var text = new StringBuilder("using 'main.bicep'\n");
        foreach (var (name, node) in parameters)
        {
            Assert.True(types.TryGetValue(name, out var type), $"main.parameters.json sets '{name}', which main.bicep does not declare");
            var value = AzdReference().Replace(node!["value"]!.GetValue<string>(), m =>
                environment.TryGetValue(m.Groups["name"].Value, out var set) ? set : m.Groups["default"].Value);
            text.Append("param ").Append(name).Append(" = ").Append(type switch
            {
                "bool" => bool.Parse(value) ? "true" : "false",
                "int" => int.Parse(value).ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'",
            }).Append('\n');
        }
        return text.ToString();
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);

    [GeneratedRegex(@"^param\s+(?<name>\w+)\s+(?<type>\w+)", RegexOptions.Multiline)]
    private static partial Regex ParameterDeclaration();

    [GeneratedRegex(@"\$\{(?<name>[A-Z0-9_]+)(?:=(?<default>[^}]*))?\}")]
    private static partial Regex AzdReference();
}
