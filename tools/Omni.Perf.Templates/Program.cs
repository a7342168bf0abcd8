using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Omni.Core.Content;

// Renders a typical order e-mail (HTML, 12 lines, #each, #if, nested data) with Omni's renderer: the first render
// (compile included) once, then the median of 2,000 warm renders, and the limits: an exploding and a silent nested loop.
const string Source = """
    <h1>Thanks for your order, {{name}}!</h1>
    <p>Order <b>{{order.id}}</b> placed {{order.date}}{{#if order.express}} (express){{/if}}.</p>
    <table>
    {{#each order.lines}}<tr><td>{{@index}}</td><td>{{sku}}</td><td>{{title}}</td><td>{{qty}} × {{price}}</td></tr>
    {{/each}}</table>
    <p>{{order.lines.length}} lines, total {{order.total}} {{order.currency}}.</p>
    {{#with order.address}}<p>Ship to: {{street}}, {{city}} {{zip}}</p>{{/with}}
    {{#unless order.paid}}<p>Payment is due within 14 days.</p>{{/unless}}
    <footer>{{brand.name}} · <a href="{{brand.url}}">{{brand.url}}</a></footer>
    """;
var lines = string.Join(",", Enumerable.Range(1, 10).Select(i => "{\"sku\":\"SKU-" + i + "\",\"title\":\"Item <" + i + "> & more\",\"qty\":" + i + ",\"price\":" + i + ".50}"));
using var data = JsonDocument.Parse($$"""
    {"name":"Ada","order":{"id":"A-1001","date":"2026-12-08","express":true,"paid":false,"total":123.45,"currency":"EUR",
     "lines":[{{lines}}],"address":{"street":"1 Main St","city":"Berlin","zip":"10115"} } }
    """);
var model = TemplateRenderer.CreateModel(data.RootElement, new BrandVariables(new Dictionary<string, string?> { ["name"] = "Omni", ["url"] = "https://example.org" }));
var renderer = new TemplateRenderer();

var clock = Stopwatch.StartNew();
if (!renderer.TryRender(Source, html: true, model, out var output, out var error))
{
    Console.Error.WriteLine($"render failed: {error}");
    return 1;
}
var first = clock.Elapsed.TotalMilliseconds;
var samples = new double[2000];
for (var i = 0; i < samples.Length; i++)
{
    var start = Stopwatch.GetTimestamp();
    renderer.TryRender(Source, html: true, model, out _, out _);
    samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
}
Array.Sort(samples);

using var loops = JsonDocument.Parse($$"""{"a":[{{string.Join(",", Enumerable.Range(0, 200))}}]}""");
var loopModel = TemplateRenderer.CreateModel(loops.RootElement, null);
var (exploding, explodingError) = Time(() => renderer.TryRender("{{#each a}}{{#each ../a}}0123456789{{/each}}{{/each}}", false, loopModel, out _, out var e) ? "" : e);
var (silent, silentError) = Time(() => renderer.TryRender("{{#each a}}{{#each ../a}}{{/each}}{{/each}}", false, loopModel, out _, out var e) ? "" : e);

Console.WriteLine($"runtime: {(RuntimeFeature.IsDynamicCodeSupported ? "JIT (dynamic code)" : "Native AOT (no dynamic code)")}");
Console.WriteLine($"output: {output.Length} characters, {output.Split('\n').Length} lines");
Console.WriteLine($"first render (compile included): {first:0.0} ms");
Console.WriteLine($"warm render: median {samples[samples.Length / 2]:0.000} ms, p90 {samples[samples.Length * 9 / 10]:0.000} ms");
Console.WriteLine($"exploding nested loop: stopped after {exploding:0.0} ms: {explodingError}");
Console.WriteLine($"silent nested loop: stopped after {silent:0.0} ms: {silentError}");
return explodingError.Length > 0 && silentError.Length > 0 ? 0 : 1;

static (double Ms, string Error) Time(Func<string> render)
{
    var start = Stopwatch.GetTimestamp();
    var error = render();
    return (Stopwatch.GetElapsedTime(start).TotalMilliseconds, error);
}
