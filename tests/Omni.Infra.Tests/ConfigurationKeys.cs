namespace Omni.Infra.Tests;

/// <summary>Where a deployed app gets a configuration key from.</summary>
internal enum KeySource
{
    /// <summary>infra/app/function.bicep sets it as an app setting.</summary>
    Bicep,

    /// <summary>The Functions host sets it for the handler process; docs/deploy.md says so.</summary>
    Host,

    /// <summary>infra/appsecrets.json maps it to a Key Vault secret; function.bicep writes the Key Vault reference.</summary>
    Secret,

    /// <summary>Not a secret, but the deployment's own: a main.bicep parameter fed from an azd environment variable.</summary>
    Parameter,

    /// <summary>An alternative the code accepts but the deployment does not need; docs/deploy.md lists it.</summary>
    Optional,

    /// <summary>A connection string for local runs only: Bicep must not set it (shared keys and SAS are off in Azure).</summary>
    LocalOnly,
}

/// <summary>A configuration key, the file that reads it, the text in that file that shows it does, and where Azure gets it.</summary>
internal sealed record ConfigurationKey(string Key, string ReadBy, string Evidence, KeySource Source, string? AzdVariable = null);

/// <summary>
/// Every configuration key the deployed app reads — the one list the cross-check holds the IaC and the docs to.
/// A feature that reads a new key adds it here (ConfigurationKeysTests finds keys the code reads that are missing).
/// </summary>
internal static class ConfigurationKeys
{
    private const string Connections = "functions/Infrastructure/AzureConnections.cs";
    private const string Hosting = "functions/Hosting/CustomHandlerHosting.cs";
    private const string CallerAuth = "functions/Http/CallerAuth.cs";
    private const string Telemetry = "functions/Hosting/Telemetry.cs";
    private const string Channels = "functions/Infrastructure/ChannelRegistration.cs";
    private const string Sms = "shared/Omni.Channels/Outbound/SmsSender.cs";
    private const string AcsSms = "shared/Omni.Channels/Outbound/AcsSmsProvider.cs";
    private const string Email = "shared/Omni.Channels/Outbound/EmailSender.cs";
    private const string WhatsApp = "shared/Omni.Channels/Outbound/WhatsAppSender.cs";
    private const string Webhook = "shared/Omni.Channels/Outbound/WebhookSender.cs";
    private const string Twilio = "shared/Omni.Channels/Twilio/TwilioOptions.cs";
    private const string Webhooks = "functions/Webhooks/WebhooksApi.cs";
    private const string Messaging = "functions/Messages/MessagingSettings.cs";
    private const string Templates = "functions/Templates/TemplatesApi.cs";
    private const string Inbound = "functions/Inbound/InboundSettings.cs";

    public static IReadOnlyList<ConfigurationKey> All { get; } =
    [
        new("AzureWebJobsStorage__accountName", Connections, "\"accountName\"", KeySource.Bicep),
        new("AzureWebJobsStorage__credential", Connections, "\"credential\"", KeySource.Bicep),
        new("AzureWebJobsStorage__clientId", Connections, "\"clientId\"", KeySource.Bicep),
        new("AzureWebJobsStorage__tableServiceUri", Connections, "\"tableServiceUri\"", KeySource.Optional),
        new("AzureWebJobsStorage", Connections, "\"AzureWebJobsStorage\"", KeySource.LocalOnly),
        new("ServiceBusConnection__fullyQualifiedNamespace", Connections, "\"fullyQualifiedNamespace\"", KeySource.Bicep),
        new("ServiceBusConnection__credential", Connections, "\"credential\"", KeySource.Bicep),
        new("ServiceBusConnection__clientId", Connections, "\"clientId\"", KeySource.Bicep),
        new("ServiceBusConnection", Connections, "\"ServiceBusConnection\"", KeySource.LocalOnly),
        new("FUNCTIONS_CUSTOMHANDLER_PORT", Hosting, "\"FUNCTIONS_CUSTOMHANDLER_PORT\"", KeySource.Host),
        new("FUNCTIONS_APP_ROOT_PATH", Hosting, "\"FUNCTIONS_APP_ROOT_PATH\"", KeySource.Host),
        // Read by the Functions host itself: host.json's logging.applicationInsights section sends the host's and
        // the handler's logs (Host.Function.Console) to Application Insights with these two settings.
        new("APPLICATIONINSIGHTS_CONNECTION_STRING", "host.json", "\"applicationInsights\"", KeySource.Bicep),
        new("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "host.json", "\"applicationInsights\"", KeySource.Bicep),
        new("WEBSITE_HOSTNAME", Hosting, "\"WEBSITE_HOSTNAME\"", KeySource.Host),
        // Who may call what (SECURITY.md): Bicep writes the mode from OMNI_AUTH_MODE (@allowed, so not a probed parameter);
        // App Service sets WEBSITE_AUTH_ENABLED=True when its authentication is on (the authsettingsV2 resource).
        new("Auth__Mode", CallerAuth, "\"Auth:Mode\"", KeySource.Bicep),
        new("WEBSITE_AUTH_ENABLED", CallerAuth, "\"WEBSITE_AUTH_ENABLED\"", KeySource.Host),
        // OpenTelemetry's standard variables (docs/observability.md): export only when the endpoint is set.
        new("OTEL_EXPORTER_OTLP_ENDPOINT", Telemetry, "\"OTEL_EXPORTER_OTLP_ENDPOINT\"", KeySource.Optional),
        new("OTEL_SERVICE_NAME", Telemetry, "\"OTEL_SERVICE_NAME\"", KeySource.Optional),

        // Channels (docs/channels.md). ACS: an Entra token for the managed identity in Azure, a connection string locally.
        new("AcsConnection", Channels, "\"AcsConnection\"", KeySource.LocalOnly),
        new("AcsConnection__endpoint", Channels, "section[\"endpoint\"]", KeySource.Bicep),
        new("AcsConnection__credential", Connections, "\"credential\"", KeySource.Bicep),
        new("AcsConnection__clientId", Connections, "\"clientId\"", KeySource.Bicep),
        new("AcsEmail__senderAddress", Email, "\"AcsEmail:senderAddress\"", KeySource.Bicep),
        new("AcsSms__From", AcsSms, "\"AcsSms:From\"", KeySource.Parameter, "OMNI_SMS_FROM"),
        new("AcsWhatsApp__ChannelRegistrationId", WhatsApp, "\"AcsWhatsApp:ChannelRegistrationId\"", KeySource.Parameter, "OMNI_WHATSAPP_CHANNEL_REGISTRATION_ID"),
        new("Sms__Providers", Sms, "\"Sms:Providers\"", KeySource.Parameter, "OMNI_SMS_PROVIDERS"),
        new("Twilio__AccountSid", Twilio, "\"Twilio:AccountSid\"", KeySource.Parameter, "OMNI_TWILIO_ACCOUNT_SID"),
        new("Twilio__AuthToken", Twilio, "\"Twilio:AuthToken\"", KeySource.Secret),
        new("Twilio__From", Twilio, "\"Twilio:From\"", KeySource.Parameter, "OMNI_TWILIO_FROM"),
        new("Twilio__MessagingServiceSid", Twilio, "\"Twilio:MessagingServiceSid\"", KeySource.Parameter, "OMNI_TWILIO_MESSAGING_SERVICE_SID"),
        new("Twilio__BaseUrl", Twilio, "\"Twilio:BaseUrl\"", KeySource.Optional),
        new("Twilio__TimeoutSeconds", Twilio, "\"Twilio:TimeoutSeconds\"", KeySource.Optional),
        new("Twilio__ConfirmWindowSeconds", Twilio, "\"Twilio:ConfirmWindowSeconds\"", KeySource.Optional),
        new("Webhooks__SigningSecret", Webhook, "\"Webhooks:SigningSecret\"", KeySource.Secret),
        new("Webhooks__AllowPrivateTargets", Webhook, "\"Webhooks:AllowPrivateTargets\"", KeySource.Optional),
        new("Webhooks__TimeoutSeconds", Webhook, "\"Webhooks:TimeoutSeconds\"", KeySource.Optional),
        new("InApp__Endpoint", Webhook, "\"InApp:Endpoint\"", KeySource.Parameter, "OMNI_INAPP_ENDPOINT"),
        new("InApp__SigningSecret", Webhook, "\"InApp:SigningSecret\"", KeySource.Secret),
        new("Omni__PublicBaseUrl", Hosting, "\"Omni:PublicBaseUrl\"", KeySource.Parameter, "OMNI_PUBLIC_BASE_URL"),
        new("Omni__UnsubscribeSecret", Email, "\"Omni:UnsubscribeSecret\"", KeySource.Secret),
        // tools/Omni.Perf's handler benchmark only: maps POST /_bench/baseline (docs/performance.md). Never set in Azure.
        new("Omni__Benchmark__BaselineEndpoint", "functions/Hosting/BenchmarkBaseline.cs", "\"Omni:Benchmark:BaselineEndpoint\"", KeySource.LocalOnly),
        // The DevHost's --clock only: shifts the handler's clock (docs/devhost.md). Never set in Azure.
        new("Omni__ClockOffset", "functions/Hosting/ClockOffset.cs", "\"Omni:ClockOffset\"", KeySource.LocalOnly),

        // Provider webhooks (docs/webhooks.md).
        new("AcsEvents__Secret", Webhooks, "\"AcsEvents:Secret\"", KeySource.Secret),
        new("Twilio__WebhookUrl", Webhooks, "\"Twilio:WebhookUrl\"", KeySource.Optional),
        new("Twilio__TrustForwardedHost", Webhooks, "\"Twilio:TrustForwardedHost\"", KeySource.Optional),
        new("Meta__AppSecret", Webhooks, "\"Meta:AppSecret\"", KeySource.Secret),
        new("Meta__VerifyToken", Webhooks, "\"Meta:VerifyToken\"", KeySource.Secret),
        new("Chat__Secret", Webhooks, "\"Chat:Secret\"", KeySource.Secret),

        // Messaging (docs/messages.md): every key has a default.
        new("Channels__{channel}__Enabled", Messaging, "\"Enabled\"", KeySource.Optional),
        new("Channels__{channel}__UnitCost", Messaging, "\"UnitCost\"", KeySource.Optional),
        new("Channels__{channel}__IsInstant", Messaging, "\"IsInstant\"", KeySource.Optional),
        new("Channels__{channel}__SupportsRichContent", Messaging, "\"SupportsRichContent\"", KeySource.Optional),
        new("Channels__sms__MaxSegments", Messaging, "\"MaxSegments\"", KeySource.Optional),
        new("Channels__Currency", Messaging, "\"Channels:Currency\"", KeySource.Optional),
        new("Routing__EscalateAfterCritical", Messaging, "\"EscalateAfterCritical\"", KeySource.Optional),
        new("Routing__EscalateAfterHigh", Messaging, "\"EscalateAfterHigh\"", KeySource.Optional),
        new("Routing__EscalateAfterNormal", Messaging, "\"EscalateAfterNormal\"", KeySource.Optional),
        new("Routing__EscalateAfterLow", Messaging, "\"EscalateAfterLow\"", KeySource.Optional),
        new("Routing__Caps__{category}", Messaging, "\"Caps\"", KeySource.Optional),
        new("Messaging__MaxDeliveryCount", Messaging, "\"MaxDeliveryCount\"", KeySource.Optional),
        // Inbound (docs/inbound.md): keyword replies per sender, app event webhooks.
        new("Keywords__Default__HelpText", Inbound, "\"HelpText\"", KeySource.Optional),
        new("Keywords__Default__OptOutConfirmation", Inbound, "\"OptOutConfirmation\"", KeySource.Optional),
        new("Keywords__Default__OptInConfirmation", Inbound, "\"OptInConfirmation\"", KeySource.Optional),
        new("Keywords__Default__ExtraOptOut", Inbound, "\"ExtraOptOut\"", KeySource.Optional),
        new("Keywords__Default__ExtraOptIn", Inbound, "\"ExtraOptIn\"", KeySource.Optional),
        new("Keywords__Senders__{sender}__HelpText", Inbound, "\"Senders\"", KeySource.Optional),
        new("AppEvents__Url", Inbound, "\"AppEvents:Url\"", KeySource.Parameter, "OMNI_APP_EVENTS_URL"),
        new("AppEvents__SigningSecret", Inbound, "\"AppEvents:SigningSecret\"", KeySource.Secret),
        new("Brand__Name", Templates, "\"Brand\"", KeySource.Parameter, "OMNI_BRAND_NAME"),
    ];
}
