using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Omni.Core.Contacts;
using Omni.Core.Messages;
using Omni.Core.Routing;

namespace Omni.Channels.Outbound;

/// <summary>SMS sender settings: <c>Sms__Providers</c>, the provider priority (comma-separated, default <c>acs,twilio</c>).</summary>
public sealed class SmsSenderOptions
{
    /// <summary>Provider names in priority order.</summary>
    public IReadOnlyList<string> Providers { get; init; } = ["acs", "twilio"];

    /// <summary>Reads <c>Sms__Providers</c>.</summary>
    public static SmsSenderOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string? value = ConfigValues.Trimmed(configuration["Sms:Providers"]);
        if (value is null)
        {
            return new SmsSenderOptions();
        }

        string[] names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(name => name.ToLowerInvariant())
            .Distinct()
            .ToArray();
        return new SmsSenderOptions { Providers = names };
    }
}

/// <summary>
/// Sends SMS through the configured providers in priority order, failing over only when a provider <em>certainly did not
/// accept</em> the message (connection never made, 4xx other than 408/409/429 — including 401/403 misconfiguration —, 429,
/// 502, 503). An ambiguous outcome (timeout after sending, 500, 504, reset mid-response) stops at once with
/// <see cref="SendOutcome.Transient"/>, because a double send is worse than a delay: at a provider that de-duplicates
/// (<see cref="ISmsProvider.DeduplicatesRetries"/>, ACS) the queue redelivers and the same provider is retried under the same
/// idempotency key; at one that does not (Twilio) the try is recorded as <see cref="ProviderTryOutcomes.Unconfirmed"/>, which
/// tells the pipeline never to send the step again but to wait for the provider's status callback; and before calling
/// such a provider the sender tells the request's <see cref="ChannelSendRequest.Journal"/>, so that a crash during the
/// call is unconfirmed too rather than a resend (and tells it again when the provider certainly did not take it). A refused <em>number</em> is <see cref="SendOutcome.Permanent"/> without
/// trying further providers. When every provider refused: <see cref="SendOutcome.Transient"/> if any refusal was temporary,
/// else <see cref="SendOutcome.Permanent"/>.
/// </summary>
public sealed class SmsSender : IChannelSender
{
    private readonly IReadOnlyList<ISmsProvider> _providers;
    private readonly ILogger<SmsSender> _logger;
    private readonly TimeProvider _timeProvider;

    /// <param name="providers">All known providers; those not named in <see cref="SmsSenderOptions.Providers"/> or not configured are skipped.</param>
    public SmsSender(SmsSenderOptions options, IEnumerable<ISmsProvider> providers, ILogger<SmsSender> logger, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(providers);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ISmsProvider[] all = providers.ToArray();
        _providers = options.Providers
            .Select(name => all.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
            .OfType<ISmsProvider>()
            .Where(p => p.IsConfigured)
            .ToArray();
        _logger = logger;
        _timeProvider = timeProvider;
    }

    /// <summary>The providers that will be tried, in order.</summary>
    public IReadOnlyList<string> ActiveProviders => _providers.Select(p => p.Name).ToArray();

    /// <inheritdoc />
    public IReadOnlyList<Channel> Channels { get; } = [Channel.Sms];

    /// <inheritdoc />
    public async Task<SendResult> SendAsync(ChannelSendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string text = request.Content.Text ?? string.Empty;
        int segments = SmsSegmenter.Measure(text).Segments;
        var tries = new List<ProviderTry>();

        if (_providers.Count == 0)
        {
            _logger.LogWarning("No SMS provider configured for message {MessageId} step {Step}", request.MessageId, request.Step);
            return new SendResult(SendOutcome.Permanent, "none", null, AttemptStatus.Failed, segments, null, null,
                "sms: no provider configured (Sms__Providers and provider settings)", null, tries);
        }

        var errors = new List<string>();
        bool anyTransient = false;
        TimeSpan? retryAfter = null;
        string lastProvider = _providers[0].Name;
        foreach (ISmsProvider provider in _providers)
        {
            cancellationToken.ThrowIfCancellationRequested();
            lastProvider = provider.Name;
            ISendJournal? journal = provider.DeduplicatesRetries ? null : request.Journal;
            if (journal is not null)
            {
                await journal.CallingAsync(provider.Name, cancellationToken).ConfigureAwait(false);
            }

            SmsProviderResult result = await provider.SendAsync(request, text, cancellationToken).ConfigureAwait(false);
            if (journal is not null && result.Verdict is ProviderVerdict.NotAccepted or ProviderVerdict.RecipientRefused)
            {
                await journal.NotAcceptedAsync(provider.Name, result.Error, cancellationToken).ConfigureAwait(false);
            }

            string outcome = result.Verdict switch
            {
                ProviderVerdict.Accepted => ProviderTryOutcomes.Accepted,
                ProviderVerdict.Ambiguous when !provider.DeduplicatesRetries => ProviderTryOutcomes.Unconfirmed,
                ProviderVerdict.NotAccepted or ProviderVerdict.Ambiguous when result.Transient => ProviderTryOutcomes.Transient,
                _ => ProviderTryOutcomes.Permanent,
            };
            tries.Add(new ProviderTry(provider.Name, outcome, _timeProvider.GetUtcNow(), result.Error));
            Log(request, provider.Name, result, outcome);

            switch (result.Verdict)
            {
                case ProviderVerdict.Accepted:
                    return new SendResult(SendOutcome.Accepted, provider.Name, result.ProviderMessageId, AttemptStatus.Queued,
                        result.Segments ?? segments, result.Cost, result.Currency, null, null, tries);

                case ProviderVerdict.RecipientRefused:
                    return new SendResult(SendOutcome.Permanent, provider.Name, null, AttemptStatus.Failed, segments, null, null,
                        result.Error, null, tries, result.Refusal);

                case ProviderVerdict.Ambiguous:
                    return new SendResult(SendOutcome.Transient, provider.Name, null, AttemptStatus.Pending, segments, null, null,
                        result.Error, result.RetryAfter, tries);

                default:
                    anyTransient |= result.Transient;
                    retryAfter ??= result.RetryAfter;
                    if (result.Error is not null)
                    {
                        errors.Add(result.Error);
                    }

                    break;
            }
        }

        string error = string.Join("; ", errors);
        return anyTransient
            ? new SendResult(SendOutcome.Transient, lastProvider, null, AttemptStatus.Pending, segments, null, null, error, retryAfter, tries)
            : new SendResult(SendOutcome.Permanent, lastProvider, null, AttemptStatus.Failed, segments, null, null, error, null, tries);
    }

    private void Log(ChannelSendRequest request, string provider, SmsProviderResult result, string outcome)
    {
        LogLevel level = result.Verdict == ProviderVerdict.Accepted ? LogLevel.Information : LogLevel.Warning;
        _logger.Log(level, LogFields.Outcome, provider, outcome, request.MessageId, request.Step, result.StatusCode, result.ErrorCode);
    }
}
