namespace Omni.DevHost.Tests;

/// <summary>
/// A function app whose handler is a few lines of Node: <c>GET /</c> answers readiness, every other request gets 207 with
/// JSON of what arrived (method, url, headers, base64 body), so a test sees exactly what the DevHost proxied; two routes
/// misbehave on purpose for the proxy's failure tests.
/// </summary>
internal static class EchoHandlerApp
{
    // hooks/hang never answers; hooks/vanish answers, then stops listening (and listens again after ?for= ms, if given)
    // while the process stays up, so the handler looks ready but refuses connections.
    private const string Handler = """
        const http = require('http');
        const port = Number(process.argv[2]);
        const server = http.createServer((req, res) => {
          const chunks = [];
          req.on('data', c => chunks.push(c));
          req.on('end', () => {
            if (req.url === '/') { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{}'); return; }
            if (req.url === '/Refuse') { res.writeHead(503, { 'content-type': 'application/problem+json' }); res.end('{"status":503}'); return; }
            if (!req.url.startsWith('/api/')) {
              // A payload-mode invocation: answer the host's envelope, the caller's response in Outputs.res.
              const seen = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('base64') });
              res.writeHead(200, { 'content-type': 'application/json' });
              res.end(JSON.stringify({ Outputs: { res: { statusCode: 207, headers: { 'Content-Type': 'application/json', 'x-handler': 'stand-in' }, body: seen } }, Logs: [], ReturnValue: null }));
              return;
            }
            if (req.url.startsWith('/api/hooks/hang')) { return; }
            if (req.url.startsWith('/api/hooks/vanish')) {
              const back = Number(new URL(req.url, 'http://x').searchParams.get('for'));
              res.end('gone', () => {
                server.close(() => { if (back) setTimeout(() => server.listen(port, '127.0.0.1'), back); });
                server.closeAllConnections();
              });
              return;
            }
            res.writeHead(207, { 'content-type': 'application/json', 'x-handler': 'stand-in' });
            res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('base64') }));
          });
        });
        server.listen(port, '127.0.0.1');
        setInterval(() => {}, 1 << 30);
        """;

    /// <summary>Writes handler.js, host.json (proxying on) and one proxied HTTP function per entry into <paramref name="root"/>.</summary>
    public static void Write(string root, params (string Name, string AuthLevel, string Methods, string Route)[] functions) =>
        Write(root, proxying: true, functions);

    /// <summary>The same, with request proxying on or off in host.json (off: every HTTP function runs in payload mode).</summary>
    public static void Write(string root, bool proxying, params (string Name, string AuthLevel, string Methods, string Route)[] functions)
    {
        File.WriteAllText(Path.Combine(root, "handler.js"), Handler);
        File.WriteAllText(Path.Combine(root, "host.json"), $$"""
            { "version": "2.0",
              "customHandler": { "description": { "defaultExecutablePath": "node", "arguments": ["handler.js", "%FUNCTIONS_CUSTOMHANDLER_PORT%"] },
                                 "enableProxyingHttpRequest": {{(proxying ? "true" : "false")}} } }
            """);
        foreach (var (name, authLevel, methods, route) in functions)
        {
            Directory.CreateDirectory(Path.Combine(root, name));
            File.WriteAllText(Path.Combine(root, name, "function.json"), $$"""
                { "bindings": [
                    { "type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "{{authLevel}}", "methods": [{{methods}}], "route": "{{route}}" },
                    { "type": "http", "direction": "out", "name": "res" } ] }
                """);
        }
    }
}
