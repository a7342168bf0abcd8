using System.Text.RegularExpressions;

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
    public void FunctionBicep_TagsTheAppWithTheServiceName()
    {
        var main = BicepText.Modules(Repository.Read("infra", "main.bicep")).Single(m => m.Path == "app/function.bicep");
        var function = Repository.Read("infra", "app", "function.bicep");

        Assert.Equal("'api'", BicepText.Property(main.Body, "serviceName"));
        Assert.Contains("tags: union(tags, { 'azd-service-name': serviceName })", function, StringComparison.Ordinal);
    }

    [Fact]
    public void MainParameters_UseTheAzdEnvironment()
    {
        var parameters = Repository.Read("infra", "main.parameters.json");

        Assert.Contains("\"${AZURE_ENV_NAME}\"", parameters, StringComparison.Ordinal);
        Assert.Contains("\"${AZURE_LOCATION}\"", parameters, StringComparison.Ordinal);
        Assert.Contains("\"${AZURE_PRINCIPAL_ID}\"", parameters, StringComparison.Ordinal);
    }
}
