using Microsoft.Extensions.Configuration;
using Omni.Functions.Hosting;

namespace Omni.Functions.Tests.Hosting;

/// <summary>The configuration layer: an HMAC secret shorter than 32 characters reads as unset, a long one as it is.</summary>
public sealed class ShortSecretsTests
{
    private static ConfigurationManager Configuration(params (string Key, string? Value)[] settings)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        return configuration;
    }

    [Theory]
    [InlineData("AcsEvents:Secret")]
    [InlineData("Chat:Secret")]
    [InlineData("Webhooks:SigningSecret")]
    public void Mask_SecretOf31Characters_ReadsAsUnsetAndIsNamed(string key)
    {
        var configuration = Configuration((key, new string('k', 31)));

        var shortSecrets = ShortSecrets.Mask(configuration);

        Assert.Null(configuration[key]);
        Assert.Equal([key.Replace(":", "__", StringComparison.Ordinal)], shortSecrets.SettingNames);
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("  0123456789abcdef0123456789abcdef0123456789abcdef  ")]
    public void Mask_SecretOf32CharactersOrMore_KeepsIt(string value)
    {
        var configuration = Configuration(("Chat:Secret", value));

        var shortSecrets = ShortSecrets.Mask(configuration);

        Assert.Equal(value, configuration["Chat:Secret"]);
        Assert.Empty(shortSecrets.Keys);
    }

    [Fact]
    public void Mask_UnsetBlankOrOtherSettings_AreNotReported()
    {
        var configuration = Configuration(("Chat:Secret", "   "), ("Meta:VerifyToken", "short"));

        var shortSecrets = ShortSecrets.Mask(configuration);

        Assert.Empty(shortSecrets.Keys);
        Assert.Equal("short", configuration["Meta:VerifyToken"]);
    }
}
