using System.Net;
using System.Text;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// Template writes are admin-only (function WriteTemplate, authLevel admin) while reads and preview stay on the function
/// key (functions Templates and TemplatePreview, on the same route template): the DevHost tells them apart by method.
/// </summary>
[Collection(DevHostCollection.Name)]
public sealed class TemplateWriteKeysEndToEndTests(DevHostFixture fixture)
{
    private Uri Api(string relative) => new(fixture.Server.BaseAddress, "api/" + relative);

    private static StringContent Template() => new(
        """{"description":"admin-only write","defaultLocale":"en","locales":{"en":{"sms":{"text":"Hello {{name}}"}}}}""",
        Encoding.UTF8, "application/json");

    [Fact]
    public async Task TemplatePutAndDelete_FunctionKey_Returns401AndMasterKeyWrites()
    {
        var id = "e2e-" + Guid.NewGuid().ToString("N")[..10];

        using var refusedPut = await fixture.Http.PutAsync(Api($"templates/{id}"), Template());
        Assert.Equal(HttpStatusCode.Unauthorized, refusedPut.StatusCode);
        using var absent = await fixture.Http.GetAsync(Api($"templates/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);

        using var created = await fixture.AdminHttp.PutAsync(Api($"templates/{id}"), Template());
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var read = await fixture.Http.GetAsync(Api($"templates/{id}"));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        using var refusedDelete = await fixture.Http.DeleteAsync(Api($"templates/{id}"));
        Assert.Equal(HttpStatusCode.Unauthorized, refusedDelete.StatusCode);
        using var deleted = await fixture.AdminHttp.DeleteAsync(Api($"templates/{id}"));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }
}
