using System.Net;
using System.Text.Json;
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
        Assert.Equal("healthy", body.RootElement.GetProperty("checks").GetProperty("tableStorage").GetProperty("status").GetString());
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
}
