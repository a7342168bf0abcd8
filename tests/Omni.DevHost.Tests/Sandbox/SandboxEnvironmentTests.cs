using Omni.DevHost.Sandbox;

namespace Omni.DevHost.Tests.Sandbox;

public class SandboxEnvironmentTests
{
    private static readonly Uri DevHost = new("http://127.0.0.1:7071/");

    [Fact]
    public void HandlerDefaults_NothingConfigured_PointsEveryProviderAtTheSandbox()
    {
        var values = SandboxEnvironment.HandlerDefaults(DevHost, _ => false);

        Assert.Equal($"endpoint=http://127.0.0.1:7071/_sandbox/acs/;accesskey={SandboxEnvironment.AcsAccessKey}", values["AcsConnection"]);
        Assert.Equal("http://127.0.0.1:7071/_sandbox/twilio", values["Twilio__BaseUrl"]);
        Assert.Equal("http://127.0.0.1:7071", values["Omni__PublicBaseUrl"]);
        Assert.Equal("DoNotReply@sandbox.omni.local", values["AcsEmail__senderAddress"]);
        Assert.Equal("true", values["Webhooks__AllowPrivateTargets"]);
        Assert.Matches("^AC[0-9a-f]{32}$", values["Twilio__AccountSid"]);
        Assert.Matches(@"^\+[1-9][0-9]{6,14}$", values["AcsSms__From"]);
        Assert.True(Guid.TryParse(values["AcsWhatsApp__ChannelRegistrationId"], out _));
        Assert.NotEmpty(Convert.FromBase64String(values["AcsConnection"].Split("accesskey=")[1]));
        foreach (var key in new[] { "AcsEvents__Secret", "Webhooks__SigningSecret", "Omni__UnsubscribeSecret", "Chat__Secret", "Meta__AppSecret", "Meta__VerifyToken", "Twilio__AuthToken", "Twilio__From" })
        {
            Assert.False(string.IsNullOrEmpty(values[key]), key);
        }
    }

    [Fact]
    public void HandlerDefaults_RealAcsConfigured_OffersNoAcsSandboxValues()
    {
        var values = SandboxEnvironment.HandlerDefaults(DevHost, key => key == "AcsConnection__endpoint");

        Assert.False(values.ContainsKey("AcsConnection"));
        Assert.False(values.ContainsKey("AcsSms__From"));
        Assert.True(values.ContainsKey("Twilio__BaseUrl"));
    }

    [Fact]
    public void HandlerDefaults_TwilioTokenConfigured_OffersNoTwilioSandboxValues()
    {
        var values = SandboxEnvironment.HandlerDefaults(DevHost, key => key == "Twilio__AuthToken");

        Assert.False(values.ContainsKey("Twilio__BaseUrl"));
        Assert.False(values.ContainsKey("Twilio__AccountSid"));
        Assert.True(values.ContainsKey("AcsConnection"));
    }

    [Fact]
    public void OptionsFor_UsesTheHandlersSecretAndSandboxKey()
    {
        var options = SandboxEnvironment.OptionsFor(DevHost, new Dictionary<string, string>
        {
            ["AcsConnection"] = "endpoint=http://127.0.0.1:7071/_sandbox/acs/;accesskey=bXkga2V5",
            ["AcsEvents__Secret"] = "a b&c",
        });

        Assert.Equal("bXkga2V5", options.AcsAccessKey);
        Assert.Equal("http://127.0.0.1:7071/api/webhooks/acs", options.AcsEventsUrl!.AbsoluteUri);
        Assert.Equal("a b&c", options.AcsEventsSecret);
        Assert.Equal(SandboxEnvironment.TwilioAccountSid, options.TwilioAccountSid);
    }

    [Fact]
    public void OptionsFor_RealAcsEndpoint_KeepsTheSandboxKey()
    {
        var options = SandboxEnvironment.OptionsFor(DevHost, new Dictionary<string, string>
        {
            ["AcsConnection"] = "endpoint=https://contoso.communication.azure.com/;accesskey=cmVhbCBrZXk=",
        });

        Assert.Equal(SandboxEnvironment.AcsAccessKey, options.AcsAccessKey);
    }
}
