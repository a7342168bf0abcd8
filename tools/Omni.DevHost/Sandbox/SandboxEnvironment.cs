namespace Omni.DevHost.Sandbox;

/// <summary>
/// The fixed development values the DevHost gives the handler when the developer did not configure a provider, so
/// that <c>./omni run</c> sends through the sandbox providers and receives their signed delivery reports. They are
/// published (docs/devhost.md) like Azurite's account key: they guard nothing but loopback stand-ins.
/// </summary>
public static class SandboxEnvironment
{
    /// <summary>The sandbox ACS access key (base64), the <c>accesskey</c> of the sandbox <c>AcsConnection</c>.</summary>
    public const string AcsAccessKey = "T21uaSBEZXZIb3N0IHNhbmRib3ggQUNTIGtleTogbm90IGEgc2VjcmV0Lg==";

    /// <summary>The sandbox SMS sender (a fictional toll-free number).</summary>
    public const string AcsSmsFrom = "+18005550100";

    public const string AcsEmailSender = "DoNotReply@sandbox.omni.local";

    public const string AcsWhatsAppChannelRegistrationId = "5a4db0c0-0000-4000-8000-0000000000a1";

    /// <summary><c>AC</c> + 32 hex digits, as Twilio account SIDs are.</summary>
    public const string TwilioAccountSid = "AC5a4db0c00000000000000000000000a1";

    public const string TwilioAuthToken = "5a4db0c05a4db0c05a4db0c05a4db0c0";

    /// <summary>Twilio's documented "valid From" magic test number.</summary>
    public const string TwilioFrom = "+15005550006";

    public const string AcsEventsSecret = "sandbox-acs-events-secret-0123456789";

    /// <summary>The header the ACS webhook reads its secret from (a static delivery property of the Event Grid subscription).</summary>
    public const string AcsEventsSecretHeader = "X-Omni-Secret";
    public const string WebhooksSigningSecret = "sandbox-webhooks-signing-secret-0123456789";
    public const string InAppSigningSecret = "sandbox-inapp-signing-secret-0123456789";
    public const string AppEventsSigningSecret = "sandbox-app-events-signing-secret-0123456789";
    public const string UnsubscribeSecret = "sandbox-unsubscribe-secret";
    public const string ChatSecret = "sandbox-chat-secret-0123456789abcdef";
    public const string MetaAppSecret = "sandbox-meta-app-secret";
    public const string MetaVerifyToken = "sandbox-meta-verify-token";

    /// <summary>The queue Event Grid delivers ACS events to in Azure (infra/queues.json), which the sandbox fills by default.</summary>
    public const string AcsEventsQueue = "acs-events";

    /// <summary>The event subscription name the sandbox reports in <c>aeg-subscription-name</c> (Event Grid sends it upper-case).</summary>
    public const string EventSubscriptionName = "OMNI-SANDBOX";

    /// <summary>Where the ACS sandbox is mounted on the DevHost.</summary>
    public const string AcsPath = "/_sandbox/acs/";

    /// <summary>Where the Twilio sandbox is mounted on the DevHost (Twilio's base URL, without a trailing slash).</summary>
    public const string TwilioPath = "/_sandbox/twilio";

    /// <summary>
    /// The handler defaults for a DevHost at <paramref name="devHost"/>. Provider groups are all-or-nothing: when the
    /// developer configured ACS (<c>AcsConnection</c> or <c>AcsConnection__endpoint</c>) none of the ACS sandbox values
    /// are offered, and when any of <c>Twilio__AccountSid</c>/<c>Twilio__AuthToken</c>/<c>Twilio__BaseUrl</c> is
    /// configured none of the Twilio ones are, so real credentials are never pointed at the sandbox (or the sandbox's
    /// sender numbers at a real account). The other values are single settings. Whatever is configured wins anyway:
    /// these are defaults.
    /// </summary>
    /// <param name="devHost">The DevHost's base address, e.g. <c>http://127.0.0.1:7071/</c>.</param>
    /// <param name="isConfigured">Whether the developer set a (non-empty) value for a setting.</param>
    public static IReadOnlyDictionary<string, string> HandlerDefaults(Uri devHost, Func<string, bool> isConfigured)
    {
        ArgumentNullException.ThrowIfNull(devHost);
        ArgumentNullException.ThrowIfNull(isConfigured);
        var root = devHost.GetLeftPart(UriPartial.Authority);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!isConfigured("AcsConnection") && !isConfigured("AcsConnection__endpoint"))
        {
            values["AcsConnection"] = $"endpoint={root}{AcsPath};accesskey={AcsAccessKey}";
            values["AcsSms__From"] = AcsSmsFrom;
            values["AcsEmail__senderAddress"] = AcsEmailSender;
            values["AcsWhatsApp__ChannelRegistrationId"] = AcsWhatsAppChannelRegistrationId;
        }
        if (!isConfigured("Twilio__AccountSid") && !isConfigured("Twilio__AuthToken") && !isConfigured("Twilio__BaseUrl"))
        {
            values["Twilio__AccountSid"] = TwilioAccountSid;
            values["Twilio__AuthToken"] = TwilioAuthToken;
            values["Twilio__From"] = TwilioFrom;
            values["Twilio__BaseUrl"] = root + TwilioPath;
        }
        values["Omni__PublicBaseUrl"] = root;
        values["AcsEvents__Secret"] = AcsEventsSecret;
        values["Webhooks__SigningSecret"] = WebhooksSigningSecret;
        values["InApp__SigningSecret"] = InAppSigningSecret;
        values["AppEvents__SigningSecret"] = AppEventsSigningSecret;
        values["Webhooks__AllowPrivateTargets"] = "true";
        values["Omni__UnsubscribeSecret"] = UnsubscribeSecret;
        values["Chat__Secret"] = ChatSecret;
        values["Meta__AppSecret"] = MetaAppSecret;
        values["Meta__VerifyToken"] = MetaVerifyToken;
        return values;
    }

    /// <summary>
    /// The sandbox's own settings for the handler's final environment: it accepts the credentials the handler will
    /// use when they point at the sandbox (a developer may set their own sandbox key), otherwise the fixed ones, and
    /// posts ACS events to the function app's real webhook path with the handler's <c>AcsEvents__Secret</c> in
    /// <see cref="AcsEventsSecretHeader"/>, and plays the
    /// customer with the handler's chat secret, SMS number and WhatsApp channel.
    /// </summary>
    public static ProviderSandboxOptions OptionsFor(Uri devHost, IReadOnlyDictionary<string, string> handlerEnvironment)
    {
        ArgumentNullException.ThrowIfNull(devHost);
        ArgumentNullException.ThrowIfNull(handlerEnvironment);
        var root = devHost.GetLeftPart(UriPartial.Authority);
        string? Value(string key) => handlerEnvironment.TryGetValue(key, out var v) && v.Length > 0 ? v : null;

        var accessKey = AcsAccessKey;
        if (Value("AcsConnection") is { } connection && ParseConnection(connection) is ({ } endpoint, { } key) &&
            endpoint.StartsWith(root + AcsPath.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
        {
            accessKey = key;
        }

        var (sid, token) = (TwilioAccountSid, TwilioAuthToken);
        if (Value("Twilio__BaseUrl") is { } baseUrl && baseUrl.StartsWith(root + TwilioPath, StringComparison.OrdinalIgnoreCase) &&
            Value("Twilio__AccountSid") is { } configuredSid && Value("Twilio__AuthToken") is { } configuredToken)
        {
            (sid, token) = (configuredSid, configuredToken);
        }

        return new ProviderSandboxOptions
        {
            AcsAccessKey = accessKey,
            TwilioAccountSid = sid,
            TwilioAuthToken = token,
            AcsEventsUrl = new Uri($"{root}/api/webhooks/acs"),
            AcsEventsSecret = Value("AcsEvents__Secret") ?? AcsEventsSecret,
            AppBaseUrl = new Uri(root + "/"),
            ChatSecret = Value("Chat__Secret") ?? ChatSecret,
            SmsNumber = Value("AcsSms__From") ?? AcsSmsFrom,
            WhatsAppChannelId = Value("AcsWhatsApp__ChannelRegistrationId") ?? AcsWhatsAppChannelRegistrationId,
        };
    }

    private static (string? Endpoint, string? Key) ParseConnection(string connection)
    {
        string? endpoint = null, key = null;
        foreach (var segment in connection.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = segment.IndexOf('=');
            if (equals <= 0)
            {
                continue;
            }
            var name = segment[..equals].Trim();
            if (name.Equals("endpoint", StringComparison.OrdinalIgnoreCase))
            {
                endpoint = segment[(equals + 1)..].Trim();
            }
            else if (name.Equals("accesskey", StringComparison.OrdinalIgnoreCase))
            {
                key = segment[(equals + 1)..].Trim();
            }
        }
        return (endpoint, key);
    }
}
