using Omni.Channels.Outbound;
using Omni.Core.Inbound;

namespace Omni.Functions.Inbound;

/// <summary>
/// Settings of the inbound path (docs/inbound.md): <c>Brand__Name</c>; <c>Keywords__Default__HelpText|OptOutConfirmation|
/// OptInConfirmation|ExtraOptOut|ExtraOptIn</c> and the same under <c>Keywords__Senders__{sender digits}__…</c>;
/// <c>AppEvents__Url</c> (app event webhooks on when set), <c>AppEvents__SigningSecret</c> (their own signing secret).
/// </summary>
public sealed class InboundSettings
{
    public required KeywordBook Keywords { get; init; }

    /// <summary>Where SendAppEvent POSTs every normalised event; null = app events off.</summary>
    public Uri? AppEventsUrl { get; init; }

    /// <summary>
    /// The app events' own signing secret ("current previous" while rotating): never a contact webhook's, so no webhook
    /// receiver can forge an app event.
    /// </summary>
    public string? AppEventsSigningSecret { get; init; }

    public static InboundSettings FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var keywords = configuration.GetSection("Keywords");
        var senders = new Dictionary<string, KeywordSettings>(StringComparer.OrdinalIgnoreCase);
        foreach (var sender in keywords.GetSection("Senders").GetChildren())
        {
            senders[sender.Key] = Read(sender);
        }
        Uri? url = null;
        if (configuration["AppEvents:Url"] is { Length: > 0 } value)
        {
            url = Uri.TryCreate(value.Trim(), UriKind.Absolute, out var parsed) && (parsed.Scheme == Uri.UriSchemeHttps || parsed.Scheme == Uri.UriSchemeHttp)
                ? parsed
                : throw new InvalidOperationException("Setting AppEvents__Url must be an absolute http(s) URL.");
        }
        return new InboundSettings
        {
            Keywords = new KeywordBook(configuration["Brand:Name"], Read(keywords.GetSection("Default")), senders),
            AppEventsUrl = url,
            AppEventsSigningSecret = StandardWebhook.Validated(configuration["AppEvents:SigningSecret"], "AppEvents__SigningSecret"),
        };
    }

    private static KeywordSettings Read(IConfigurationSection section) => new()
    {
        HelpText = section["HelpText"],
        OptOutConfirmation = section["OptOutConfirmation"],
        OptInConfirmation = section["OptInConfirmation"],
        ExtraOptOut = section["ExtraOptOut"],
        ExtraOptIn = section["ExtraOptIn"],
    };
}
