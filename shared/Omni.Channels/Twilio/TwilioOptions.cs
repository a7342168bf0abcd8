using Microsoft.Extensions.Configuration;
using Omni.Channels.Outbound;

namespace Omni.Channels.Twilio;

/// <summary>
/// Twilio Programmable Messaging settings: <c>Twilio__AccountSid</c>, <c>Twilio__AuthToken</c>, <c>Twilio__From</c> or
/// <c>Twilio__MessagingServiceSid</c>, <c>Twilio__BaseUrl</c> (default <c>https://api.twilio.com</c>), <c>Twilio__TimeoutSeconds</c>
/// (default 30), <c>Twilio__ConfirmWindowSeconds</c> (default 300), and <c>Omni__PublicBaseUrl</c> for the status callback.
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

    /// <summary>How long Omni waits for Twilio's status callback after an ambiguous create-message outcome, when not configured.</summary>
    public static readonly TimeSpan DefaultConfirmWindow = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The app's public base URL; when set, sends carry
    /// <c>StatusCallback={base}/api/webhooks/twilio?m={messageId}&amp;s={step}</c> (<see cref="StatusCallbackUrlFor"/>).
    /// </summary>
    public Uri? PublicBaseUrl { get; init; }

    /// <summary>How long one API call may take before it is abandoned (an ambiguous outcome).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// After an ambiguous create-message outcome (timeout after sending, 500, 504, reset mid-response) Twilio may or may
    /// not have the message, and it has no idempotency key: Omni does not send again but waits this long for the status
    /// callback (which names the Omni message and step) before it treats the step as failed.
    /// </summary>
    public TimeSpan ConfirmWindow { get; init; } = DefaultConfirmWindow;

    /// <summary>True when the account, token and a sender (number or messaging service) are all set.</summary>
    public bool IsConfigured =>
        !string.IsNullOrWhiteSpace(AccountSid) && !string.IsNullOrWhiteSpace(AuthToken) &&
        (!string.IsNullOrWhiteSpace(From) || !string.IsNullOrWhiteSpace(MessagingServiceSid));

    /// <summary>The status callback endpoint (no query), or null when <see cref="PublicBaseUrl"/> is not set.</summary>
    public string? StatusCallbackUrl => PublicBaseUrl is null ? null : ConfigValues.Combine(PublicBaseUrl, "/api/webhooks/twilio");

    /// <summary>
    /// The status callback URL for step <paramref name="step"/> of message <paramref name="messageId"/>:
    /// <see cref="StatusCallbackUrl"/> + <c>?m={messageId}&amp;s={step}</c> (the id escaped; Omni's ids need none), or null
    /// when <see cref="PublicBaseUrl"/> is not set. Twilio signs the full URL, query included, so the hints are as
    /// trustworthy as the callback itself; they let a callback resolve a send whose create-message answer was lost.
    /// </summary>
    public string? StatusCallbackUrlFor(string messageId, int step)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return StatusCallbackUrl is { } url
            ? url + "?" + TwilioCallbackHints.MessageParameter + "=" + Uri.EscapeDataString(messageId) + "&" +
                TwilioCallbackHints.StepParameter + "=" + step.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : null;
    }

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
            ConfirmWindow = ConfigValues.Seconds(configuration["Twilio:ConfirmWindowSeconds"], DefaultConfirmWindow),
        };
    }
}

/// <summary>
/// The Omni message id and step carried in the query of Omni's Twilio status callback URL
/// (<c>?m={messageId}&amp;s={step}</c>, see <see cref="TwilioOptions.StatusCallbackUrlFor"/>).
/// </summary>
public static class TwilioCallbackHints
{
    /// <summary>The query parameter with the Omni message id.</summary>
    public const string MessageParameter = "m";

    /// <summary>The query parameter with the step of the plan.</summary>
    public const string StepParameter = "s";

    /// <summary>The largest step accepted (plans are far shorter).</summary>
    public const int MaxStep = 1000;

    /// <summary>
    /// Reads the hints from a callback URL's query parameters: both present and well-formed (a valid Omni message id, a
    /// step 0–<see cref="MaxStep"/>), else null (a callback for a send from before the hints, or a foreign URL).
    /// </summary>
    public static (string MessageId, int Step)? Read(IEnumerable<KeyValuePair<string, string>> query)
    {
        ArgumentNullException.ThrowIfNull(query);
        string? messageId = null, step = null;
        foreach (KeyValuePair<string, string> pair in query)
        {
            if (pair.Key == MessageParameter)
            {
                messageId = pair.Value;
            }
            else if (pair.Key == StepParameter)
            {
                step = pair.Value;
            }
        }

        return messageId is not null && Omni.Core.Messages.MessageRequestValidator.IsValidId(messageId) &&
            int.TryParse(step, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n <= MaxStep
            ? (messageId, n)
            : null;
    }
}
