using Microsoft.Extensions.Configuration;
using Omni.Channels.Outbound;

namespace Omni.Channels.Twilio;

/// <summary>
/// Twilio Programmable Messaging settings: <c>Twilio__AccountSid</c>, <c>Twilio__AuthToken</c>, <c>Twilio__From</c> or
/// <c>Twilio__MessagingServiceSid</c>, <c>Twilio__BaseUrl</c> (default <c>https://api.twilio.com</c>), <c>Twilio__TimeoutSeconds</c>
/// (default 30), and <c>Omni__PublicBaseUrl</c> for the status callback.
/// </summary>
public sealed class TwilioOptions
{
    /// <summary>Twilio's production API.</summary>
    public static readonly Uri DefaultBaseUrl = new("https://api.twilio.com");

    /// <summary>The account (<c>AC…</c>); also the Basic-auth user name.</summary>
    public string? AccountSid { get; init; }

    /// <summary>The account's auth token; the Basic-auth password.</summary>
    public string? AuthToken { get; init; }

    /// <summary>The sender number (E.164); used when <see cref="MessagingServiceSid"/> is not set.</summary>
    public string? From { get; init; }

    /// <summary>A Messaging Service (<c>MG…</c>); preferred over <see cref="From"/> when both are set.</summary>
    public string? MessagingServiceSid { get; init; }

    /// <summary>The API root; the DevHost sandbox points it at itself.</summary>
    public Uri BaseUrl { get; init; } = DefaultBaseUrl;

    /// <summary>The app's public base URL; when set, sends carry <c>StatusCallback={base}/api/webhooks/twilio</c>.</summary>
    public Uri? PublicBaseUrl { get; init; }

    /// <summary>How long one API call may take before it is abandoned (an ambiguous outcome).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>True when the account, token and a sender (number or messaging service) are all set.</summary>
    public bool IsConfigured =>
        !string.IsNullOrWhiteSpace(AccountSid) && !string.IsNullOrWhiteSpace(AuthToken) &&
        (!string.IsNullOrWhiteSpace(From) || !string.IsNullOrWhiteSpace(MessagingServiceSid));

    /// <summary>The status callback URL, or null when <see cref="PublicBaseUrl"/> is not set.</summary>
    public string? StatusCallbackUrl => PublicBaseUrl is null ? null : ConfigValues.Combine(PublicBaseUrl, "/api/webhooks/twilio");

    /// <summary>Reads the settings named above; missing values stay null (see <see cref="IsConfigured"/>).</summary>
    public static TwilioOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new TwilioOptions
        {
            AccountSid = ConfigValues.Trimmed(configuration["Twilio:AccountSid"]),
            AuthToken = ConfigValues.Trimmed(configuration["Twilio:AuthToken"]),
            From = ConfigValues.Trimmed(configuration["Twilio:From"]),
            MessagingServiceSid = ConfigValues.Trimmed(configuration["Twilio:MessagingServiceSid"]),
            BaseUrl = ConfigValues.AbsoluteHttpUri(configuration["Twilio:BaseUrl"]) ?? DefaultBaseUrl,
            PublicBaseUrl = ConfigValues.AbsoluteHttpUri(configuration["Omni:PublicBaseUrl"]),
            Timeout = ConfigValues.Seconds(configuration["Twilio:TimeoutSeconds"], TimeSpan.FromSeconds(30)),
        };
    }
}
