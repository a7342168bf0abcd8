using System.Text.RegularExpressions;
using Omni.Infra.Tests.Bicep;

namespace Omni.Infra.Tests;

/// <summary>azure.yaml deploys what ./omni publish produces, to the app the Bicep tags for it.</summary>
public sealed class AzureYamlTests
{
    private static readonly string AzureYaml = Repository.Read("azure.yaml");

    private static string? Value(string key) =>
        Regex.Match(AzureYaml, $@"(?m)^\s*{Regex.Escape(key)}:\s*(?<v>\S.*?)\s*$") is { Success: true } m ? m.Groups["v"].Value : null;

    [Fact]
    public void ApiService_CustomHandler_DeploysThePublishedFolderToAFunctionApp()
    {
        Assert.Matches(@"(?m)^services:\s*\n\s+api:\s*$", AzureYaml);
        Assert.Equal("function", Value("host"));
        Assert.Equal("custom", Value("language"));   // no dotnet build: the package is the published folder as is
        Assert.Equal("./omni publish", Value("run"));
        Assert.Equal("infra", Value("path"));
    }

    [Fact]
    public void Dist_IsWhereOmniPublishWrites()
    {
        var dist = Value("dist");
        var omni = Repository.Read("omni");

        Assert.Equal("artifacts/app", dist);
        Assert.Contains($"-o {dist}", omni, StringComparison.Ordinal);
    }

    [Fact]
    public void FunctionApp_IsTaggedWithTheServiceName()
    {
        var site = RepositoryDeployment.Default.Single("Microsoft.Web/sites")!;

        Assert.Equal("api", DeploymentSnapshot.Text(DeploymentSnapshot.At(site, "tags.azd-service-name")));
    }

    [Fact]
    public void RequiredVersions_AzdKeepsTheRunBitAndKnowsCustom()
    {
        // language: custom exists since azd 1.20; before 1.26 azd zipped without Unix permissions and the handler lost its run bit.
        Assert.Matches(@"(?m)^requiredVersions:\s*\n\s+azd:\s*['""]?>=\s*1\.26\.0['""]?\s*$", AzureYaml);
    }

    [Fact]
    public void MainParameters_UseTheAzdEnvironment()
    {
        var parameters = Repository.Read("infra", "main.parameters.json");

        Assert.Contains("\"${AZURE_ENV_NAME}\"", parameters, StringComparison.Ordinal);
        Assert.Contains("\"${AZURE_LOCATION}\"", parameters, StringComparison.Ordinal);
        Assert.Contains("\"${AZURE_PRINCIPAL_ID}\"", parameters, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "User")]
    [InlineData("ServicePrincipal", "ServicePrincipal")]
    public void PrincipalType_FollowsAzdPrincipalType(string? azdValue, string expected)
    {
        using var copy = InfraCopy.FromRepository();
        var environment = azdValue is null ? new Dictionary<string, string>() : new() { ["AZURE_PRINCIPAL_TYPE"] = azdValue };

        var deployer = copy.Snapshot(environment).OfType("Microsoft.Authorization/roleAssignments")
            .Single(a => DeploymentSnapshot.Text(DeploymentSnapshot.At(a, "properties.principalId")) == InfraCopy.DefaultAzdEnvironment["AZURE_PRINCIPAL_ID"]);

        Assert.Equal(expected, DeploymentSnapshot.Text(DeploymentSnapshot.At(deployer, "properties.principalType")));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("true", "true")]
    public void KeyVaultPurgeProtection_OffByDefault_OnWhenAsked(string? azdValue, string? expected)
    {
        using var copy = InfraCopy.FromRepository();
        var environment = azdValue is null ? new Dictionary<string, string>() : new() { ["OMNI_KEYVAULT_PURGE_PROTECTION"] = azdValue };

        var vault = copy.Snapshot(environment).Single("Microsoft.KeyVault/vaults")!;

        // Off is the property left out (null): the Key Vault API refuses false.
        Assert.Equal(expected, DeploymentSnapshot.Text(DeploymentSnapshot.At(vault, "properties.enablePurgeProtection")));
    }
}
