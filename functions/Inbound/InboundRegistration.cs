using Omni.Azure.Tables;
using Omni.Core.Inbound;
using Omni.Functions.Hosting;
using Omni.Storage.Inbound;
using Omni.Storage.Timeline;

namespace Omni.Functions.Inbound;

public static class InboundRegistration
{
    /// <summary>The inbound path: settings, the timeline store, the processor behind ProcessInbound and SendAppEvent, and AcsEventQueue.</summary>
    public static IServiceCollection AddInbound(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => InboundSettings.FromConfiguration(configuration));
        services.AddSingleton<ITimelineStore>(sp => new TableTimelineStore(sp.GetRequiredService<TableServiceClient>()));
        services.AddSingleton<IInboundEventLog>(sp => new TableInboundEventLog(sp.GetRequiredService<TableServiceClient>()));
        services.AddSingleton<InboundProcessor>();
        services.AddSingleton<AppEventSender>();
        services.AddServiceBusFunction<SendAppEventFunction>(SendAppEventFunction.Name);
        services.AddServiceBusFunction<AcsEventQueue.AcsEventQueueFunction>(AcsEventQueue.AcsEventQueueFunction.Name); // ACS events via Event Grid → acs-events
        return services;
    }
}
