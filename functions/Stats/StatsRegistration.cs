using Omni.Azure.Tables;
using Omni.Core.Stats;
using Omni.Storage.Stats;

namespace Omni.Functions.Stats;

public static class StatsRegistration
{
    /// <summary>The stats store (table <c>channelstats</c>), the send path's recorder and the channel health source.</summary>
    public static IServiceCollection AddStats(this IServiceCollection services)
    {
        services.AddSingleton<IStatsStore>(sp => new TableStatsStore(sp.GetRequiredService<TableServiceClient>()));
        services.AddSingleton<IStatsRecorder, StatsRecorder>();
        services.AddSingleton<IChannelHealthSource, ChannelHealthSource>();
        return services;
    }
}
