using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml;
using Omni.Hosting;
using Omni.Infra.Tests.Bicep;
using static Omni.Infra.Tests.Bicep.DeploymentSnapshot;

namespace Omni.Infra.Tests;

/// <summary>
/// Cross-checks what the Bicep would deploy (the compiler's snapshot of main.bicep, <see cref="DeploymentSnapshot"/>)
/// against the application code and the docs. Every check returns the gaps it found as readable sentences (empty =
/// consistent), so a test can assert both that the repository is consistent and that a mutated copy is reported.
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

    /// <summary>
    /// Who needs which role where, and why — the whole list: a role assignment not in it is a gap too (least privilege).
    /// Principal: "app" (the function app's identity), "topic" (the ACS Event Grid topic's), "deployer" (whoever runs azd).
    /// </summary>
    public static readonly (string Need, string Role, string ScopeType, string Principal)[] RequiredRoles =
    [
        ("Flex deployment package + host blobs", "Storage Blob Data Owner", "Microsoft.Storage/storageAccounts", "app"),
        ("Omni tables (TableServiceClient)", "Storage Table Data Contributor", "Microsoft.Storage/storageAccounts", "app"),
        ("Service Bus send (ServiceBusSender)", "Azure Service Bus Data Sender", "Microsoft.ServiceBus/namespaces", "app"),
        ("Service Bus triggers (receive)", "Azure Service Bus Data Receiver", "Microsoft.ServiceBus/namespaces", "app"),
        ("Service Bus trigger scaling", "Azure Service Bus Data Owner", "Microsoft.ServiceBus/namespaces", "app"),
        ("Key Vault references", "Key Vault Secrets User", "Microsoft.KeyVault/vaults", "app"),
        ("Entra telemetry ingestion", "Monitoring Metrics Publisher", "Microsoft.Insights/components", "app"),
        ("ACS SMS/Email/Advanced Messaging with Entra tokens", "Communication and Email Service Owner", "Microsoft.Communication/communicationServices", "app"),
        ("Event Grid delivers ACS events to the acs-events queue", "Azure Service Bus Data Sender", "Microsoft.ServiceBus/namespaces/queues", "topic"),
        ("the deployer stores provider secrets", "Key Vault Secrets Officer", "Microsoft.KeyVault/vaults", "deployer"),
    ];

    /// <summary>The queue Event Grid delivers ACS events to (acs-events.bicep), consumed by a function.</summary>
    public const string AcsEventsQueue = "acs-events";

    /// <summary>App settings Flex Consumption rejects or ignores ("Flex Consumption plan deprecations", Functions app settings reference).</summary>
    public static readonly string[] FlexRejectedSettings =
    [
        "ENABLE_ORYX_BUILD", "FUNCTIONS_EXTENSION_VERSION", "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_WORKER_RUNTIME_VERSION",
        "FUNCTIONS_MAX_HTTP_CONCURRENCY", "FUNCTIONS_WORKER_PROCESS_COUNT", "FUNCTIONS_WORKER_DYNAMIC_CONCURRENCY_ENABLED",
        "SCM_DO_BUILD_DURING_DEPLOYMENT", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "WEBSITE_CONTENTOVERVNET",
        "WEBSITE_CONTENTSHARE", "WEBSITE_DNS_SERVER", "WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT", "WEBSITE_NODE_DEFAULT_VERSION",
        "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_SKIP_CONTENTSHARE_VALIDATION", "WEBSITE_VNET_ROUTE_ALL",
    ];

    /// <summary>Site properties Flex Consumption rejects (same table): e.g. "FTPS not supported".</summary>
    public static readonly string[] FlexRejectedSiteProperties =
    [
        "alwaysOn", "containerSize", "dnsConfiguration", "ftpsState", "isReserved", "IsXenon", "javaVersion", "linuxFxVersion",
        "netFrameworkVersion", "powerShellVersion", "functionAppScaleLimit", "preWarmedInstanceCount", "use32BitWorkerProcess",
        "vnetBackupRestoreEnabled", "vnetContentShareEnabled", "vnetImagePullEnabled", "vnetRouteAllEnabled", "windowsFxVersion",
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

    /// <summary>Every queue of queues.json (defaults applied) is created with the properties the code relies on.</summary>
    public static List<string> ServiceBusGaps(DeploymentSnapshot snapshot, string queuesJson)
    {
        var gaps = new List<string>();
        var ns = One(snapshot, "Microsoft.ServiceBus/namespaces", gaps);
        if (ns is not null)
        {
            Expect(ns, "properties.disableLocalAuth", "true", "the Service Bus namespace", gaps);
            if (Text(At(ns, "sku.name")) is not ("Standard" or "Premium"))
            {
                gaps.Add("the Service Bus namespace is not on the Standard or Premium tier (duplicate detection needs one of them)");
            }
        }
        var file = JsonNode.Parse(queuesJson)!;
        var defaults = file["defaults"] as JsonObject ?? [];
        var created = snapshot.OfType("Microsoft.ServiceBus/namespaces/queues").ToDictionary(LeafName, StringComparer.Ordinal);
        foreach (var queue in (file["queues"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = queue["name"]?.GetValue<string>() ?? "(unnamed)";
            if (!created.TryGetValue(name, out var resource))
            {
                gaps.Add($"queue '{name}' of queues.json is not created");
                continue;
            }
            Expect(resource, "properties.requiresDuplicateDetection", "true", $"queue '{name}'", gaps);
            Expect(resource, "properties.requiresSession", "false", $"queue '{name}'", gaps);
            foreach (var property in QueueProperties)
            {
                var wanted = Text(queue[property] ?? defaults[property]);
                Expect(resource, $"properties.{property}", wanted, $"queue '{name}'", gaps);
            }
        }
        return gaps;
    }

    /// <summary>
    /// The app settings the deployment writes, for a snapshot made with <see cref="ParameterProbes"/>: every key the code
    /// needs from Bicep is set, local connection strings and the settings Flex rejects are not, each
    /// <see cref="KeySource.Parameter"/> key carries its azd variable's value, and every key Bicep may leave unset is
    /// documented in docs/deploy.md.
    /// </summary>
    public static List<string> SettingGaps(DeploymentSnapshot snapshot, IEnumerable<ConfigurationKey> keys, string deployDoc)
    {
        var gaps = new List<string>();
        var settings = AppSettings(snapshot, gaps);
        foreach (var key in keys)
        {
            var set = settings.ContainsKey(key.Key);
            switch (key.Source)
            {
                case KeySource.Bicep or KeySource.Secret when !set:
                    gaps.Add($"app setting '{key.Key}' (read by {key.ReadBy}) is not set by the deployment");
                    break;
                case KeySource.LocalOnly when set:
                    gaps.Add($"app setting '{key.Key}' is a local connection string; Azure uses identity-based settings");
                    break;
                case KeySource.Parameter when key.AzdVariable is null:
                    gaps.Add($"'{key.Key}' is a parameter setting without its azd environment variable");
                    break;
                case KeySource.Parameter when !set:
                    gaps.Add($"app setting '{key.Key}' is not set although {key.AzdVariable} is");
                    break;
                case KeySource.Parameter when settings[key.Key] != ParameterProbe(key):
                    gaps.Add($"app setting '{key.Key}' is '{settings[key.Key]}', not the value of {key.AzdVariable}");
                    break;
            }
            if (key.Source is KeySource.Optional or KeySource.Host or KeySource.Parameter && !deployDoc.Contains($"`{key.Key}`", StringComparison.Ordinal))
            {
                gaps.Add($"'{key.Key}' ({key.Source}, read by {key.ReadBy}) is not listed in docs/deploy.md");
            }
            if (key.AzdVariable is { } variable && !deployDoc.Contains($"`{variable}`", StringComparison.Ordinal))
            {
                gaps.Add($"azd variable '{variable}' ({key.Key}) is not documented in docs/deploy.md");
            }
        }
        gaps.AddRange(FlexRejectedSettings.Where(settings.ContainsKey)
            .Select(s => $"app setting '{s}' must not be set on Flex Consumption (rejected or ignored there)"));
        return gaps;
    }

    /// <summary>The value a test's azd environment gives a parameter setting: <c>probe-&lt;variable&gt;</c>.</summary>
    public static string ParameterProbe(ConfigurationKey key) => $"probe-{key.AzdVariable}";

    /// <summary>An azd environment that sets every parameter setting's variable to its probe value.</summary>
    public static Dictionary<string, string> ParameterProbes(IEnumerable<ConfigurationKey> keys) =>
        keys.Where(k => k.AzdVariable is not null).ToDictionary(k => k.AzdVariable!, ParameterProbe);

    /// <summary>Role assignments: each GUID is the built-in role its description names, each need is met, nothing more is granted.</summary>
    public static List<string> RoleGaps(DeploymentSnapshot snapshot)
    {
        var gaps = new List<string>();
        var granted = new List<(string Role, string ScopeType, string Principal)>();
        foreach (var assignment in snapshot.OfType("Microsoft.Authorization/roleAssignments"))
        {
            var id = Text(At(assignment, "properties.roleDefinitionId"))?.Split('/')[^1] ?? "";
            var description = Text(At(assignment, "properties.description")) ?? "";
            if (!AzureBuiltInRoles.NameById.TryGetValue(id, out var role))
            {
                gaps.Add($"role {id} ({description}) is not a built-in role Omni knows");
                continue;
            }
            if (!description.StartsWith(role + ": ", StringComparison.Ordinal) || description.Length <= role.Length + 2)
            {
                gaps.Add($"role {id} is '{role}', but its assignment says '{description}' (expected '{role}: <why>')");
            }
            var scopeType = ScopeTypeOf(Text(assignment["id"]) ?? "");
            var principal = Text(At(assignment, "properties.principalId")) ?? "";
            var who = principal.Contains("userAssignedIdentities/", StringComparison.Ordinal) ? "app"
                : principal.Contains("systemTopics/", StringComparison.Ordinal) ? "topic" : "deployer";
            granted.Add((role, scopeType, who));
            if (!RequiredRoles.Any(r => r.Role == role && r.ScopeType == scopeType && r.Principal == who))
            {
                gaps.Add($"'{role}' is granted to the {who} on {scopeType}, which no need calls for");
            }
        }
        foreach (var (need, role, scopeType, principal) in RequiredRoles)
        {
            if (!granted.Contains((role, scopeType, principal)))
            {
                gaps.Add($"'{role}' on {scopeType} for the {principal} ({need}) is not granted");
            }
        }
        return gaps;
    }

    public static List<string> TableGaps(DeploymentSnapshot snapshot, string tablesJson)
    {
        var gaps = new List<string>();
        var tables = (JsonNode.Parse(tablesJson)!["tables"] as JsonArray ?? []).Select(t => t!.GetValue<string>()).ToList();
        gaps.AddRange(DesignTables.Except(tables).Select(t => $"table '{t}' (named by the design) is missing from infra/tables.json"));
        gaps.AddRange(tables.Where(t => !TableName().IsMatch(t)).Select(t => $"'{t}' is not a valid table name"));
        var created = snapshot.OfType("Microsoft.Storage/storageAccounts/tableServices/tables").Select(LeafName).ToHashSet(StringComparer.Ordinal);
        gaps.AddRange(tables.Where(t => !created.Contains(t)).Select(t => $"table '{t}' of tables.json is not created"));
        return gaps;
    }

    /// <summary>Every secret of appsecrets.json reaches the app as a Key Vault reference resolved with the app's identity, and is documented.</summary>
    public static List<string> SecretGaps(DeploymentSnapshot snapshot, string appSecretsJson, string deployDoc)
    {
        var gaps = new List<string>();
        var settings = AppSettings(snapshot, gaps);
        foreach (var secret in (JsonNode.Parse(appSecretsJson)!["secrets"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var setting = secret["setting"]!.GetValue<string>();
            var name = secret["secretName"]!.GetValue<string>();
            if (!settings.TryGetValue(setting, out var value))
            {
                gaps.Add($"secret setting '{setting}' does not reach the function app's settings");
            }
            else if (!value.Contains("@Microsoft.KeyVault(SecretUri=", StringComparison.Ordinal) || !value.Contains($"'{name}'", StringComparison.Ordinal))
            {
                gaps.Add($"app setting '{setting}' is not a Key Vault reference to the secret '{name}'");
            }
            if (!deployDoc.Contains($"`{name}`", StringComparison.Ordinal))
            {
                gaps.Add($"Key Vault secret '{name}' is not documented in docs/deploy.md");
            }
        }
        if (One(snapshot, "Microsoft.Web/sites", gaps) is { } site && string.IsNullOrEmpty(Text(At(site, "properties.keyVaultReferenceIdentity"))))
        {
            gaps.Add("the function app does not resolve Key Vault references with its user-assigned identity (keyVaultReferenceIdentity)");
        }
        return gaps;
    }

    /// <summary>What Flex Consumption accepts and what Omni's security posture requires, resource by resource.</summary>
    public static List<string> PostureGaps(DeploymentSnapshot snapshot)
    {
        var gaps = new List<string>();
        if (One(snapshot, "Microsoft.Web/sites", gaps) is { } site)
        {
            Expect(site, "kind", "functionapp,linux", "the function app", gaps);
            Expect(site, "properties.httpsOnly", "true", "the function app", gaps);
            Expect(site, "properties.siteConfig.minTlsVersion", "1.2", "the function app", gaps);
            Expect(site, "properties.functionAppConfig.runtime.name", "custom", "the function app", gaps);
            Expect(site, "properties.functionAppConfig.runtime.version", "1.0", "the function app", gaps);
            Expect(site, "identity.type", "UserAssigned", "the function app", gaps);
            Expect(site, "properties.functionAppConfig.deployment.storage.type", "blobContainer", "the function app", gaps);
            Expect(site, "properties.functionAppConfig.deployment.storage.authentication.type", "UserAssignedIdentity", "the function app", gaps);
            foreach (var (container, path) in new[] { (site["properties"], "properties"), (At(site, "properties.siteConfig"), "properties.siteConfig") })
            {
                gaps.AddRange(FlexRejectedSiteProperties.Where(p => container is JsonObject o && o.ContainsKey(p))
                    .Select(p => $"the function app sets {path}.{p}, which Flex Consumption rejects"));
            }
        }
        if (One(snapshot, "Microsoft.Web/serverfarms", gaps) is { } plan)
        {
            Expect(plan, "sku.tier", "FlexConsumption", "the plan", gaps);
        }
        var policies = snapshot.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToDictionary(LeafName, StringComparer.Ordinal);
        if (policies.ContainsKey("ftp"))
        {
            gaps.Add("the function app sets an ftp publishing-credentials policy; Flex Consumption has no FTP");
        }
        if (!policies.TryGetValue("scm", out var scm) || Text(At(scm, "properties.allow")) != "false")
        {
            gaps.Add("basic publishing credentials (scm) are not disabled");
        }
        if (One(snapshot, "Microsoft.Storage/storageAccounts", gaps) is { } storage)
        {
            Expect(storage, "properties.allowSharedKeyAccess", "false", "the storage account", gaps);
            Expect(storage, "properties.minimumTlsVersion", "TLS1_2", "the storage account", gaps);
            Expect(storage, "properties.allowBlobPublicAccess", "false", "the storage account", gaps);
        }
        if (One(snapshot, "Microsoft.KeyVault/vaults", gaps) is { } vault)
        {
            Expect(vault, "properties.enableRbacAuthorization", "true", "the key vault", gaps);
            Expect(vault, "properties.enableSoftDelete", "true", "the key vault", gaps);
            if (Text(At(vault, "properties.enablePurgeProtection")) == "false")
            {
                gaps.Add("the key vault sets enablePurgeProtection to false, which the API refuses (leave it out instead)");
            }
        }
        if (One(snapshot, "Microsoft.Insights/components", gaps) is { } insights)
        {
            Expect(insights, "properties.DisableLocalAuth", "true", "Application Insights", gaps);
        }
        var domain = snapshot.Single("Microsoft.Communication/emailServices/domains");
        if (domain is null || Text(At(domain, "properties.domainManagement")) != "AzureManaged")
        {
            gaps.Add("no Azure-managed email domain");
        }
        if (One(snapshot, "Microsoft.Communication/communicationServices", gaps) is { } acs && domain is not null
            && !(At(acs, "properties.linkedDomains") is JsonArray linked && linked.Any(d => Text(d) == Text(domain["id"]))))
        {
            gaps.Add("the email domain is not linked to the Communication Services resource (linkedDomains)");
        }
        gaps.AddRange(AcsEventGaps(snapshot));
        return gaps;
    }

    /// <summary>ACS events go from the ACS system topic to the acs-events queue with the topic's own identity.</summary>
    public static List<string> AcsEventGaps(DeploymentSnapshot snapshot)
    {
        var gaps = new List<string>();
        if (One(snapshot, "Microsoft.EventGrid/systemTopics", gaps) is { } topic)
        {
            Expect(topic, "properties.topicType", "Microsoft.Communication.CommunicationServices", "the Event Grid system topic", gaps);
            Expect(topic, "identity.type", "SystemAssigned", "the Event Grid system topic", gaps);
        }
        if (One(snapshot, "Microsoft.EventGrid/systemTopics/eventSubscriptions", gaps) is not { } subscription)
        {
            return gaps;
        }
        if (At(subscription, "properties.destination") is not null)
        {
            gaps.Add("the ACS event subscription delivers to a destination without the topic's identity (properties.destination)");
        }
        Expect(subscription, "properties.deliveryWithResourceIdentity.identity.type", "SystemAssigned", "the ACS event subscription", gaps);
        Expect(subscription, "properties.deliveryWithResourceIdentity.destination.endpointType", "ServiceBusQueue", "the ACS event subscription", gaps);
        var queue = Text(At(subscription, "properties.deliveryWithResourceIdentity.destination.properties.resourceId")) ?? "";
        if (!queue.EndsWith("/queues/" + AcsEventsQueue, StringComparison.Ordinal))
        {
            gaps.Add($"the ACS event subscription does not deliver to the '{AcsEventsQueue}' queue (it names '{queue}')");
        }
        var types = (At(subscription, "properties.filter.includedEventTypes") as JsonArray ?? []).Select(Text).ToHashSet();
        gaps.AddRange(AcsEventTypes.Where(t => !types.Contains(t)).Select(t => $"ACS event '{t}' is not delivered to {AcsEventsQueue}"));
        return gaps;
    }

    /// <summary>No URL in the deployment carries a secret: Key Vault values, keys, SAS signatures or credentials in a query.</summary>
    public static List<string> UrlSecretGaps(DeploymentSnapshot snapshot)
    {
        var gaps = new List<string>();
        foreach (var (where, value) in snapshot.Strings())
        {
            if (value.Contains("getKeyVaultSecret(", StringComparison.OrdinalIgnoreCase) || ListKeysCall().IsMatch(value))
            {
                gaps.Add($"{where} reads a secret into the template ({Shorten(value)})");
            }
            else if (value.Contains("://", StringComparison.Ordinal) && SecretInQuery().IsMatch(value))
            {
                gaps.Add($"{where} is a URL with a secret in its query ({Shorten(value)})");
            }
        }
        return gaps;
    }

    /// <summary>The app settings of the one function app, name → value (expression text where Azure computes it).</summary>
    public static Dictionary<string, string> AppSettings(DeploymentSnapshot snapshot, List<string> gaps)
    {
        var site = One(snapshot, "Microsoft.Web/sites", gaps);
        if (site is null || At(site, "properties.siteConfig.appSettings") is not JsonArray settings)
        {
            gaps.Add("the function app has no siteConfig.appSettings");
            return [];
        }
        return settings.OfType<JsonObject>().ToDictionary(s => Text(s["name"]) ?? "", s => Text(s["value"]) ?? "", StringComparer.Ordinal);
    }

    private static string ScopeTypeOf(string assignmentId)
    {
        // "/subscriptions/…/providers/A.B/x/name/y/name/providers/Microsoft.Authorization/roleAssignments/…", or
        // "[extensionResourceId('<scope id>', 'Microsoft.Authorization/roleAssignments', …)]" when the name needs Azure.
        var scope = assignmentId.StartsWith("[extensionResourceId('", StringComparison.Ordinal)
            ? assignmentId["[extensionResourceId('".Length..assignmentId.IndexOf('\'', "[extensionResourceId('".Length)]
            : assignmentId[..Math.Max(0, assignmentId.LastIndexOf("/providers/Microsoft.Authorization/", StringComparison.Ordinal))];
        var parts = scope[(scope.LastIndexOf("/providers/", StringComparison.Ordinal) + "/providers/".Length)..].Split('/');
        // provider, then type/name pairs: keep the types.
        return string.Join('/', new[] { parts[0] }.Concat(parts.Skip(1).Where((_, i) => i % 2 == 0)));
    }

    private static JsonObject? One(DeploymentSnapshot snapshot, string type, List<string> gaps)
    {
        var found = snapshot.OfType(type).ToList();
        if (found.Count != 1)
        {
            var gap = found.Count == 0 ? $"no {type} resource" : $"{found.Count} {type} resources, expected one";
            if (!gaps.Contains(gap))
            {
                gaps.Add(gap);
            }
        }
        return found.Count == 1 ? found[0] : null;
    }

    private static void Expect(JsonObject resource, string path, string? expected, string where, List<string> gaps)
    {
        var actual = Text(At(resource, path));
        if (!string.Equals(actual, expected, StringComparison.Ordinal))
        {
            gaps.Add($"{where}: {path} is {actual ?? "not set"}, expected {expected ?? "nothing"}");
        }
    }

    private static string Shorten(string value) => value.Length <= 120 ? value : value[..117] + "...";

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

    [GeneratedRegex(@"const\s+string\s+\w*Queue\w*\s*=\s*""(?<queue>[a-z0-9][a-z0-9\-_.]*)""")]
    private static partial Regex QueueConstant();

    [GeneratedRegex(@"\blist(Keys|Secrets|AccountSas|ServiceSas|ConnectionStrings)\(", RegexOptions.IgnoreCase)]
    private static partial Regex ListKeysCall();

    [GeneratedRegex(@"[?&](secret|code|key|sig|token|password|access_token)=", RegexOptions.IgnoreCase)]
    private static partial Regex SecretInQuery();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    private static partial Regex TableName();
}
