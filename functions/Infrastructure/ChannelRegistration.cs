using Omni.Azure.Communication.Email;
using Omni.Azure.Communication.Messages;
using Omni.Azure.Communication.Sms;
using Omni.Channels;
using Omni.Channels.Outbound;
using Omni.Channels.Twilio;

namespace Omni.Functions.Infrastructure;

/// <summary>
/// The channel senders and their providers (docs/channels.md). ACS clients come from <c>AcsConnection</c> (a connection
/// string) or <c>AcsConnection__endpoint</c> with managed identity (<c>__credential</c>, <c>__clientId</c>), like the
/// other connections.
/// </summary>
public static class ChannelRegistration
{
    public const string AcsSetting = "AcsConnection";

    public static IServiceCollection AddOmniChannels(this IServiceCollection services, IConfiguration configuration)
    {
        // SMS: ACS first, Twilio second (Sms__Providers). Every ACS client retries nothing itself (redelivery does), 30 s timeout.
        services.AddSingleton(_ => SmsSenderOptions.FromConfiguration(configuration));
        services.AddSingleton(_ => AcsSmsOptions.FromConfiguration(configuration));
        services.AddSingleton(_ => TwilioOptions.FromConfiguration(configuration));
        services.AddHttpClient("twilio");
        services.AddSingleton<ISmsProvider>(sp =>
        {
            var options = sp.GetRequiredService<AcsSmsOptions>();
            var client = options.IsConfigured
                ? CreateAcsClient(configuration, c => new SmsClient(c, AcsSmsOptions.CreateClientOptions()), (e, t) => new SmsClient(e, t, AcsSmsOptions.CreateClientOptions()))
                : null;
            return new AcsSmsProvider(options, client, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<ISmsProvider>(sp => new TwilioSmsProvider(sp.GetRequiredService<TwilioOptions>(),
            sp.GetRequiredService<IHttpClientFactory>().CreateClient("twilio"), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IChannelSender, SmsSender>();

        services.AddSingleton(_ => AcsEmailOptions.FromConfiguration(configuration));
        services.AddSingleton<IChannelSender>(sp =>
        {
            var options = sp.GetRequiredService<AcsEmailOptions>();
            var client = options.IsConfigured ? CreateAcsClient(configuration, c => new EmailClient(c, AcsClientDefaults.Apply(new EmailClientOptions())), (e, t) => new EmailClient(e, t, AcsClientDefaults.Apply(new EmailClientOptions()))) : null;
            return new EmailSender(options, client, sp.GetRequiredService<ILogger<EmailSender>>(), sp.GetRequiredService<TimeProvider>());
        });

        services.AddSingleton(_ => AcsWhatsAppOptions.FromConfiguration(configuration));
        services.AddSingleton<IChannelSender>(sp =>
        {
            var options = sp.GetRequiredService<AcsWhatsAppOptions>();
            var client = options.IsConfigured
                ? CreateAcsClient(configuration, c => new NotificationMessagesClient(c, AcsClientDefaults.Apply(new CommunicationMessagesClientOptions())),
                    (e, t) => new NotificationMessagesClient(e, t, AcsClientDefaults.Apply(new CommunicationMessagesClientOptions())))
                : null;
            return new WhatsAppSender(options, client, sp.GetRequiredService<ILogger<WhatsAppSender>>(), sp.GetRequiredService<TimeProvider>());
        });

        // Webhook / in-app: the primary handler refuses private-network targets at connect time (DNS rebinding included).
        services.AddSingleton(_ => WebhookOptions.FromConfiguration(configuration));
        services.AddHttpClient("webhooks").ConfigurePrimaryHttpMessageHandler(sp => WebhookSender.CreateHandler(sp.GetRequiredService<WebhookOptions>()));
        services.AddSingleton<IChannelSender>(sp => new WebhookSender(sp.GetRequiredService<WebhookOptions>(),
            sp.GetRequiredService<IHttpClientFactory>().CreateClient("webhooks"),
            sp.GetRequiredService<ILogger<WebhookSender>>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    private static T CreateAcsClient<T>(IConfiguration configuration, Func<string, T> fromConnectionString, Func<Uri, global::Azure.Core.TokenCredential, T> fromIdentity)
    {
        var section = configuration.GetSection(AcsSetting);
        if (section.Value is { Length: > 0 } connectionString)
        {
            return fromConnectionString(connectionString);
        }
        var endpoint = section["endpoint"] is { Length: > 0 } uri
            ? new Uri(uri)
            : throw new InvalidOperationException($"ACS is not configured: set {AcsSetting} (a connection string) or {AcsSetting}__endpoint.");
        return fromIdentity(endpoint, AzureConnections.Credential(section));
    }
}
