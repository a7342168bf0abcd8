using System.Diagnostics;
using System.Net;

namespace Omni.EndToEnd.Tests;

[Collection(DevHostCollection.Name)]
public sealed class HandlerRestartTests(DevHostFixture fixture)
{
    [Fact]
    public async Task HandlerKilled_DevHostRestartsItLikeTheHost_AndHealthRecovers()
    {
        var before = fixture.Server.Handler.ProcessId ?? throw new InvalidOperationException("The handler is not running.");

        Process.GetProcessById(before).Kill();

        var after = await DevHostFixture.EventuallyAsync(() => fixture.Server.Handler.ProcessId, pid => pid != before, "a restarted handler");
        Assert.NotEqual(before, after);
        var status = await DevHostFixture.EventuallyAsync<HttpStatusCode?>(async () =>
        {
            using var response = await fixture.Http.GetAsync(new Uri(fixture.Server.BaseAddress, "api/health"));
            return response.StatusCode;
        }, s => s == HttpStatusCode.OK, "health after the restart");
        Assert.Equal(HttpStatusCode.OK, status);
    }
}
