using System.Net;
using System.Net.Sockets;
using System.Text;
using Omni.DevHost.Storage;

namespace Omni.DevHost.Tests.Storage;

public sealed class AzuriteAdoptionTests
{
    [Fact]
    public async Task EnsureRunning_PlainHttpServerOnThePort_FailsFastNamingThePortAndWhatAnswered()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        var server = AnswerLikeAPythonHttpServerAsync(listener, stop.Token);

        var error = await Assert.ThrowsAsync<AzuriteStartException>(() => Azurite.EnsureRunningAsync(port, location: null));

        await stop.CancelAsync();
        await server;
        Assert.Equal(
            $"port {port} (--azurite-port) is taken by something that is not Azurite's Table service (it answered HTTP 404 from " +
            "'SimpleHTTP/0.6 Python/3.11.7'); stop it, or pass --azurite-port <free port> (0: a private in-memory Azurite).",
            error.Message);
    }

    [Fact]
    public async Task EnsureRunning_AzuriteOnThePort_IsAdoptedWithItsVersion()
    {
        await using var started = await Azurite.StartInMemoryAsync();

        await using var adopted = await Azurite.EnsureRunningAsync(started.TablePort, location: null);

        Assert.False(adopted.Owned);
        Assert.Matches(@"^\d+\.\d+\.\d+$", adopted.Version);
        Assert.Equal(started.Version, adopted.Version);
    }

    /// <summary>Answers every connection as <c>python3 -m http.server</c> does a path it has no file for.</summary>
    private static async Task AnswerLikeAPythonHttpServerAsync(TcpListener listener, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync(stop);
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                while (await reader.ReadLineAsync(stop) is { Length: > 0 })
                {
                    // The request line and headers; a GET has no body.
                }
                const string Html = "<!DOCTYPE HTML><html><body><h1>Error response</h1><p>Error code: 404</p></body></html>";
                var answer = "HTTP/1.0 404 File not found\r\nServer: SimpleHTTP/0.6 Python/3.11.7\r\nContent-Type: text/html;charset=utf-8\r\n" +
                    $"Connection: close\r\nContent-Length: {Html.Length}\r\n\r\n{Html}";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(answer), stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
