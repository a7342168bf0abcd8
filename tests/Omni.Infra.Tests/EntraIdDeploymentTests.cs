using System.Text.Json.Nodes;
using Omni.Hosting;
using Omni.Infra.Tests.Bicep;
using static Omni.Infra.Tests.Bicep.DeploymentSnapshot;

namespace Omni.Infra.Tests;

/// <summary>
/// EntraId mode as the real compiler predicts it: App Service authentication (authsettingsV2) in front of the app, 401
/// without a token, Omni's app registration as the only audience, and excluded paths that are exactly the routes of the
/// functions published anonymous in both modes (webhooks, unsubscribe, health, OpenAPI). The default deployment has none of it.
/// </summary>
public sealed class EntraIdDeploymentTests
{
    private const string ClientId = "33333333-4444-5555-6666-777777777777";
    private const string AuthSettingsType = "Microsoft.Web/sites/config";

    private static readonly Lazy<DeploymentSnapshot> Entra = new(() =>
    {
        using var copy = InfraCopy.FromRepository();
        return copy.Snapshot(new Dictionary<string, string> { ["OMNI_AUTH_MODE"] = "EntraId", ["OMNI_ENTRA_CLIENT_ID"] = ClientId });
    });

    private static JsonObject? AuthSettings(DeploymentSnapshot snapshot) =>
        snapshot.OfType(AuthSettingsType).SingleOrDefault(r => LeafName(r) == "authsettingsV2");

    private static string AppSetting(DeploymentSnapshot snapshot, string name)
    {
        var gaps = new List<string>();
        var settings = InfraCrossCheck.AppSettings(snapshot, gaps);
        Assert.Empty(gaps);
        return settings[name];
    }

    [Fact]
    public void Default_Deployment_IsFunctionKeysWithoutAppServiceAuthentication()
    {
        Assert.Null(AuthSettings(RepositoryDeployment.Default));
        Assert.Equal("FunctionKeys", AppSetting(RepositoryDeployment.Default, "Auth__Mode"));
    }

    [Fact]
    public void EntraId_Deployment_RequiresAnEntraIdTokenForOmnisRegistration()
    {
        var auth = AuthSettings(Entra.Value);

        Assert.NotNull(auth);
        Assert.Equal("EntraId", AppSetting(Entra.Value, "Auth__Mode"));
        Assert.Equal("true", Text(At(auth, "properties.platform.enabled")));
        Assert.Equal("true", Text(At(auth, "properties.globalValidation.requireAuthentication")));
        Assert.Equal("Return401", Text(At(auth, "properties.globalValidation.unauthenticatedClientAction")));
        Assert.Equal("true", Text(At(auth, "properties.identityProviders.azureActiveDirectory.enabled")));
        Assert.Equal(ClientId, Text(At(auth, "properties.identityProviders.azureActiveDirectory.registration.clientId")));
        // OMNI_ENTRA_TENANT_ID unset: the deployment's own tenant issues the tokens.
        // The login endpoint is environment()'s (Azure computes it); the tenant is the deployment's.
        var issuer = Text(At(auth, "properties.identityProviders.azureActiveDirectory.registration.openIdIssuer"))!;
        Assert.Contains(InfraCopy.TenantId, issuer);
        Assert.Contains("environment().authentication.loginEndpoint", issuer);
        Assert.Contains("/v2.0", issuer);
        var audiences = At(auth, "properties.identityProviders.azureActiveDirectory.validation.allowedAudiences")!.AsArray().Select(Text).ToList();
        Assert.Equal([$"api://{ClientId}", ClientId], audiences);
    }

    [Fact]
    public void EntraId_ExcludedPaths_AreExactlyTheAnonymousFunctionsRoutes()
    {
        var excluded = At(AuthSettings(Entra.Value)!, "properties.globalValidation.excludedPaths")!.AsArray().Select(n => Text(n)!).ToList();
        var manifest = SourceManifest();
        var http = manifest.Functions.Where(f => f.IsHttpTriggered).ToList();
        var anonymous = http.Where(f => f.Trigger.AuthLevel == "anonymous").ToList();
        Assert.Contains(anonymous, f => f.Name == "TwilioWebhook");

        foreach (var function in http)
        {
            var path = SamplePath(manifest, function);
            var covered = excluded.Any(e => Covers(e, path));
            Assert.True(covered == anonymous.Contains(function),
                covered ? $"{function.Name} ({path}) needs a key or role but App Service authentication lets it through unauthenticated"
                        : $"{function.Name} ({path}) is anonymous but App Service authentication would demand a token");
        }
        Assert.All(excluded, e => Assert.True(anonymous.Any(f => Covers(e, SamplePath(manifest, f))), $"excluded path {e} matches no anonymous function"));
    }

    [Fact]
    public void Covers_WildcardIsAPrefixOnly()
    {
        Assert.True(Covers("/api/webhooks/*", "/api/webhooks/acs"));
        Assert.False(Covers("/api/webhooks/*", "/api/webhooksx"));
        Assert.True(Covers("/api/health", "/api/health"));
        Assert.False(Covers("/api/health", "/api/healthz"));
    }

    /// <summary>The function.json files as written (host.json sits at the repository root, the functions under functions/).</summary>
    private static FunctionAppManifest SourceManifest()
    {
        var root = Directory.CreateTempSubdirectory("omni-functions-").FullName;
        try
        {
            File.Copy(Repository.PathOf("host.json"), Path.Combine(root, "host.json"));
            foreach (var folder in Directory.EnumerateDirectories(Repository.PathOf("functions")))
            {
                if (File.Exists(Path.Combine(folder, "function.json")))
                {
                    Directory.CreateDirectory(Path.Combine(root, Path.GetFileName(folder)));
                    File.Copy(Path.Combine(folder, "function.json"), Path.Combine(root, Path.GetFileName(folder), "function.json"));
                }
            }
            return FunctionAppManifest.Load(root);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>A concrete path for the function's route: each <c>{parameter}</c> becomes a sample segment.</summary>
    private static string SamplePath(FunctionAppManifest manifest, FunctionDefinition function)
    {
        var route = System.Text.RegularExpressions.Regex.Replace(function.Trigger.Route ?? function.Name, @"\{[^}]+\}", "sample");
        return $"/{manifest.Host.RoutePrefix}/{route}";
    }

    private static bool Covers(string excluded, string path) => excluded.EndsWith("/*", StringComparison.Ordinal)
        ? path.StartsWith(excluded[..^1], StringComparison.Ordinal)
        : path == excluded;
}
