using Omni.DevHost.Handler;

namespace Omni.DevHost.Tests;

public sealed class HandlerEnvironmentTests : IDisposable
{
    private readonly string _settings = Path.Combine(Path.GetTempPath(), $"local.settings.{Guid.NewGuid():N}.json");
    private readonly string _variable = "OMNI_TEST_" + Guid.NewGuid().ToString("N");

    public void Dispose()
    {
        File.Delete(_settings);
        Environment.SetEnvironmentVariable(_variable, null);
    }

    [Fact]
    public void Build_LocalSettingsValue_AddedWhenTheEnvironmentLacksIt()
    {
        File.WriteAllText(_settings, $$"""{ "IsEncrypted": false, "Values": { "{{_variable}}": "from-file", "Routing__QuietHours": "21:00-08:00" } }""");

        var env = HandlerEnvironment.Build(new Dictionary<string, string>(), _settings, new Dictionary<string, string>());

        Assert.Equal("from-file", env[_variable]);
        Assert.Equal("21:00-08:00", env["Routing__QuietHours"]);
    }

    [Fact]
    public void Build_EnvironmentAlreadySetsIt_EnvironmentWinsOverLocalSettings()
    {
        Environment.SetEnvironmentVariable(_variable, "from-env");
        File.WriteAllText(_settings, $$"""{ "Values": { "{{_variable}}": "from-file" } }""");
        var skipped = new List<string>();

        var env = HandlerEnvironment.Build(new Dictionary<string, string>(), _settings, new Dictionary<string, string>(), skipped.Add);

        Assert.Equal("from-env", env[_variable]);
        Assert.Contains(skipped, line => line.Contains(_variable));
    }

    [Fact]
    public void Build_Defaults_FillOnlyWhatNothingElseSets()
    {
        File.WriteAllText(_settings, $$"""{ "Values": { "{{_variable}}": "from-file" } }""");
        var defaults = new Dictionary<string, string> { [_variable] = "default", [_variable + "_2"] = "default-2" };

        var env = HandlerEnvironment.Build(defaults, _settings, new Dictionary<string, string>());

        Assert.Equal("from-file", env[_variable]);
        Assert.Equal("default-2", env[_variable + "_2"]);
    }

    [Fact]
    public void Build_Overrides_WinOverEverything()
    {
        Environment.SetEnvironmentVariable(_variable, "from-env");

        var env = HandlerEnvironment.Build(new Dictionary<string, string>(), null, new Dictionary<string, string> { [_variable] = "override" });

        Assert.Equal("override", env[_variable]);
    }

    [Fact]
    public void ReadLocalSettings_NoFile_NoValues()
    {
        Assert.Empty(HandlerEnvironment.ReadLocalSettings(_settings));
    }

    [Fact]
    public void ReadLocalSettings_InvalidJson_ThrowsNamingTheFile()
    {
        File.WriteAllText(_settings, "{ nope");

        var error = Assert.Throws<InvalidOperationException>(() => HandlerEnvironment.ReadLocalSettings(_settings));
        Assert.Contains(_settings, error.Message);
    }

    [Theory]
    [InlineData("AzureWebJobs.SendAppEvent.Disabled", "true", true)]
    [InlineData("AzureWebJobs.SendAppEvent.Disabled", "1", true)]
    [InlineData("AzureWebJobs__SendAppEvent__Disabled", "True", true)]
    [InlineData("AzureWebJobs.SendAppEvent.Disabled", "false", false)]
    [InlineData("AzureWebJobs.SendSms.Disabled", "true", false)]
    public void IsFunctionDisabled_ReadsTheHostsSwitchForThatFunction(string key, string value, bool disabled)
    {
        var env = new Dictionary<string, string> { [key] = value };

        Assert.Equal(disabled, HandlerEnvironment.IsFunctionDisabled(env, "SendAppEvent"));
    }
}
