using Omni.Functions.Hosting;

namespace Omni.Functions.Messages;

public static class MessagingRegistration
{
    /// <summary>The outbound pipeline, its settings and its queue-triggered functions.</summary>
    public static IServiceCollection AddMessaging(this IServiceCollection services, IConfiguration configuration)
    {
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
