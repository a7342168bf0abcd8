using System.Net;
using System.Text.Json.Nodes;

namespace Omni.Functions.Tests;

/// <summary>
/// The OpenAPI document the app serves at /api/openapi.json is kept in the repository as docs/openapi.json.
/// After an API change, regenerate it with: OMNI_UPDATE_OPENAPI=1 dotnet test tests/Omni.Functions.Tests --filter OpenApi
/// </summary>
public sealed class OpenApiDocumentTests : IDisposable
{
    private readonly FunctionAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private static string CommittedPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Omni.Functions.sln")))
            {
                return Path.Combine(dir.FullName, "docs", "openapi.json");
            }
        }
        throw new InvalidOperationException("Omni.Functions.sln not found.");
    }

    [Fact]
    public async Task OpenApi_ServedDocument_MatchesTheCommittedOne()
    {
        using var response = await _factory.CreateClient().GetAsync("/api/openapi.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var served = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var path = CommittedPath();
        if (Environment.GetEnvironmentVariable("OMNI_UPDATE_OPENAPI") == "1")
        {
            File.WriteAllText(path, served.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        }

        var committed = JsonNode.Parse(File.ReadAllText(path));

        Assert.True(JsonNode.DeepEquals(committed, served),
            "docs/openapi.json is out of date: regenerate it (see this test's summary) and commit it.");
    }

    [Fact]
    public async Task OpenApi_Document_DescribesEveryContactsOperation()
    {
        var document = JsonNode.Parse(await _factory.CreateClient().GetStringAsync("/api/openapi.json"))!;
        var operations = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(o => o.Value!["operationId"]?.GetValue<string>()))
            .ToHashSet();

        Assert.Superset(new HashSet<string?> { "GetContact", "PutContact", "PatchContact", "DeleteContact", "FindContact", "GetConsent", "RecordConsent", "GetHealth" }, operations);
    }
}
