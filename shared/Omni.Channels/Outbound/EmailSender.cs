using Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Omni.Azure.Communication.Email;
using Omni.Core.Consent;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Channels.Outbound;

/// <summary>
/// ACS Email settings: <c>AcsEmail__senderAddress</c>; <c>Omni__PublicBaseUrl</c> and <c>Omni__UnsubscribeSecret</c> for
/// one-click unsubscribe links; <c>AcsConnection</c> (or <c>AcsConnection__endpoint</c>) for the client.
/// </summary>
public sealed class AcsEmailOptions
{
    /// <summary>The sender (e.g. <c>DoNotReply@contoso.com</c>), an address of a domain connected to the ACS resource.</summary>
    public string? SenderAddress { get; init; }

    /// <summary>Whether an ACS connection is configured.</summary>
    public bool HasConnection { get; init; }

    /// <summary>The app's public base URL, for <c>{base}/api/unsubscribe/{token}</c>.</summary>
    public Uri? PublicBaseUrl { get; init; }

    /// <summary>The HMAC key of unsubscribe tokens.</summary>
    public string? UnsubscribeSecret { get; init; }

    /// <summary>True when the sender address and the connection are set.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(SenderAddress) && HasConnection;

    /// <summary>Reads the settings named above.</summary>
    public static AcsEmailOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new AcsEmailOptions
        {
            SenderAddress = ConfigValues.Trimmed(configuration["AcsEmail:senderAddress"]),
            HasConnection = AcsConnectionSettings.IsPresent(configuration),
            PublicBaseUrl = ConfigValues.AbsoluteHttpUri(configuration["Omni:PublicBaseUrl"]),
            UnsubscribeSecret = ConfigValues.Trimmed(configuration["Omni:UnsubscribeSecret"]),
        };
    }
}

/// <summary>
/// Sends email through ACS Email (<c>POST {endpoint}/emails:send</c>) with an <c>Operation-Id</c> derived from the idempotency
/// key, so a retried send names the same operation. Marketing mail (category <c>marketing</c>, and any category other than
/// transactional/security/support when the message has a contact) carries RFC 8058 one-click unsubscribe headers.
/// Accepted sends are <see cref="AttemptStatus.Queued"/> with the operation id as provider message id (the <c>messageId</c>
/// of <c>EmailDeliveryReportReceived</c> events).
/// </summary>
public sealed class EmailSender : IChannelSender
{
    private const string Provider = "acs";
    private readonly AcsEmailOptions _options;
    private readonly EmailClient? _client;
    private readonly UnsubscribeToken? _unsubscribe;
    private readonly ILogger<EmailSender> _logger;
    private readonly TimeProvider _timeProvider;
    private readonly AcsOutcomes _outcomes;

    /// <param name="client">Null when ACS is not configured (every send is then refused as misconfiguration).</param>
    public EmailSender(AcsEmailOptions options, EmailClient? client, ILogger<EmailSender> logger, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options;
        _client = client;
        _logger = logger;
        _timeProvider = timeProvider;
        _outcomes = new AcsOutcomes(Provider, logger, timeProvider);
        _unsubscribe = options.UnsubscribeSecret is { Length: >= 16 } secret ? new UnsubscribeToken(secret, timeProvider) : null;
    }

    /// <inheritdoc />
    public IReadOnlyList<Channel> Channels { get; } = [Channel.Email];

    /// <summary>Whether <paramref name="category"/> needs unsubscribe headers for a message with/without a contact.</summary>
    public static bool NeedsUnsubscribe(string category, bool hasContact) =>
        string.Equals(category, ConsentCategories.Marketing, StringComparison.OrdinalIgnoreCase) ||
        (hasContact &&
         !string.Equals(category, ConsentCategories.Transactional, StringComparison.OrdinalIgnoreCase) &&
         !string.Equals(category, ConsentCategories.Security, StringComparison.OrdinalIgnoreCase) &&
         !string.Equals(category, ConsentCategories.Support, StringComparison.OrdinalIgnoreCase));

    /// <inheritdoc />
    public async Task<SendResult> SendAsync(ChannelSendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_options.IsConfigured || _client is null)
        {
            return _outcomes.Refused(request, "acs email: not configured (AcsEmail__senderAddress, AcsConnection)", transient: false, null, null, null);
        }

        RenderedContentParts content = RenderedContentParts.From(request);
        if (content.PlainText is null && content.Html is null)
        {
            return _outcomes.Refused(request, "email: no content to send", transient: false, null, null, null);
        }

        var message = new EmailMessage(_options.SenderAddress!, request.To, new EmailContent(content.Subject)
        {
            PlainText = content.PlainText,
            Html = content.Html,
        });

        if (NeedsUnsubscribe(request.Category, request.ContactId is not null))
        {
            if (request.ContactId is null)
            {
                // A one-off marketing send has no contact to unsubscribe; routing should not plan one, so say so in the log.
                _logger.LogWarning("Marketing email {MessageId} step {Step} has no contact: sent without List-Unsubscribe", request.MessageId, request.Step);
            }
            else if (_unsubscribe is null || _options.PublicBaseUrl is null)
            {
                return _outcomes.Refused(request, "email: unsubscribe link not configured (Omni__PublicBaseUrl, Omni__UnsubscribeSecret)", false, null, null, null);
            }
            else
            {
                string token = _unsubscribe.Create(request.ContactId, Channel.Email, request.Category);
                message.Headers["List-Unsubscribe"] = $"<{ConfigValues.Combine(_options.PublicBaseUrl, "/api/unsubscribe/" + token)}>";
                message.Headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
            }
        }

        Guid operationId = DeterministicGuid.Create("acs-email", request.IdempotencyKey);
        try
        {
            EmailSendOperation operation = await _client.SendAsync(message, operationId, cancellationToken).ConfigureAwait(false);
            if (operation.Status == EmailSendStatus.Failed || operation.Status == EmailSendStatus.Canceled)
            {
                string code = operation.Value?.Error?.Code ?? operation.Status.ToString();
                return _outcomes.Refused(request, $"acs email {code}: {ErrorText.Sanitize(operation.Value?.Error?.Message) ?? "failed"}", false, 202, code, null);
            }

            return _outcomes.Accepted(request, operation.Id, 202);
        }
        catch (Exception ex) when (_outcomes.FromException(request, ex, cancellationToken) is { } refused)
        {
            return refused;
        }
    }


    private readonly record struct RenderedContentParts(string Subject, string? PlainText, string? Html)
    {
        public static RenderedContentParts From(ChannelSendRequest request)
        {
            string? text = string.IsNullOrEmpty(request.Content.Text) ? null : request.Content.Text;
            string? html = string.IsNullOrEmpty(request.Content.Html) ? null : request.Content.Html;
            string subject = request.Content.Subject is { Length: > 0 } given ? given : FirstLine(text);
            return new RenderedContentParts(subject, text, html);
        }

        private static string FirstLine(string? text)
        {
            if (text is null)
            {
                return string.Empty;
            }

            string line = text.Split('\n', 2)[0].Trim();
            return line.Length <= 78 ? line : line[..77] + "…";
        }
    }
}
