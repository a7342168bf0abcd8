using Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Omni.Azure.Communication;
using Omni.Azure.Communication.Messages;
using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Channels.Outbound;

/// <summary>ACS Advanced Messaging settings: <c>AcsWhatsApp__ChannelRegistrationId</c> (GUID) and the ACS connection.</summary>
public sealed class AcsWhatsAppOptions
{
    /// <summary>The WhatsApp channel registration connected to the ACS resource.</summary>
    public Guid? ChannelRegistrationId { get; init; }

    /// <summary>Whether an ACS connection is configured.</summary>
    public bool HasConnection { get; init; }

    /// <summary>True when the channel id and the connection are set.</summary>
    public bool IsConfigured => ChannelRegistrationId is not null && HasConnection;

    /// <summary>Reads <c>AcsWhatsApp__ChannelRegistrationId</c>, <c>AcsConnection</c>, <c>AcsConnection__endpoint</c>.</summary>
    public static AcsWhatsAppOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new AcsWhatsAppOptions
        {
            ChannelRegistrationId = Guid.TryParse(configuration["AcsWhatsApp:ChannelRegistrationId"], out Guid id) ? id : null,
            HasConnection = AcsConnectionSettings.IsPresent(configuration),
        };
    }
}

/// <summary>
/// Sends WhatsApp text notifications through ACS Advanced Messaging (<c>POST {endpoint}/messages/notifications:send</c>,
/// <c>kind: text</c>) with <c>Repeatability-Request-ID</c> derived from the idempotency key. Recipients are E.164 numbers
/// without the <c>+</c>. Free-form text reaches the contact only inside WhatsApp's 24-hour customer-service window; outside it
/// ACS/WhatsApp fails the message later (reported by a delivery event), not here.
/// </summary>
public sealed class WhatsAppSender : IChannelSender
{
    private const string Provider = "acs";
    private readonly AcsWhatsAppOptions _options;
    private readonly NotificationMessagesClient? _client;
    private readonly ILogger<WhatsAppSender> _logger;
    private readonly TimeProvider _timeProvider;
    private readonly AcsOutcomes _outcomes;

    /// <param name="client">Null when ACS is not configured (every send is then refused as misconfiguration).</param>
    public WhatsAppSender(AcsWhatsAppOptions options, NotificationMessagesClient? client, ILogger<WhatsAppSender> logger, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options;
        _client = client;
        _logger = logger;
        _timeProvider = timeProvider;
        _outcomes = new AcsOutcomes(Provider, logger, timeProvider);
    }

    /// <inheritdoc />
    public IReadOnlyList<Channel> Channels { get; } = [Channel.WhatsApp];

    /// <inheritdoc />
    public async Task<SendResult> SendAsync(ChannelSendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_options.IsConfigured || _client is null)
        {
            return _outcomes.Refused(request, "acs whatsapp: not configured (AcsWhatsApp__ChannelRegistrationId, AcsConnection)", false, null, null, null);
        }

        if (string.IsNullOrEmpty(request.Content.Text))
        {
            return _outcomes.Refused(request, "whatsapp: no text to send", false, null, null, null);
        }

        string to = request.To.TrimStart('+');
        var content = new TextNotificationContent(_options.ChannelRegistrationId!.Value, [to], request.Content.Text);
        var repeatability = new RepeatableRequest(DeterministicGuid.Create("acs-whatsapp", request.IdempotencyKey), _timeProvider.GetUtcNow());
        try
        {
            Response<SendMessageResult> response = await _client.SendAsync(content, repeatability, cancellationToken).ConfigureAwait(false);
            string? messageId = response.Value.Receipts.Count > 0 ? response.Value.Receipts[0].MessageId : null;
            return _outcomes.Accepted(request, messageId, response.GetRawResponse().Status);
        }
        catch (Exception ex) when (_outcomes.FromException(request, ex, cancellationToken) is { } refused)
        {
            return refused;
        }
    }

}
