using Omni.Functions.Hosting;
using Omni.Functions.Inbound;
using Omni.Functions.Infrastructure;
using Omni.Functions.Stats;
using Omni.Functions.Templates;

namespace Omni.Functions.Messages;

public static class MessagingRegistration
{
    /// <summary>The outbound pipeline, its settings and its queue-triggered functions.</summary>
    public static IServiceCollection AddMessaging(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOmniChannels(configuration);
        services.AddSingleton(_ => MessagingSettings.FromConfiguration(configuration));
        services.AddContentComposer();
        services.AddSingleton<IMessageContentComposer, TemplateContentComposer>();
        services.AddStats(); // channel stats: recorder and channel health for the pipeline (functions/Stats)
        services.AddSingleton<OutboundPipeline>();
        services.AddServiceBusFunction<RouteMessageFunction>(RouteMessageFunction.Name);
        foreach (var name in SendStepFunction.Names)
        {
            services.AddServiceBusFunction<SendStepFunction>(name);
        }
        services.AddServiceBusFunction<EscalateMessageFunction>(EscalateMessageFunction.Name);
        services.AddServiceBusFunction<ProcessInboundFunction>(ProcessInboundFunction.Name);
        services.AddInbound(configuration); // inbound messages, keywords, timeline, app events (functions/Inbound)
        return services;
    }
}
