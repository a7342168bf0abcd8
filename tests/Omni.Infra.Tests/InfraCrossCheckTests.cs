using System.Text.Json.Nodes;
using Omni.Infra.Tests.Bicep;
using static Omni.Infra.Tests.Bicep.DeploymentSnapshot;

namespace Omni.Infra.Tests;

/// <summary>
/// What the Bicep deploys (compiled and predicted by the real Bicep CLI) agrees with the application code and the docs —
/// and each check is shown to fail on a copy with one queue, setting, property or role changed.
/// </summary>
public sealed class InfraCrossCheckTests
{
    private static DeploymentSnapshot Deployment => RepositoryDeployment.WithParameterProbes;

    private static IReadOnlyList<(string Queue, string UsedBy)> QueuesUsed() =>
        InfraCrossCheck.QueuesUsed(InfraSources.LoadManifest(), FunctionSources());

    private static IEnumerable<(string File, string Text)> FunctionSources() =>
        Directory.EnumerateFiles(Repository.PathOf("functions"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(f))
            .Select(f => (Path.GetRelativePath(Repository.Root, f), File.ReadAllText(f)));

    private static bool IsBuildOutput(string path) =>
        path.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj");

    private static DeploymentSnapshot WithoutAppSetting(string name) =>
        Deployment.With("Microsoft.Web/sites", site =>
        {
            var settings = (JsonArray)At(site, "properties.siteConfig.appSettings")!;
            settings.Remove(settings.Single(s => s!["name"]!.GetValue<string>() == name));
        });

    private static DeploymentSnapshot WithAppSetting(string name, string value) =>
        Deployment.With("Microsoft.Web/sites", site =>
            ((JsonArray)At(site, "properties.siteConfig.appSettings")!).Add(new JsonObject { ["name"] = name, ["value"] = value }));

    private static DeploymentSnapshot WithProperty(string type, string path, JsonNode? value) =>
        Deployment.With(type, resource =>
        {
            var parts = path.Split('.');
            var parent = (JsonObject)At(resource, string.Join('.', parts[..^1]))!;
            parent[parts[^1]] = value?.DeepClone();
        });

    [Fact]
    public void QueuesUsed_FunctionJsonAndCode_FindsTriggerAndSentQueues()
    {
        var used = QueuesUsed().Select(u => u.Queue).ToList();

        Assert.Contains("echo", used);          // functions/Echo/function.json trigger
        Assert.Contains("echo-replies", used);  // EchoFunction.ReplyQueue, sent through the REST client
    }

    [Fact]
    public void QueueGaps_RepositoryQueuesFile_CoversEveryQueueTheFunctionsUse()
    {
        Assert.Empty(InfraCrossCheck.QueueGaps(QueuesUsed(), InfraSources.QueuesJson));
    }

    [Fact]
    public void QueueGaps_QueueRemovedFromQueuesFile_ReportsTheQueue()
    {
        var file = JsonNode.Parse(InfraSources.QueuesJson)!;
        var queues = (JsonArray)file["queues"]!;
        queues.Remove(queues.Single(q => q!["name"]!.GetValue<string>() == "echo"));

        var gaps = InfraCrossCheck.QueueGaps(QueuesUsed(), file.ToJsonString());

        Assert.Contains(gaps, g => g.StartsWith("queue 'echo' used by functions/Echo/function.json", StringComparison.Ordinal));
    }

    [Fact]
    public void QueueGaps_InvalidDurationOrMissingDefault_ReportsTheQueue()
    {
        var file = JsonNode.Parse(InfraSources.QueuesJson)!;
        ((JsonObject)file["defaults"]!).Remove("maxDeliveryCount");
        ((JsonObject)file["queues"]![1]!)["lockDuration"] = "10 minutes";

        var gaps = InfraCrossCheck.QueueGaps([], file.ToJsonString());

        Assert.Contains(gaps, g => g.Contains("has no maxDeliveryCount", StringComparison.Ordinal));
        Assert.Contains(gaps, g => g.Contains("lockDuration '10 minutes' is not an ISO 8601 duration", StringComparison.Ordinal));
    }

    [Fact]
    public void ServiceBusGaps_Repository_CreatesEveryQueueWithTheSettingsTheCodeNeeds()
    {
        Assert.Empty(InfraCrossCheck.ServiceBusGaps(Deployment, InfraSources.QueuesJson));
    }

    [Theory]
    [InlineData("requiresDuplicateDetection", "requiresDuplicateDetection is false")]
    [InlineData("maxDeliveryCount", "maxDeliveryCount is not set")]
    [InlineData("lockDuration", "lockDuration is not set")]
    [InlineData("deadLetteringOnMessageExpiration", "deadLetteringOnMessageExpiration is not set")]
    [InlineData("duplicateDetectionHistoryTimeWindow", "duplicateDetectionHistoryTimeWindow is not set")]
    public void ServiceBusGaps_QueuePropertyChanged_ReportsTheProperty(string property, string expected)
    {
        var changed = WithProperty("Microsoft.ServiceBus/namespaces/queues", "properties." + property,
            property == "requiresDuplicateDetection" ? JsonValue.Create(false) : null);

        Assert.Contains(InfraCrossCheck.ServiceBusGaps(changed, InfraSources.QueuesJson), g => g.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void ServiceBusGaps_LocalAuthOnOrQueueMissing_ReportsIt()
    {
        var changed = WithProperty("Microsoft.ServiceBus/namespaces", "properties.disableLocalAuth", false)
            .Without(r => r["type"]!.GetValue<string>() == "Microsoft.ServiceBus/namespaces/queues" && LeafName(r) == "inbound");

        var gaps = InfraCrossCheck.ServiceBusGaps(changed, InfraSources.QueuesJson);

        Assert.Contains("the Service Bus namespace: properties.disableLocalAuth is false, expected true", gaps);
        Assert.Contains("queue 'inbound' of queues.json is not created", gaps);
    }

    [Fact]
    public void ServiceBusGaps_QueuesFileChanged_BicepFollowsIt()
    {
        using var copy = InfraCopy.FromRepository().Edit("queues.json", "\"maxDeliveryCount\": 10,", "\"maxDeliveryCount\": 7,");

        var snapshot = copy.Snapshot();

        Assert.Empty(InfraCrossCheck.ServiceBusGaps(snapshot, File.ReadAllText(Path.Combine(copy.Root, "queues.json"))));
        Assert.Contains(snapshot.OfType("Microsoft.ServiceBus/namespaces/queues"), q => Text(At(q, "properties.maxDeliveryCount")) == "7");
    }

    [Fact]
    public void SettingGaps_Repository_CoverEveryKeyTheCodeReads()
    {
        Assert.Empty(InfraCrossCheck.SettingGaps(Deployment, ConfigurationKeys.All, InfraSources.DeployDoc));
    }

    [Theory]
    [InlineData("AzureWebJobsStorage__accountName")]
    [InlineData("AzureWebJobsStorage__clientId")]
    [InlineData("ServiceBusConnection__fullyQualifiedNamespace")]
    [InlineData("ServiceBusConnection__credential")]
    [InlineData("APPLICATIONINSIGHTS_CONNECTION_STRING")]
    [InlineData("Twilio__AuthToken")]
    [InlineData("AcsSms__From")]
    public void SettingGaps_SettingDropped_ReportsTheSetting(string setting)
    {
        var gaps = InfraCrossCheck.SettingGaps(WithoutAppSetting(setting), ConfigurationKeys.All, InfraSources.DeployDoc);

        Assert.Contains(gaps, g => g.StartsWith($"app setting '{setting}' ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("FUNCTIONS_WORKER_RUNTIME", "must not be set on Flex Consumption")]
    [InlineData("FUNCTIONS_EXTENSION_VERSION", "must not be set on Flex Consumption")]
    [InlineData("WEBSITE_RUN_FROM_PACKAGE", "must not be set on Flex Consumption")]
    [InlineData("WEBSITE_CONTENTSHARE", "must not be set on Flex Consumption")]
    [InlineData("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "must not be set on Flex Consumption")]
    [InlineData("WEBSITE_NODE_DEFAULT_VERSION", "must not be set on Flex Consumption")]
    [InlineData("AzureWebJobsStorage", "is a local connection string")]
    public void SettingGaps_RejectedOrLocalSettingSet_ReportsIt(string setting, string expected)
    {
        var gaps = InfraCrossCheck.SettingGaps(WithAppSetting(setting, "x"), ConfigurationKeys.All, InfraSources.DeployDoc);

        Assert.Contains(gaps, g => g.StartsWith($"app setting '{setting}' ", StringComparison.Ordinal) && g.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void SettingGaps_OptionalKeyOrAzdVariableMissingFromDocs_ReportsIt()
    {
        var doc = InfraSources.DeployDoc.Replace("`AzureWebJobsStorage__tableServiceUri`", "(removed)", StringComparison.Ordinal)
            .Replace("`OMNI_SMS_FROM`", "(removed)", StringComparison.Ordinal);

        var gaps = InfraCrossCheck.SettingGaps(Deployment, ConfigurationKeys.All, doc);

        Assert.Contains(gaps, g => g.StartsWith("'AzureWebJobsStorage__tableServiceUri' (Optional", StringComparison.Ordinal));
        Assert.Contains("azd variable 'OMNI_SMS_FROM' (AcsSms__From) is not documented in docs/deploy.md", gaps);
    }

    [Fact]
    public void ParameterSettings_AzdVariablesUnset_AreNotWritten()
    {
        var settings = InfraCrossCheck.AppSettings(RepositoryDeployment.Default, []);

        Assert.Contains("AzureWebJobsStorage__accountName", settings.Keys);
        Assert.All(ConfigurationKeys.All.Where(k => k.Source == KeySource.Parameter), k => Assert.DoesNotContain(k.Key, settings.Keys));
    }

    [Fact]
    public void ParameterSettings_AzdVariablesSet_ReachTheirSettings()
    {
        var settings = InfraCrossCheck.AppSettings(Deployment, []);

        Assert.Equal("probe-OMNI_SMS_FROM", settings["AcsSms__From"]);
        Assert.Equal("probe-OMNI_TWILIO_ACCOUNT_SID", settings["Twilio__AccountSid"]);
        Assert.Equal("probe-OMNI_PUBLIC_BASE_URL", settings["Omni__PublicBaseUrl"]);
    }

    [Fact]
    public void RoleGaps_Repository_GrantsEachNeededRoleAndNothingElse()
    {
        Assert.Empty(InfraCrossCheck.RoleGaps(Deployment));
    }

    [Fact]
    public void RoleGaps_GuidOfAnotherRole_ReportsTheMismatch()
    {
        // Contributor's GUID behind the name of the narrower ACS role: what the assignment says is not what it grants.
        using var copy = InfraCopy.FromRepository().Edit("app/rbac.bicep", "id: '09976791-48a7-449e-bb21-39d1a415f350'", "id: 'b24988ac-6180-42a0-ab88-20f7382dd24c'");

        var gaps = InfraCrossCheck.RoleGaps(copy.Snapshot());

        Assert.Contains(gaps, g => g.StartsWith("role b24988ac-6180-42a0-ab88-20f7382dd24c is 'Contributor', but its assignment says 'Communication and Email Service Owner:", StringComparison.Ordinal));
        Assert.Contains(gaps, g => g.StartsWith("'Communication and Email Service Owner' on Microsoft.Communication/communicationServices for the app", StringComparison.Ordinal));
    }

    [Fact]
    public void RoleGaps_UnknownGuidOrExtraRole_ReportsIt()
    {
        using var copy = InfraCopy.FromRepository()
            .Edit("app/rbac.bicep", "id: '4633458b-17de-408a-b874-0445c86b69e6'", "id: '4633458b-17de-408a-b874-0445c86b69e7'")
            .Edit("app/rbac.bicep", "  {\n    role: 'Storage Blob Data Owner'",
                "  {\n    role: 'Storage Queue Data Contributor'\n    id: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'\n    scope: 'storage'\n    purpose: 'queues'\n  }\n  {\n    role: 'Storage Blob Data Owner'");

        var gaps = InfraCrossCheck.RoleGaps(copy.Snapshot());

        Assert.Contains(gaps, g => g.StartsWith("role 4633458b-17de-408a-b874-0445c86b69e7 ", StringComparison.Ordinal) && g.Contains("not a built-in role", StringComparison.Ordinal));
        Assert.Contains("'Storage Queue Data Contributor' is granted to the app on Microsoft.Storage/storageAccounts, which no need calls for", gaps);
        Assert.Contains(gaps, g => g.StartsWith("'Key Vault Secrets User' on Microsoft.KeyVault/vaults for the app", StringComparison.Ordinal));
    }

    [Fact]
    public void RoleGaps_RoleScopedToTheWrongResource_ReportsIt()
    {
        using var copy = InfraCopy.FromRepository().Edit("app/rbac.bicep", "id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'\n    scope: 'storage'", "id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'\n    scope: 'keyVault'");

        var gaps = InfraCrossCheck.RoleGaps(copy.Snapshot());

        Assert.Contains("'Storage Table Data Contributor' is granted to the app on Microsoft.KeyVault/vaults, which no need calls for", gaps);
    }

    [Fact]
    public void TableGaps_Repository_AreListedAndCreated()
    {
        Assert.Empty(InfraCrossCheck.TableGaps(Deployment, InfraSources.TablesJson));
    }

    [Fact]
    public void TableGaps_DesignTableRemovedOrNotCreated_ReportsIt()
    {
        var tables = InfraSources.TablesJson.Replace("\"providerids\",", "", StringComparison.Ordinal);
        var changed = Deployment.Without(r => r["type"]!.GetValue<string>().EndsWith("/tables", StringComparison.Ordinal) && LeafName(r) == "contacts");

        var gaps = InfraCrossCheck.TableGaps(changed, tables);

        Assert.Contains("table 'providerids' (named by the design) is missing from infra/tables.json", gaps);
        Assert.Contains("table 'contacts' of tables.json is not created", gaps);
    }

    [Fact]
    public void SecretGaps_Repository_SecretsReachTheAppAsKeyVaultReferences()
    {
        Assert.Empty(InfraCrossCheck.SecretGaps(Deployment, InfraSources.AppSecretsJson, InfraSources.DeployDoc));
    }

    [Fact]
    public void SecretGaps_ReferenceIdentityDroppedPlainValueOrUndocumented_ReportsIt()
    {
        var changed = WithProperty("Microsoft.Web/sites", "properties.keyVaultReferenceIdentity", null);
        changed = changed.With("Microsoft.Web/sites", site =>
            ((JsonArray)At(site, "properties.siteConfig.appSettings")!).OfType<JsonObject>().Single(s => Text(s["name"]) == "Chat__Secret")["value"] = "hunter2");
        var doc = InfraSources.DeployDoc.Replace("`twilio-auth-token`", "twilio auth token", StringComparison.Ordinal);

        var gaps = InfraCrossCheck.SecretGaps(changed, InfraSources.AppSecretsJson, doc);

        Assert.Contains(gaps, g => g.Contains("keyVaultReferenceIdentity", StringComparison.Ordinal));
        Assert.Contains("app setting 'Chat__Secret' is not a Key Vault reference to the secret 'chat-webhook-secret'", gaps);
        Assert.Contains("Key Vault secret 'twilio-auth-token' is not documented in docs/deploy.md", gaps);
    }

    [Fact]
    public void PostureGaps_Repository_MeetsFlexConsumptionAndTheSecurityRequirements()
    {
        Assert.Empty(InfraCrossCheck.PostureGaps(Deployment));
    }

    [Theory]
    [InlineData("Microsoft.Web/sites", "properties.httpsOnly", false, "the function app: properties.httpsOnly is false")]
    [InlineData("Microsoft.Web/sites", "properties.functionAppConfig.runtime.name", "dotnet-isolated", "the function app: properties.functionAppConfig.runtime.name is dotnet-isolated")]
    [InlineData("Microsoft.Web/sites", "properties.siteConfig.ftpsState", "Disabled", "the function app sets properties.siteConfig.ftpsState, which Flex Consumption rejects")]
    [InlineData("Microsoft.Web/sites", "properties.siteConfig.alwaysOn", true, "the function app sets properties.siteConfig.alwaysOn, which Flex Consumption rejects")]
    [InlineData("Microsoft.Storage/storageAccounts", "properties.allowSharedKeyAccess", true, "the storage account: properties.allowSharedKeyAccess is true")]
    [InlineData("Microsoft.KeyVault/vaults", "properties.enablePurgeProtection", false, "the key vault sets enablePurgeProtection to false")]
    [InlineData("Microsoft.Insights/components", "properties.DisableLocalAuth", false, "Application Insights: properties.DisableLocalAuth is false")]
    [InlineData("Microsoft.EventGrid/systemTopics", "identity.type", "None", "the Event Grid system topic: identity.type is None")]
    public void PostureGaps_RequirementBroken_ReportsIt(string type, string path, object value, string expected)
    {
        var changed = WithProperty(type, path, value switch { bool b => JsonValue.Create(b), _ => JsonValue.Create((string)value) });

        Assert.Contains(InfraCrossCheck.PostureGaps(changed), g => g.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void PostureGaps_FtpsStateInTheBicep_IsReportedFromTheCompiledTemplate()
    {
        using var copy = InfraCopy.FromRepository().Edit("app/function.bicep", "      minTlsVersion: '1.2'\n", "      minTlsVersion: '1.2'\n      ftpsState: 'Disabled'\n");

        Assert.Contains("the function app sets properties.siteConfig.ftpsState, which Flex Consumption rejects", InfraCrossCheck.PostureGaps(copy.Snapshot()));
    }

    [Fact]
    public void PostureGaps_FtpPolicyOrScmAllowed_ReportsIt()
    {
        var changed = WithProperty("Microsoft.Web/sites/basicPublishingCredentialsPolicies", "properties.allow", true);
        changed = changed.With("Microsoft.Web/sites/basicPublishingCredentialsPolicies", p => p["name"] = Text(p["name"])!.Replace("/scm", "/ftp", StringComparison.Ordinal));

        var gaps = InfraCrossCheck.PostureGaps(changed);

        Assert.Contains("the function app sets an ftp publishing-credentials policy; Flex Consumption has no FTP", gaps);
        Assert.Contains("basic publishing credentials (scm) are not disabled", gaps);
    }

    [Fact]
    public void AcsEventGaps_WebhookWithSecretInstead_ReportsIt()
    {
        var changed = Deployment.With("Microsoft.EventGrid/systemTopics/eventSubscriptions", s =>
        {
            var properties = s["properties"]!.AsObject();
            properties.Remove("deliveryWithResourceIdentity");
            properties["destination"] = new JsonObject { ["endpointType"] = "WebHook", ["properties"] = new JsonObject { ["endpointUrl"] = "https://app/api/webhooks/acs?secret=x" } };
        });

        var gaps = InfraCrossCheck.AcsEventGaps(changed);

        Assert.Contains("the ACS event subscription delivers to a destination without the topic's identity (properties.destination)", gaps);
        Assert.Contains(gaps, g => g.StartsWith($"the ACS event subscription does not deliver to the '{InfraCrossCheck.AcsEventsQueue}' queue", StringComparison.Ordinal));
        Assert.Contains("the ACS event subscription: properties.deliveryWithResourceIdentity.identity.type is not set, expected SystemAssigned", gaps);
    }

    [Fact]
    public void AcsEventGaps_EventTypeDropped_ReportsIt()
    {
        var changed = Deployment.With("Microsoft.EventGrid/systemTopics/eventSubscriptions", s =>
        {
            var types = (JsonArray)At(s, "properties.filter.includedEventTypes")!;
            types.Remove(types.Single(t => Text(t) == "Microsoft.Communication.SMSReceived"));
        });

        Assert.Contains($"ACS event 'Microsoft.Communication.SMSReceived' is not delivered to {InfraCrossCheck.AcsEventsQueue}", InfraCrossCheck.AcsEventGaps(changed));
    }

    [Fact]
    public void AcsEventsQueue_IsInQueuesJsonAndTriggersAFunction()
    {
        var triggers = InfraSources.LoadManifest().Functions
            .SelectMany(f => f.Bindings.Where(b => b.Type == "serviceBusTrigger").Select(b => (f.Name, b.QueueName)));

        Assert.Contains($"\"name\": \"{InfraCrossCheck.AcsEventsQueue}\"", InfraSources.QueuesJson, StringComparison.Ordinal);
        Assert.Contains(triggers, t => t.QueueName == InfraCrossCheck.AcsEventsQueue);
    }

    [Fact]
    public void UrlSecretGaps_Repository_NoSecretInAnyUrlOrTemplate()
    {
        Assert.Empty(InfraCrossCheck.UrlSecretGaps(Deployment));
        Assert.Empty(InfraCrossCheck.UrlSecretGaps(RepositoryDeployment.Default));
    }

    [Fact]
    public void UrlSecretGaps_TheOldWebhookWithAKeyVaultSecret_ReportsIt()
    {
        // The shape the ACS subscription had: a webhook URL carrying a secret read from Key Vault with getSecret.
        var changed = WithProperty("Microsoft.EventGrid/systemTopics/eventSubscriptions", "properties.eventDeliverySchema",
            "[format('https://{0}/api/webhooks/acs?secret={1}', 'app', getKeyVaultSecret('/vault', 'acs-events-secret'))]");
        var query = WithProperty("Microsoft.EventGrid/systemTopics/eventSubscriptions", "properties.eventDeliverySchema", "https://app/api/x?code=abc");

        Assert.Contains(InfraCrossCheck.UrlSecretGaps(changed), g => g.Contains("reads a secret into the template", StringComparison.Ordinal));
        Assert.Contains(InfraCrossCheck.UrlSecretGaps(query), g => g.Contains("is a URL with a secret in its query", StringComparison.Ordinal));
    }
}
