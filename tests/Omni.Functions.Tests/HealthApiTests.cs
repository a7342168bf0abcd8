using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Omni.DevHost.Storage;

namespace Omni.Functions.Tests;

public sealed class HealthApiTests
{
    [Fact]
    public async Task Health_TableStorageAnswers_Returns200Healthy()
    {
        await using var azurite = await Azurite.StartInMemoryAsync();
        using var factory = new FunctionAppFactory { StorageConnectionString = azurite.ConnectionString };

        using var response = await factory.CreateClient().GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("healthy", body.RootElement.GetProperty("checks").GetProperty("tableStorage").GetProperty("status").GetString());
        Assert.Equal("healthy", body.RootElement.GetProperty("checks").GetProperty("configuration").GetProperty("status").GetString());
    }

    private const string TwilioReference = "@Microsoft.KeyVault(SecretUri=https://kv-omni.vault.azure.net/secrets/twilio-auth-token/)";
    private const string ChatReference = "@Microsoft.KeyVault(VaultName=kv-omni;SecretName=chat-webhook-secret)";

    private static HttpClient WithUnresolvedReferences(FunctionAppFactory factory) => factory.WithWebHostBuilder(b =>
    {
        b.UseSetting("Twilio:AuthToken", TwilioReference);
        b.UseSetting("Chat:Secret", ChatReference);
    }).CreateClient();

    [Fact]
    public async Task Health_UnresolvedKeyVaultReference_Returns200DegradedNamingTheSettingsNotTheirValues()
    {
        await using var azurite = await Azurite.StartInMemoryAsync();
        using var factory = new FunctionAppFactory { StorageConnectionString = azurite.ConnectionString };

        using var response = await WithUnresolvedReferences(factory).GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        using var body = JsonDocument.Parse(text);
        Assert.Equal("degraded", body.RootElement.GetProperty("status").GetString());
        var configuration = body.RootElement.GetProperty("checks").GetProperty("configuration");
        Assert.Equal("degraded", configuration.GetProperty("status").GetString());
        Assert.Equal("unresolved Key Vault or App Configuration reference in: Chat__Secret, Twilio__AuthToken", configuration.GetProperty("error").GetString());
        Assert.DoesNotContain("vault.azure.net", text);
        Assert.DoesNotContain("kv-omni", text);
    }

    [Fact]
    public async Task Health_ShortChatAndSigningSecrets_Returns200DegradedNamingTheSettingsNotTheirValues()
    {
        await using var azurite = await Azurite.StartInMemoryAsync();
        using var factory = new FunctionAppFactory { StorageConnectionString = azurite.ConnectionString };
        using var client = factory.WithWebHostBuilder(b =>
        {
            b.UseSetting("Chat:Secret", "short-chat-secret");
            b.UseSetting("Webhooks:SigningSecret", "short-signing-secret");
            b.UseSetting("Twilio:AuthToken", TwilioReference);
        }).CreateClient();

        using var response = await client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        using var body = JsonDocument.Parse(text);
        Assert.Equal("degraded", body.RootElement.GetProperty("status").GetString());
        Assert.Equal(
            "unresolved Key Vault or App Configuration reference in: Twilio__AuthToken; too short (minimum 32 characters): Chat__Secret, Webhooks__SigningSecret",
            body.RootElement.GetProperty("checks").GetProperty("configuration").GetProperty("error").GetString());
        Assert.DoesNotContain("short-chat-secret", text);
    }

    [Fact]
    public async Task Health_UnresolvedReferenceAndStorageUnreachable_Returns503Unhealthy()
    {
        using var factory = new FunctionAppFactory(); // storage on a closed port

        using var response = await WithUnresolvedReferences(factory).GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("unhealthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("degraded", body.RootElement.GetProperty("checks").GetProperty("configuration").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_TableStorageUnreachable_Returns503Unhealthy()
    {
        using var factory = new FunctionAppFactory(); // storage on a closed port

        using var response = await factory.CreateClient().GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("unhealthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("unhealthy", body.RootElement.GetProperty("checks").GetProperty("tableStorage").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_TableStorageUnreachable_AnswersFixedTextNotTheExceptionMessage()
    {
        using var factory = new FunctionAppFactory(); // storage on a closed port: 127.0.0.1:9

        using var response = await factory.CreateClient().GetAsync("/api/health");

        var text = await response.Content.ReadAsStringAsync();
        using var body = JsonDocument.Parse(text);
        Assert.Equal("Table Storage could not be reached",
            body.RootElement.GetProperty("checks").GetProperty("tableStorage").GetProperty("error").GetString());
        Assert.DoesNotContain("127.0.0.1", text);
    }

    [Fact]
    public async Task Health_TableStorageRefusesTheKey_AnswersCredentialsRefused()
    {
        await using var azurite = await Azurite.StartInMemoryAsync();
        var wrongKey = Convert.ToBase64String(new byte[64]);
        var connectionString = string.Join(';', azurite.ConnectionString.Split(';')
            .Select(part => part.StartsWith("AccountKey=", StringComparison.Ordinal) ? "AccountKey=" + wrongKey : part));
        using var factory = new FunctionAppFactory { StorageConnectionString = connectionString };

        using var response = await factory.CreateClient().GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        using var body = JsonDocument.Parse(text);
        Assert.Equal("Table Storage refused the credentials",
            body.RootElement.GetProperty("checks").GetProperty("tableStorage").GetProperty("error").GetString());
        Assert.DoesNotContain("devstoreaccount1", text);
    }

    [Theory]
    [InlineData(404, "Table Storage answered 404")]
    [InlineData(500, "Table Storage answered 500")]
    [InlineData(0, "Table Storage could not be reached")]
    public void DescribeStorageFailure_RequestFailed_NamesOnlyTheStatus(int status, string expected) =>
        Assert.Equal(expected, Omni.Functions.Health.HealthApi.DescribeStorageFailure(
            new global::Azure.RequestFailedException(status, "secret detail at https://account.table.core.windows.net")));

    [Fact]
    public void DescribeStorageFailure_Canceled_NamesTheTimeout() =>
        Assert.Equal("Table Storage did not answer within 5 s",
            Omni.Functions.Health.HealthApi.DescribeStorageFailure(new OperationCanceledException()));
}
