using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Omni.Infra.Tests;

/// <summary>
/// The infrastructure code agrees with the application code — and each check is shown to fail on a copy of the
/// files with one queue, setting, property or role removed.
/// </summary>
public sealed class InfraCrossCheckTests
{
    private static readonly InfraSources Sources = InfraSources.FromRepository();

    private static IReadOnlyList<(string Queue, string UsedBy)> QueuesUsed() =>
        InfraCrossCheck.QueuesUsed(InfraSources.LoadManifest(), FunctionSources());

    private static IEnumerable<(string File, string Text)> FunctionSources() =>
        Directory.EnumerateFiles(Repository.PathOf("functions"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(f))
            .Select(f => (Path.GetRelativePath(Repository.Root, f), File.ReadAllText(f)));

    private static bool IsBuildOutput(string path) =>
        path.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj");

    private static string RemoveLine(string text, string containing)
    {
        var lines = text.Split('\n');
        Assert.Single(lines, l => l.Contains(containing, StringComparison.Ordinal));
        return string.Join('\n', lines.Where(l => !l.Contains(containing, StringComparison.Ordinal)));
    }

    private static string Replace(string text, string from, string to)
    {
        Assert.Contains(from, text);
        return text.Replace(from, to, StringComparison.Ordinal);
    }

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
        Assert.Empty(InfraCrossCheck.QueueGaps(QueuesUsed(), Sources.QueuesJson));
    }

    [Fact]
    public void QueueGaps_QueueRemovedFromQueuesFile_ReportsTheQueue()
    {
        var file = JsonNode.Parse(Sources.QueuesJson)!;
        var queues = (JsonArray)file["queues"]!;
        queues.Remove(queues.Single(q => q!["name"]!.GetValue<string>() == "echo"));

        var gaps = InfraCrossCheck.QueueGaps(QueuesUsed(), file.ToJsonString());

        Assert.Contains(gaps, g => g.StartsWith("queue 'echo' used by functions/Echo/function.json", StringComparison.Ordinal));
    }

    [Fact]
    public void QueueGaps_InvalidDurationOrMissingDefault_ReportsTheQueue()
    {
        var file = JsonNode.Parse(Sources.QueuesJson)!;
        ((JsonObject)file["defaults"]!).Remove("maxDeliveryCount");
        ((JsonObject)file["queues"]![1]!)["lockDuration"] = "10 minutes";

        var gaps = InfraCrossCheck.QueueGaps([], file.ToJsonString());

        Assert.Contains(gaps, g => g.Contains("has no maxDeliveryCount", StringComparison.Ordinal));
        Assert.Contains(gaps, g => g.Contains("lockDuration '10 minutes' is not an ISO 8601 duration", StringComparison.Ordinal));
    }

    [Fact]
    public void ServiceBusGaps_RepositoryBicep_CreatesEveryQueueWithTheSettingsTheCodeNeeds()
    {
        Assert.Empty(InfraCrossCheck.ServiceBusGaps(Sources));
    }

    [Theory]
    [InlineData("requiresDuplicateDetection: true", "requiresDuplicateDetection is not set")]
    [InlineData("maxDeliveryCount: queue.maxDeliveryCount", "maxDeliveryCount is not set")]
    [InlineData("lockDuration: queue.lockDuration", "lockDuration is not set")]
    [InlineData("deadLetteringOnMessageExpiration: queue.deadLetteringOnMessageExpiration", "deadLetteringOnMessageExpiration is not set")]
    [InlineData("duplicateDetectionHistoryTimeWindow: queue.duplicateDetectionHistoryTimeWindow", "duplicateDetectionHistoryTimeWindow is not set")]
    [InlineData("disableLocalAuth: true", "disableLocalAuth is not set")]
    public void ServiceBusGaps_QueuePropertyRemoved_ReportsTheProperty(string line, string expected)
    {
        var gaps = InfraCrossCheck.ServiceBusGaps(Sources with { ServiceBusBicep = RemoveLine(Sources.ServiceBusBicep, line) });

        Assert.Contains(gaps, g => g.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void ServiceBusGaps_QueuesNotLoadedFromQueuesFile_ReportsIt()
    {
        var main = Replace(Sources.MainBicep, "loadJsonContent('queues.json')", "{ defaults: {}, queues: [] }");

        var gaps = InfraCrossCheck.ServiceBusGaps(Sources with { MainBicep = main });

        Assert.Contains("main.bicep does not read queues.json with loadJsonContent('queues.json')", gaps);
    }

    [Fact]
    public void ServiceBusGaps_DefaultsNotApplied_ReportsIt()
    {
        var main = Replace(Sources.MainBicep, "union(queueFile.defaults, queue)", "queue");

        var gaps = InfraCrossCheck.ServiceBusGaps(Sources with { MainBicep = main });

        Assert.Contains(gaps, g => g.StartsWith("main.bicep does not apply queues.json defaults", StringComparison.Ordinal));
    }

    [Fact]
    public void SettingGaps_RepositoryBicepAndDocs_CoverEveryKeyTheCodeReads()
    {
        Assert.Empty(InfraCrossCheck.SettingGaps(Sources, ConfigurationKeys.All));
    }

    [Theory]
    [InlineData("AzureWebJobsStorage__accountName")]
    [InlineData("AzureWebJobsStorage__clientId")]
    [InlineData("ServiceBusConnection__fullyQualifiedNamespace")]
    [InlineData("ServiceBusConnection__credential")]
    [InlineData("APPLICATIONINSIGHTS_CONNECTION_STRING")]
    public void SettingGaps_SettingDroppedFromBicep_ReportsTheSetting(string setting)
    {
        var function = RemoveLine(Sources.FunctionBicep, $"name: '{setting}'");

        var gaps = InfraCrossCheck.SettingGaps(Sources with { FunctionBicep = function }, ConfigurationKeys.All);

        Assert.Contains(gaps, g => g.StartsWith($"app setting '{setting}' ", StringComparison.Ordinal));
    }

    [Fact]
    public void SettingGaps_SettingsVariableNotWiredIntoAppSettings_ReportsEverySetting()
    {
        var function = Replace(Sources.FunctionBicep, "appSettings: concat(connectionSettings, secretSettings)", "appSettings: secretSettings");

        var gaps = InfraCrossCheck.SettingGaps(Sources with { FunctionBicep = function }, ConfigurationKeys.All);

        Assert.Equal(ConfigurationKeys.All.Count(k => k.Source == KeySource.Bicep), gaps.Count);
    }

    [Fact]
    public void SettingGaps_WorkerRuntimeOrConnectionStringSet_ReportsThem()
    {
        var function = Replace(Sources.FunctionBicep, "var connectionSettings = [",
            "var connectionSettings = [\n  { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'custom' }\n  { name: 'AzureWebJobsStorage', value: 'x' }");

        var gaps = InfraCrossCheck.SettingGaps(Sources with { FunctionBicep = function }, ConfigurationKeys.All);

        Assert.Contains(gaps, g => g.StartsWith("app setting 'FUNCTIONS_WORKER_RUNTIME' must not be set", StringComparison.Ordinal));
        Assert.Contains(gaps, g => g.StartsWith("app setting 'AzureWebJobsStorage' is a local connection string", StringComparison.Ordinal));
    }

    [Fact]
    public void SettingGaps_OptionalKeyMissingFromDocs_ReportsIt()
    {
        var doc = Sources.DeployDoc.Replace("AzureWebJobsStorage__tableServiceUri", "(removed)", StringComparison.Ordinal);

        var gaps = InfraCrossCheck.SettingGaps(Sources with { DeployDoc = doc }, ConfigurationKeys.All);

        Assert.Contains(gaps, g => g.StartsWith("'AzureWebJobsStorage__tableServiceUri' (Optional", StringComparison.Ordinal));
    }

    [Fact]
    public void RoleGaps_RepositoryRoleMap_CoversEveryServiceTheCodeCalls()
    {
        Assert.Empty(InfraCrossCheck.RoleGaps(Sources));
    }

    [Theory]
    [InlineData("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "Omni tables")]
    [InlineData("69a216fc-b8fb-44d8-bc22-1f3c2cd27a39", "Service Bus send")]
    [InlineData("4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0", "Service Bus triggers")]
    [InlineData("4633458b-17de-408a-b874-0445c86b69e6", "Key Vault references")]
    [InlineData("b24988ac-6180-42a0-ab88-20f7382dd24c", "ACS")]
    public void RoleGaps_RoleRemovedFromMap_ReportsTheNeed(string roleId, string need)
    {
        var rbac = Replace(Sources.RbacBicep, $"id: '{roleId}'", "id: '00000000-0000-0000-0000-000000000000'");

        var gaps = InfraCrossCheck.RoleGaps(Sources with { RbacBicep = rbac });

        Assert.Contains(gaps, g => g.StartsWith($"role {roleId} ", StringComparison.Ordinal) && g.Contains(need, StringComparison.Ordinal));
    }

    [Fact]
    public void RoleGaps_RoleScopedToTheWrongResource_ReportsIt()
    {
        var rbac = Regex.Replace(Sources.RbacBicep, @"(id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'\s*\n\s*scope: )'storage'", "$1'keyVault'");

        var gaps = InfraCrossCheck.RoleGaps(Sources with { RbacBicep = rbac });

        Assert.Contains(gaps, g => g.StartsWith("role 0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3 on 'storage'", StringComparison.Ordinal));
    }

    [Fact]
    public void RoleGaps_AssignmentNotNamedWithGuid_ReportsIt()
    {
        var rbac = Replace(Sources.RbacBicep, "name: guid(keyVault.id, principalId, role.id)", "name: role.role");

        var gaps = InfraCrossCheck.RoleGaps(Sources with { RbacBicep = rbac });

        Assert.Contains("the 'keyVault' role assignments are not named guid(<scope>.id, principalId, <role>.id)", gaps);
    }

    [Fact]
    public void TableGaps_RepositoryTables_AreListedAndCreated()
    {
        Assert.Empty(InfraCrossCheck.TableGaps(Sources));
    }

    [Fact]
    public void TableGaps_DesignTableRemovedOrLoopDropped_ReportsIt()
    {
        var tables = RemoveLine(Sources.TablesJson, "\"providerids\",");
        var storage = Replace(Sources.StorageBicep, "[for table in tables: {", "[for table in ['contacts']: {");

        var gaps = InfraCrossCheck.TableGaps(Sources with { TablesJson = tables, StorageBicep = storage });

        Assert.Contains("table 'providerids' (named by the design) is missing from infra/tables.json", gaps);
        Assert.Contains("storage.bicep does not create a table for every entry of the 'tables' parameter", gaps);
    }

    [Fact]
    public void SecretGaps_RepositorySecrets_ReachTheAppAsKeyVaultReferences()
    {
        Assert.Empty(InfraCrossCheck.SecretGaps(Sources));
    }

    [Fact]
    public void SecretGaps_ReferenceIdentityDroppedOrSecretUndocumented_ReportsIt()
    {
        var function = RemoveLine(Sources.FunctionBicep, "keyVaultReferenceIdentity: identityId");
        var doc = Sources.DeployDoc.Replace("`twilio-auth-token`", "twilio auth token", StringComparison.Ordinal);

        var gaps = InfraCrossCheck.SecretGaps(Sources with { FunctionBicep = function, DeployDoc = doc });

        Assert.Contains(gaps, g => g.Contains("keyVaultReferenceIdentity", StringComparison.Ordinal));
        Assert.Contains("Key Vault secret 'twilio-auth-token' is not documented in docs/deploy.md", gaps);
    }

    [Fact]
    public void SecretGaps_SecretLoopNotWired_ReportsEverySecretSetting()
    {
        var function = Replace(Sources.FunctionBicep, "[for secret in appSecrets: {", "[for secret in []: {");

        var gaps = InfraCrossCheck.SecretGaps(Sources with { FunctionBicep = function });

        Assert.Contains("secret setting 'Twilio__AuthToken' does not reach the function app's settings", gaps);
    }

    [Fact]
    public void PostureGaps_RepositoryBicep_MeetsTheSecurityRequirements()
    {
        Assert.Empty(InfraCrossCheck.PostureGaps(Sources));
    }

    [Theory]
    [InlineData("function", "httpsOnly: true", "httpsOnly: false", "the function app: httpsOnly is false")]
    [InlineData("function", "name: 'custom'", "name: 'dotnet-isolated'", "functionAppConfig.runtime: name is 'dotnet-isolated'")]
    [InlineData("storage", "allowSharedKeyAccess: false", "allowSharedKeyAccess: true", "the storage account: allowSharedKeyAccess is true")]
    [InlineData("keyvault", "enablePurgeProtection: true", "enablePurgeProtection: false", "the key vault: enablePurgeProtection is false")]
    [InlineData("monitoring", "DisableLocalAuth: true", "DisableLocalAuth: false", "Application Insights: DisableLocalAuth is false")]
    [InlineData("acs-events", "'Microsoft.Communication.SMSReceived'\n", "\n", "ACS event 'Microsoft.Communication.SMSReceived' is not delivered to AcsEvents")]
    [InlineData("main", "param deployAcsEventSubscription bool = false", "param deployAcsEventSubscription bool = true", "parameter deployAcsEventSubscription must default to false")]
    public void PostureGaps_RequirementBroken_ReportsIt(string file, string from, string to, string expected)
    {
        var sources = file switch
        {
            "function" => Sources with { FunctionBicep = Replace(Sources.FunctionBicep, from, to) },
            "storage" => Sources with { StorageBicep = Replace(Sources.StorageBicep, from, to) },
            "keyvault" => Sources with { KeyVaultBicep = Replace(Sources.KeyVaultBicep, from, to) },
            "monitoring" => Sources with { MonitoringBicep = Replace(Sources.MonitoringBicep, from, to) },
            "acs-events" => Sources with { AcsEventsBicep = Replace(Sources.AcsEventsBicep, from, to) },
            _ => Sources with { MainBicep = Replace(Sources.MainBicep, from, to) },
        };

        Assert.Contains(InfraCrossCheck.PostureGaps(sources), g => g.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void PostureGaps_FtpPublishingAllowed_ReportsIt()
    {
        var function = Regex.Replace(Sources.FunctionBicep, @"(name: 'ftp'\s*\n\s*properties: \{\s*\n\s*allow: )false", "${1}true");

        Assert.Contains("basic publishing credentials (ftp) are not disabled", InfraCrossCheck.PostureGaps(Sources with { FunctionBicep = function }));
    }
}
