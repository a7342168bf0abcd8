using Microsoft.Extensions.Configuration;
using Omni.Functions.Hosting;
using Omni.Hosting;

namespace Omni.Functions.Tests.Hosting;

/// <summary>Omni__ClockOffset: the DevHost's --clock shifts the handler's clock; without it the system clock is used.</summary>
public sealed class ClockOffsetTests
{
    private static IConfiguration Configuration(string? offset) =>
        new ConfigurationBuilder().AddInMemoryCollection([new(ClockOffset.OffsetKey, offset)]).Build();

    [Fact]
    public void From_NoSetting_IsTheSystemClock()
    {
        Assert.Same(TimeProvider.System, ClockOffset.From(Configuration(null)));
    }

    [Fact]
    public void From_NegativeOffset_RunsThatMuchBehind()
    {
        var clock = ClockOffset.From(Configuration("-02:30:00"));

        var shifted = Assert.IsType<OffsetTimeProvider>(clock);
        Assert.Equal(TimeSpan.FromHours(-2.5), shifted.Offset);
        Assert.InRange(DateTimeOffset.UtcNow - clock.GetUtcNow(), TimeSpan.FromHours(2.5) - TimeSpan.FromSeconds(5), TimeSpan.FromHours(2.5) + TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void From_NotATimeSpan_ThrowsWithTheSettingName()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ClockOffset.From(Configuration("11pm")));

        Assert.Contains("Omni__ClockOffset", error.Message, StringComparison.Ordinal);
    }
}
