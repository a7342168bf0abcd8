namespace Omni.DevHost.Storage;

/// <summary>What answered on a port that should be Azurite's Table service.</summary>
/// <param name="Description">For an error line: the status and <c>Server</c> header, or that nothing spoke HTTP.</param>
internal sealed record AzuriteAnswer(bool IsAzuriteTable, string? Version, string Description);

/// <summary>
/// Tells Azurite's Table service from any other listener. An unauthenticated <c>GET /devstoreaccount1/Tables</c> gets an
/// Azure Storage error from Azurite (403 with <c>Server: Azurite-Table/3.37.0</c>, <c>x-ms-request-id</c> and
/// <c>x-ms-version</c>); a web server or another Azurite service answers differently.
/// </summary>
internal static class AzuriteProbe
{
    private const string ServerPrefix = "Azurite-Table/";

    public static async Task<AzuriteAnswer> IdentifyAsync(int port, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/{Azurite.AccountName}/Tables"), cancellationToken);
            var server = response.Headers.Server.ToString();
            var version = server.StartsWith(ServerPrefix, StringComparison.Ordinal) ? server[ServerPrefix.Length..] : null;
            // Another Azurite service (Blob, Queue) also sends x-ms-request-id, but names itself in Server.
            var isTable = version is not null ||
                (!server.StartsWith("Azurite", StringComparison.Ordinal) && response.Headers.Contains("x-ms-request-id"));
            var from = server.Length > 0 ? $" from '{Shorten(server)}'" : "";
            return new AzuriteAnswer(isTable, version, $"it answered HTTP {(int)response.StatusCode}{from}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new AzuriteAnswer(false, null, "it does not answer HTTP");
        }
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
