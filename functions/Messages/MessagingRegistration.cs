using Omni.Functions.Hosting;
using Omni.Functions.Infrastructure;

namespace Omni.Functions.Messages;

public static class MessagingRegistration
{
    /// <summary>The outbound pipeline, its settings and its queue-triggered functions.</summary>
    public static IServiceCollection AddMessaging(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOmniChannels(configuration);
        services.AddSingleton(_ => MessagingSettings.FromConfiguration(configuration));
        services.AddSingleton<IMessageContentComposer, InlineContentComposer>();
        services.AddSingleton<OutboundPipeline>();
        services.AddServiceBusFunction<RouteMessageFunction>(RouteMessageFunction.Name);
        foreach (var name in SendStepFunction.Names)
        {
            services.AddServiceBusFunction<SendStepFunction>(name);
        }
        services.AddServiceBusFunction<EscalateMessageFunction>(EscalateMessageFunction.Name);
        services.AddServiceBusFunction<ProcessInboundFunction>(ProcessInboundFunction.Name);
        return services;
    }
}
