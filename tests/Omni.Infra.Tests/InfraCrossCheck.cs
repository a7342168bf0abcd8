using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml;
using Omni.Hosting;

namespace Omni.Infra.Tests;

/// <summary>
/// Cross-checks the infrastructure code against the application code. Every check returns the gaps it found as
/// readable sentences (empty = consistent), so a test can assert both that the repository is consistent and that a
/// mutated copy is reported.
/// </summary>
internal static partial class InfraCrossCheck
{
    /// <summary>The queue properties the code relies on, each taken from queues.json (after defaults) by the Bicep loop.</summary>
    public static readonly string[] QueueProperties =
    [
        "maxDeliveryCount", "lockDuration", "defaultMessageTimeToLive", "duplicateDetectionHistoryTimeWindow",
        "deadLetteringOnMessageExpiration", "maxSizeInMegabytes",
    ];

    /// <summary>Tables the design names (shared/DESIGN.md, "Storage"); tables.json may hold more.</summary>
    public static readonly string[] DesignTables = ["contacts", "addressindex", "messages", "providerids", "idempotency", "channelstats"];

    /// <summary>What the code calls, the role that allows it, and the resource the role must be scoped to.</summary>
    public static readonly (string Need, string RoleId, string Scope)[] RequiredRoles =
    [
        ("Flex deployment package + host blobs", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "storage"),
        ("Omni tables (TableServiceClient)", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "storage"),
        ("host storage queues", "974c5e8b-45b9-4653-ba55-5f855dd0fb88", "storage"),
        ("Service Bus send (ServiceBusSender)", "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39", "serviceBus"),
        ("Service Bus triggers (receive)", "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0", "serviceBus"),
        ("Service Bus target-based scaling", "090c5cfd-751d-490a-894a-3ce6f1109419", "serviceBus"),
        ("Key Vault references", "4633458b-17de-408a-b874-0445c86b69e6", "keyVault"),
        ("Entra telemetry ingestion", "3913510d-42f4-4e42-8a64-420c390055eb", "applicationInsights"),
        ("ACS SMS/Email/Advanced Messaging with Entra tokens", "b24988ac-6180-42a0-ab88-20f7382dd24c", "communication"),
    ];

    public static readonly string[] AcsEventTypes =
    [
        "Microsoft.Communication.SMSReceived",
        "Microsoft.Communication.SMSDeliveryReportReceived",
        "Microsoft.Communication.EmailDeliveryReportReceived",
        "Microsoft.Communication.EmailEngagementTrackingReportReceived",
        "Microsoft.Communication.AdvancedMessageReceived",
        "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated",
    ];

    /// <summary>Queue names the functions use: trigger and output bindings, and <c>const string ...Queue... = "..."</c> in functions/.</summary>
    public static IReadOnlyList<(string Queue, string UsedBy)> QueuesUsed(FunctionAppManifest manifest, IEnumerable<(string File, string Text)> functionSources)
    {
        var used = new List<(string, string)>();
        foreach (var function in manifest.Functions)
        {
            foreach (var binding in function.Bindings.Where(b => b.Type.StartsWith("serviceBus", StringComparison.OrdinalIgnoreCase)))
            {
                used.Add((binding.QueueName ?? "(no queueName)", $"functions/{function.Name}/function.json ({binding.Type})"));
            }
        }
        foreach (var (file, text) in functionSources)
        {
            foreach (Match m in QueueConstant().Matches(text))
            {
                used.Add((m.Groups["queue"].Value, file));
            }
        }
        return used;
    }

    /// <summary>Every queue the functions use is defined in queues.json, and every definition is a valid Service Bus queue.</summary>
    public static List<string> QueueGaps(IEnumerable<(string Queue, string UsedBy)> used, string queuesJson)
    {
        var gaps = new List<string>();
        var file = JsonNode.Parse(queuesJson)!;
        var defaults = file["defaults"] as JsonObject ?? [];
        var queues = (file["queues"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var names = queues.Select(q => q["name"]?.GetValue<string>() ?? "").ToHashSet(StringComparer.Ordinal);

        foreach (var (queue, usedBy) in used)
        {
            if (!names.Contains(queue))
            {
                gaps.Add($"queue '{queue}' used by {usedBy} is missing from infra/queues.json");
            }
        }
        foreach (var queue in queues)
        {
            var name = queue["name"]?.GetValue<string>() ?? "(unnamed)";
            JsonNode? Setting(string key) => queue[key] ?? defaults[key];
            foreach (var property in QueueProperties)
            {
                if (Setting(property) is null)
                {
                    gaps.Add($"queue '{name}' has no {property}, not even in defaults");
                }
            }
            CheckDuration(name, "lockDuration", Setting("lockDuration"), TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), gaps);
            CheckDuration(name, "duplicateDetectionHistoryTimeWindow", Setting("duplicateDetectionHistoryTimeWindow"), TimeSpan.FromSeconds(20), TimeSpan.FromDays(7), gaps);
            CheckDuration(name, "defaultMessageTimeToLive", Setting("defaultMessageTimeToLive"), TimeSpan.FromSeconds(1), TimeSpan.MaxValue, gaps);
            if (Setting("maxDeliveryCount") is JsonValue count && (!count.TryGetValue<int>(out var n) || n < 1))
            {
                gaps.Add($"queue '{name}': maxDeliveryCount must be a whole number ≥ 1");
            }
        }
        return gaps;
    }

    /// <summary>main.bicep loads queues.json, applies its defaults and hands the queues to a loop that sets every property the code relies on.</summary>
    public static List<string> ServiceBusGaps(InfraSources sources)
    {
        var gaps = new List<string>();
        var queuesVar = JsonFileVariable(sources.MainBicep, "queues.json", gaps);
        var merged = queuesVar is null ? null : BicepText.VariableNames(sources.MainBicep).FirstOrDefault(v =>
            BicepText.Variable(sources.MainBicep, v) is { } e && Regex.IsMatch(e, $@"union\(\s*{queuesVar}\.defaults\s*,") && e.Contains($"{queuesVar}.queues", StringComparison.Ordinal));
        if (queuesVar is not null && merged is null)
        {
            gaps.Add($"main.bicep does not apply queues.json defaults (no variable computing union({queuesVar}.defaults, queue) over {queuesVar}.queues)");
        }
        var module = ModuleFor(sources.MainBicep, "app/servicebus.bicep", gaps);
        if (module is not null && merged is not null && BicepText.Property(module.Body, "queues") != merged)
        {
            gaps.Add($"main.bicep does not pass '{merged}' as the queues parameter of app/servicebus.bicep");
        }

        var resources = BicepText.Resources(sources.ServiceBusBicep);
        var ns = resources.FirstOrDefault(r => r.Type == "Microsoft.ServiceBus/namespaces" && !r.Existing);
        if (ns is null)
        {
            gaps.Add("servicebus.bicep creates no Service Bus namespace");
        }
        else
        {
            Expect(ns.Body, "disableLocalAuth", "true", "the Service Bus namespace", gaps);
            if (BicepText.PropertyBlock(ns.Body, "sku") is not { } sku || BicepText.Property(sku, "name") != "'Standard'")
            {
                gaps.Add("the Service Bus namespace is not on the Standard tier (duplicate detection needs Standard or Premium)");
            }
        }
        var loop = resources.FirstOrDefault(r => r.Type == "Microsoft.ServiceBus/namespaces/queues" && r.IsLoop && r.LoopSource == "queues");
        if (loop is null)
        {
            gaps.Add("servicebus.bicep has no queue resource looping over the 'queues' parameter");
            return gaps;
        }
        var q = loop.LoopVariable!;
        Expect(loop.Body, "name", $"{q}.name", "the queue loop", gaps);
        var properties = BicepText.PropertyBlock(loop.Body, "properties") ?? "";
        Expect(properties, "requiresDuplicateDetection", "true", "the queue loop", gaps);
        foreach (var property in QueueProperties)
        {
            Expect(properties, property, $"{q}.{property}", "the queue loop", gaps);
        }
        return gaps;
    }

    /// <summary>Every key of <see cref="ConfigurationKeys"/> is set by the function app's settings or documented, as its source says.</summary>
    public static List<string> SettingGaps(InfraSources sources, IEnumerable<ConfigurationKey> keys)
    {
        var gaps = new List<string>();
        var settings = AppSettingNames(sources, gaps);
        foreach (var key in keys)
        {
            switch (key.Source)
            {
                case KeySource.Bicep or KeySource.Secret when !settings.Contains(key.Key):
                    gaps.Add($"app setting '{key.Key}' (read by {key.ReadBy}) is not set by infra/app/function.bicep");
                    break;
                case KeySource.LocalOnly when settings.Contains(key.Key):
                    gaps.Add($"app setting '{key.Key}' is a local connection string; Azure uses identity-based settings");
                    break;
                case KeySource.Optional or KeySource.LocalOnly or KeySource.Host when !sources.DeployDoc.Contains(key.Key, StringComparison.Ordinal):
                    gaps.Add($"'{key.Key}' ({key.Source}, read by {key.ReadBy}) is not listed in docs/deploy.md");
                    break;
            }
        }
        foreach (var forbidden in new[] { "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION" })
        {
            if (settings.Contains(forbidden))
            {
                gaps.Add($"app setting '{forbidden}' must not be set on Flex Consumption (functionAppConfig.runtime decides)");
            }
        }
        return gaps;
    }

    /// <summary>The role map grants every role the code's calls need, each scoped to its resource by a guid()-named loop.</summary>
    public static List<string> RoleGaps(InfraSources sources)
    {
        var gaps = new List<string>();
        var map = BicepText.Variable(sources.RbacBicep, "roleMap");
        if (map is null)
        {
            gaps.Add("rbac.bicep has no 'roleMap' variable");
            return gaps;
        }
        var entries = BicepText.ObjectItems(map)
            .Select(item => (Id: Unquote(BicepText.Property(item, "id")), Scope: Unquote(BicepText.Property(item, "scope"))))
            .ToList();
        foreach (var (need, roleId, scope) in RequiredRoles)
        {
            if (!entries.Contains((roleId, scope)))
            {
                gaps.Add($"role {roleId} on '{scope}' ({need}) is missing from the role map");
            }
        }
        var assignments = BicepText.Resources(sources.RbacBicep)
            .Where(r => r.Type == "Microsoft.Authorization/roleAssignments" && r.IsLoop).ToList();
        foreach (var scope in entries.Select(e => e.Scope).Distinct())
        {
            var loop = assignments.FirstOrDefault(r =>
                Regex.IsMatch(r.LoopSource!, $@"^filter\(\s*roleMap\s*,.*==\s*'{Regex.Escape(scope ?? "")}'\s*\)$"));
            if (loop is null)
            {
                gaps.Add($"no role assignment loop over the role map's '{scope}' entries");
                continue;
            }
            var name = BicepText.Property(loop.Body, "name") ?? "";
            if (!Regex.IsMatch(name, $@"^guid\(\s*\w+\.id\s*,\s*principalId\s*,\s*{loop.LoopVariable}\.id\s*\)$"))
            {
                gaps.Add($"the '{scope}' role assignments are not named guid(<scope>.id, principalId, <role>.id)");
            }
            Expect(loop.Body, "principalId", "principalId", $"the '{scope}' role assignments", gaps);
            if (BicepText.Property(loop.Body, "scope") is not { } target || target is "resourceGroup()" or "subscription()")
            {
                gaps.Add($"the '{scope}' role assignments are not scoped to their resource");
            }
        }
        if (ModuleFor(sources.MainBicep, "app/rbac.bicep", gaps) is { } rbac && BicepText.Property(rbac.Body, "principalId") != "identity.outputs.principalId")
        {
            gaps.Add("main.bicep does not grant the roles to the app's managed identity (principalId: identity.outputs.principalId)");
        }
        return gaps;
    }

    /// <summary>tables.json holds the design's tables and main.bicep creates every entry with a loop.</summary>
    public static List<string> TableGaps(InfraSources sources)
    {
        var gaps = new List<string>();
        var tables = (JsonNode.Parse(sources.TablesJson)!["tables"] as JsonArray ?? []).Select(t => t!.GetValue<string>()).ToList();
        gaps.AddRange(DesignTables.Except(tables).Select(t => $"table '{t}' (named by the design) is missing from infra/tables.json"));
        gaps.AddRange(tables.Where(t => !TableName().IsMatch(t)).Select(t => $"'{t}' is not a valid table name"));
        var tablesVar = JsonFileVariable(sources.MainBicep, "tables.json", gaps);
        if (ModuleFor(sources.MainBicep, "app/storage.bicep", gaps) is { } module && tablesVar is not null && BicepText.Property(module.Body, "tables") != tablesVar)
        {
            gaps.Add($"main.bicep does not pass '{tablesVar}' as the tables parameter of app/storage.bicep");
        }
        if (!BicepText.Resources(sources.StorageBicep).Any(r => r.Type == "Microsoft.Storage/storageAccounts/tableServices/tables" && r.LoopSource == "tables"
            && BicepText.Property(r.Body, "name") == r.LoopVariable))
        {
            gaps.Add("storage.bicep does not create a table for every entry of the 'tables' parameter");
        }
        return gaps;
    }

    /// <summary>Every secret of appsecrets.json reaches the app as a Key Vault reference resolved by the app's identity, and the docs name it.</summary>
    public static List<string> SecretGaps(InfraSources sources)
    {
        var gaps = new List<string>();
        var secrets = (JsonNode.Parse(sources.AppSecretsJson)!["secrets"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(s => (Setting: s["setting"]!.GetValue<string>(), Secret: s["secretName"]!.GetValue<string>())).ToList();
        var settings = AppSettingNames(sources, gaps);
        foreach (var (setting, secret) in secrets)
        {
            if (!settings.Contains(setting))
            {
                gaps.Add($"secret setting '{setting}' does not reach the function app's settings");
            }
            if (!sources.DeployDoc.Contains($"`{secret}`", StringComparison.Ordinal))
            {
                gaps.Add($"Key Vault secret '{secret}' is not documented in docs/deploy.md");
            }
        }
        if (!sources.FunctionBicep.Contains("@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${", StringComparison.Ordinal))
        {
            gaps.Add("function.bicep does not write secret settings as @Microsoft.KeyVault(SecretUri=...) references");
        }
        var site = FunctionSite(sources, gaps);
        if (site is not null && BicepText.Property(site.Body, "keyVaultReferenceIdentity") != "identityId")
        {
            gaps.Add("the function app does not resolve Key Vault references with its user-assigned identity (keyVaultReferenceIdentity)");
        }
        return gaps;
    }

    /// <summary>The security and platform settings the issue requires, resource by resource.</summary>
    public static List<string> PostureGaps(InfraSources sources)
    {
        var gaps = new List<string>();
        if (FunctionSite(sources, gaps) is { } site)
        {
            Expect(site.Body, "httpsOnly", "true", "the function app", gaps);
            Expect(site.Body, "minTlsVersion", "'1.2'", "the function app", gaps);
            Expect(site.Body, "kind", "'functionapp,linux'", "the function app", gaps);
            var runtime = BicepText.PropertyBlock(site.Body, "runtime") ?? "";
            Expect(runtime, "name", "'custom'", "functionAppConfig.runtime", gaps);
            Expect(runtime, "version", "'1.0'", "functionAppConfig.runtime", gaps);
            var identity = BicepText.PropertyBlock(site.Body, "identity") ?? "";
            Expect(identity, "type", "'UserAssigned'", "the function app identity", gaps);
            var deployment = BicepText.PropertyBlock(site.Body, "deployment") ?? "";
            Expect(deployment, "type", "'blobContainer'", "the deployment storage", gaps);
            if (!(BicepText.PropertyBlock(deployment, "authentication") ?? "").Contains("'UserAssignedIdentity'", StringComparison.Ordinal))
            {
                gaps.Add("the deployment storage is not reached with the user-assigned identity");
            }
        }
        var functionResources = BicepText.Resources(sources.FunctionBicep);
        Expect(SingleBody(functionResources, "Microsoft.Web/serverfarms", gaps), "tier", "'FlexConsumption'", "the plan", gaps);
        foreach (var policy in new[] { "ftp", "scm" })
        {
            var resource = functionResources.FirstOrDefault(r => r.Type == "Microsoft.Web/sites/basicPublishingCredentialsPolicies" && BicepText.Property(r.Body, "name") == $"'{policy}'");
            if (resource is null || BicepText.Property(resource.Body, "allow") != "false")
            {
                gaps.Add($"basic publishing credentials ({policy}) are not disabled");
            }
        }

        var storage = SingleBody(BicepText.Resources(sources.StorageBicep), "Microsoft.Storage/storageAccounts", gaps);
        Expect(storage, "allowSharedKeyAccess", "false", "the storage account", gaps);
        Expect(storage, "minimumTlsVersion", "'TLS1_2'", "the storage account", gaps);
        Expect(storage, "allowBlobPublicAccess", "false", "the storage account", gaps);

        var vault = SingleBody(BicepText.Resources(sources.KeyVaultBicep), "Microsoft.KeyVault/vaults", gaps);
        Expect(vault, "enableRbacAuthorization", "true", "the key vault", gaps);
        Expect(vault, "enableSoftDelete", "true", "the key vault", gaps);
        Expect(vault, "enablePurgeProtection", "true", "the key vault", gaps);

        Expect(SingleBody(BicepText.Resources(sources.MonitoringBicep), "Microsoft.Insights/components", gaps), "DisableLocalAuth", "true", "Application Insights", gaps);

        var communication = BicepText.Resources(sources.CommunicationBicep);
        var domain = communication.FirstOrDefault(r => r.Type == "Microsoft.Communication/emailServices/domains");
        if (domain is null || !(BicepText.Property(domain.Body, "domainManagement") ?? "").Contains("'AzureManaged'", StringComparison.Ordinal))
        {
            gaps.Add("no Azure-managed email domain");
        }
        var acs = SingleBody(communication, "Microsoft.Communication/communicationServices", gaps);
        if (domain is not null && !(BicepText.PropertyBlock(acs, "linkedDomains") ?? "").Contains($"{domain.Symbol}.id", StringComparison.Ordinal))
        {
            gaps.Add("the email domain is not linked to the Communication Services resource (linkedDomains)");
        }
        var topic = SingleBody(communication, "Microsoft.EventGrid/systemTopics", gaps);
        Expect(topic, "topicType", "'Microsoft.Communication.CommunicationServices'", "the Event Grid system topic", gaps);

        var subscription = BicepText.Resources(sources.AcsEventsBicep).FirstOrDefault(r => r.Type == "Microsoft.EventGrid/systemTopics/eventSubscriptions");
        if (subscription is null)
        {
            gaps.Add("acs-events.bicep has no Event Grid subscription");
        }
        else
        {
            var types = BicepText.Variable(sources.AcsEventsBicep, "eventTypes") ?? "";
            gaps.AddRange(AcsEventTypes.Where(t => !types.Contains($"'{t}'", StringComparison.Ordinal)).Select(t => $"ACS event '{t}' is not delivered to AcsEvents"));
            var url = BicepText.Property(subscription.Body, "endpointUrl") ?? "";
            if (!url.StartsWith("'https://", StringComparison.Ordinal) || !url.Contains("/api/${webhookRoute}?secret=${acsEventsSecret}", StringComparison.Ordinal)
                || !Regex.IsMatch(sources.AcsEventsBicep, @"(?m)^\s*param\s+webhookRoute\s+string\s*=\s*'webhooks/acs'\s*$")
                || !Regex.IsMatch(sources.AcsEventsBicep, @"@secure\(\)\s*(?:@description\([^\n]*\)\s*)?param\s+acsEventsSecret\s+string"))
            {
                gaps.Add("the ACS event webhook is not https://{app}/api/webhooks/acs?secret=<AcsEvents secret, a secure parameter>");
            }
            if (!sources.MainBicep.Contains("acsEventsSecret: vaultForSecrets.getSecret('acs-events-secret')", StringComparison.Ordinal))
            {
                gaps.Add("main.bicep does not pass the Key Vault secret acs-events-secret to the ACS event subscription");
            }
        }
        var module = ModuleFor(sources.MainBicep, "app/acs-events.bicep", gaps);
        if (module is not null && module.Condition != "(deployAcsEventSubscription)")
        {
            gaps.Add("the ACS event subscription is not conditional on deployAcsEventSubscription");
        }
        if (!Regex.IsMatch(sources.MainBicep, @"(?m)^\s*param\s+deployAcsEventSubscription\s+bool\s*=\s*false\s*$"))
        {
            gaps.Add("parameter deployAcsEventSubscription must default to false");
        }
        return gaps;
    }

    private static HashSet<string> AppSettingNames(InfraSources sources, List<string> gaps)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var site = FunctionSite(sources, gaps);
        var expression = site is null ? null : BicepText.Property(site.Body, "appSettings");
        if (expression is null)
        {
            gaps.Add("the function app has no siteConfig.appSettings");
            return names;
        }
        var secrets = (JsonNode.Parse(sources.AppSecretsJson)!["secrets"] as JsonArray ?? []).OfType<JsonObject>().Select(s => s["setting"]!.GetValue<string>());
        foreach (var variable in BicepText.VariableNames(sources.FunctionBicep).Where(v => Regex.IsMatch(expression, $@"\b{v}\b")))
        {
            var value = BicepText.Variable(sources.FunctionBicep, variable)!;
            names.UnionWith(BicepText.StringValuesOf(value, "name"));
            names.UnionWith(Regex.Matches(value, @"\{\s*name:\s*'(?<n>[^']+)'").Select(m => m.Groups["n"].Value));
            if (Regex.IsMatch(value, @"^\[\s*for\s+(\w+)\s+in\s+appSecrets\s*:") && Regex.IsMatch(value, @"name:\s*\w+\.setting\b")
                && ModuleFor(sources.MainBicep, "app/function.bicep", gaps) is { } module
                && BicepText.Property(module.Body, "appSecrets") is { } passed && passed == JsonFileVariableName(sources.MainBicep, "appsecrets.json")
                && BicepText.Variable(sources.MainBicep, passed) == "loadJsonContent('appsecrets.json').secrets")
            {
                names.UnionWith(secrets);
            }
        }
        return names;
    }

    private static BicepResource? FunctionSite(InfraSources sources, List<string> gaps)
    {
        var site = BicepText.Resources(sources.FunctionBicep).FirstOrDefault(r => r.Type == "Microsoft.Web/sites" && !r.Existing);
        if (site is null && !gaps.Contains("function.bicep creates no function app"))
        {
            gaps.Add("function.bicep creates no function app");
        }
        return site;
    }

    private static string SingleBody(IEnumerable<BicepResource> resources, string type, List<string> gaps)
    {
        var found = resources.FirstOrDefault(r => r.Type == type && !r.Existing);
        if (found is null)
        {
            gaps.Add($"no {type} resource");
        }
        return found?.Body ?? "";
    }

    /// <summary>The variable a data file is loaded into, e.g. <c>var queueFile = loadJsonContent('queues.json')</c> (or a member of it).</summary>
    private static string? JsonFileVariable(string mainBicep, string file, List<string> gaps)
    {
        var name = JsonFileVariableName(mainBicep, file);
        if (name is null)
        {
            gaps.Add($"main.bicep does not read {file} with loadJsonContent('{file}')");
        }
        return name;
    }

    private static string? JsonFileVariableName(string mainBicep, string file)
    {
        var m = Regex.Match(BicepText.StripComments(mainBicep), $@"(?m)^\s*var\s+(?<v>\w+)\s*=\s*loadJsonContent\(\s*'{Regex.Escape(file)}'\s*\)(?<member>\.\w+)?\s*$");
        return m.Success ? m.Groups["v"].Value : null;
    }

    private static BicepModule? ModuleFor(string mainBicep, string path, List<string> gaps)
    {
        var module = BicepText.Modules(mainBicep).FirstOrDefault(m => m.Path == path);
        if (module is null)
        {
            gaps.Add($"main.bicep does not deploy {path}");
        }
        return module;
    }

    private static void Expect(string block, string property, string expected, string where, List<string> gaps)
    {
        var actual = BicepText.Property(block, property);
        if (actual != expected)
        {
            gaps.Add($"{where}: {property} is {actual ?? "not set"}, expected {expected}");
        }
    }

    private static void CheckDuration(string queue, string property, JsonNode? value, TimeSpan min, TimeSpan max, List<string> gaps)
    {
        if (value is not JsonValue v || !v.TryGetValue<string>(out var text))
        {
            return;
        }
        try
        {
            var duration = XmlConvert.ToTimeSpan(text);
            if (duration < min || duration > max)
            {
                gaps.Add($"queue '{queue}': {property} {text} is outside what Service Bus accepts ({min} to {max})");
            }
        }
        catch (FormatException)
        {
            gaps.Add($"queue '{queue}': {property} '{text}' is not an ISO 8601 duration");
        }
    }

    private static string? Unquote(string? value) => value is ['\'', .., '\''] ? value[1..^1] : value;

    [GeneratedRegex(@"const\s+string\s+\w*Queue\w*\s*=\s*""(?<queue>[a-z0-9][a-z0-9\-_.]*)""")]
    private static partial Regex QueueConstant();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    private static partial Regex TableName();
}
