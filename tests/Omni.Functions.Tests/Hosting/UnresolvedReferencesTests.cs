using Microsoft.Extensions.Configuration;
using Omni.Functions.Hosting;

namespace Omni.Functions.Tests.Hosting;

/// <summary>The configuration layer: an app setting App Service could not resolve reads as unset, the rest as it is.</summary>
public sealed class UnresolvedReferencesTests
{
    private static ConfigurationManager Configuration(params (string Key, string? Value)[] settings)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        return configuration;
    }

    [Theory]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/chat-webhook-secret/)")]
    [InlineData("@Microsoft.KeyVault(VaultName=kv;SecretName=chat-webhook-secret)")]
    [InlineData("@Microsoft.AppConfiguration(Endpoint=https://cfg.azconfig.io; Key=chat-secret)")]
    [InlineData("  @microsoft.keyvault(SecretUri=https://kv.vault.azure.net/secrets/chat-webhook-secret/)\n")]
    public void Mask_UnresolvedReference_ReadsAsNull(string literal)
    {
        var configuration = Configuration(("Chat:Secret", literal));

        UnresolvedReferences.Mask(configuration);

        Assert.Null(configuration["Chat:Secret"]);
        Assert.Null(configuration.GetSection("Chat")["Secret"]);
    }

    [Theory]
    [InlineData("chat-secret-0123456789")]
    [InlineData("secret@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/x/)")]
    [InlineData("@Microsoft.KeyVaultish")]
    public void Mask_OrdinaryValue_IsUntouched(string value)
    {
        var configuration = Configuration(("Chat:Secret", value));

        var unresolved = UnresolvedReferences.Mask(configuration);

        Assert.Equal(value, configuration["Chat:Secret"]);
        Assert.Empty(unresolved.Keys);
    }

    [Fact]
    public void Mask_MixedSettings_ListsExactlyTheUnresolvedOnesAsAppSettingNames()
    {
        var configuration = Configuration(
            ("Twilio:AuthToken", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/twilio-auth-token/)"),
            ("Twilio:AccountSid", "AC0123"),
            ("Chat:Secret", "@Microsoft.KeyVault(VaultName=kv;SecretName=chat-webhook-secret)"),
            ("Keywords:Senders:+15555550100:HelpText", "@Microsoft.AppConfiguration(Endpoint=https://cfg.azconfig.io; Key=help)"),
            ("Omni:PublicBaseUrl", "https://omni.example"));

        var unresolved = UnresolvedReferences.Mask(configuration);

        Assert.Equal(["Chat:Secret", "Keywords:Senders:+15555550100:HelpText", "Twilio:AuthToken"], unresolved.Keys);
        Assert.Equal(["Chat__Secret", "Keywords__Senders__+15555550100__HelpText", "Twilio__AuthToken"], unresolved.SettingNames);
        Assert.Equal("AC0123", configuration["Twilio:AccountSid"]);
        Assert.Equal("https://omni.example", configuration["Omni:PublicBaseUrl"]);
    }
}
