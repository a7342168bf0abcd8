using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using HandlebarsDotNet;

namespace Omni.Core.Content;

/// <summary>
/// Renders template sources with Handlebars.Net in two isolated environments: HTML parts escape <c>{{x}}</c> output
/// (<c>&amp; &lt; &gt; " ' ` =</c>, as handlebars.js does); text parts (SMS, WhatsApp, push, in-app, e-mail text and every
/// subject) are not escaped. Neither environment has a helper, partial or file system registered beyond Handlebars'
/// built-in block helpers (<c>if</c>, <c>unless</c>, <c>each</c>, <c>with</c>, <c>lookup</c>), so a template can read
/// nothing but its model: no file, no network. A missing variable renders as empty text (Handlebars' default).
/// Compiled sources are cached (thread-safe, bounded). Every render is bounded by construction
/// (<see cref="TemplateLimits"/>): it writes into a writer that stops at the part's maximum length, the data's lists count
/// every item read, and a <see cref="RenderBudget"/> stops it when its time is spent.
/// </summary>
public sealed class TemplateRenderer
{
    /// <summary>Cached compiled sources; the cache is cleared when it grows past this.</summary>
    public const int MaxCachedTemplates = 2048;

    private const int MaxErrorLength = 300;

    private readonly IHandlebars _html;
    private readonly IHandlebars _text;
    private readonly ConcurrentDictionary<(bool Html, string Source), HandlebarsTemplate<TextWriter, object, object>> _cache = new();

    /// <summary>One renderer for the process: compiled sources are shared.</summary>
    public static TemplateRenderer Shared { get; } = new();

    public TemplateRenderer()
    {
        var html = new HandlebarsConfiguration
        {
            TextEncoder = new HtmlTextEncoder(),
            FormatProvider = CultureInfo.InvariantCulture,
        };
        var text = new HandlebarsConfiguration
        {
            NoEscape = true,
            FormatProvider = CultureInfo.InvariantCulture,
        };
        html.ObjectDescriptorProviders.Add(new BoundedListDescriptorProvider());
        text.ObjectDescriptorProviders.Add(new BoundedListDescriptorProvider());
        _html = HandlebarsDotNet.Handlebars.Create(html);
        _text = HandlebarsDotNet.Handlebars.Create(text);
    }

    /// <summary>
    /// Null when <paramref name="source"/> keeps to the static <see cref="TemplateLimits"/>, compiles and renders with an
    /// empty model; otherwise why not (too deep, a syntax error, an unknown helper or a partial — none is registered).
    /// </summary>
    public string? Check(string source, bool html)
    {
        ArgumentNullException.ThrowIfNull(source);
        return TemplateLimits.Inspect(source) ?? (TryRender(source, html, new Dictionary<string, object?>(StringComparer.Ordinal), out _, out var error) ? null : error);
    }

    /// <summary>
    /// Renders <paramref name="source"/> with <paramref name="model"/>; false with a short reason when it cannot, or when it
    /// reached a limit: more than <paramref name="maxLength"/> characters, or the <paramref name="budget"/>'s items or time
    /// (a fresh budget when null).
    /// </summary>
    public bool TryRender(string source, bool html, object model, out string output, out string error,
        int maxLength = TemplateLimits.MaxOutputLength, RenderBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(model);
        try
        {
            var template = Compile(source, html);
            budget ??= new RenderBudget();
            using var writer = new BoundedWriter(Math.Min(maxLength, TemplateLimits.MaxOutputLength), budget);
            using (budget.Enter())
            {
                template(writer, model, null!);
            }
            output = writer.ToString();
            error = "";
            return true;
        }
        catch (Exception e) when (LimitOf(e) is { } limit)
        {
            output = "";
            error = limit.Message;
            return false;
        }
        catch (Exception e) when (e is not OutOfMemoryException and not InsufficientExecutionStackException)
        {
            // Template text is user input: any exception of the engine (parser, compiler, runtime, or a cast deep
            // inside it) is a property of the template, not a bug of Omni.
            output = "";
            error = Describe(e);
            return false;
        }
    }

    /// <summary>The limit reached, if any: the engine may wrap exceptions thrown from a writer or a list.</summary>
    private static TemplateLimitException? LimitOf(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is TemplateLimitException limit)
            {
                return limit;
            }
        }
        return null;
    }

    private HandlebarsTemplate<TextWriter, object, object> Compile(string source, bool html)
    {
        var key = (html, source);
        if (_cache.TryGetValue(key, out var cached))
        {
            return cached;
        }
        using var reader = new StringReader(source);
        var compiled = (html ? _html : _text).Compile(reader);
        if (_cache.Count >= MaxCachedTemplates)
        {
            _cache.Clear();
        }
        _cache[key] = compiled;
        return compiled;
    }

    private static string Describe(Exception e)
    {
        var message = e.Message.ReplaceLineEndings(" ").Trim();
        while (message.Contains("  ", StringComparison.Ordinal))
        {
            message = message.Replace("  ", " ", StringComparison.Ordinal);
        }
        var text = e is HandlebarsException ? message : $"{e.GetType().Name}: {message}";
        return text.Length <= MaxErrorLength ? text : text[..MaxErrorLength] + "...";
    }

    /// <summary>
    /// The model a template sees: the properties of <paramref name="data"/> at the root and <paramref name="brand"/>
    /// under <c>brand</c> (brand wins over a <c>brand</c> property in the data). JSON numbers become long or decimal
    /// (so "1.50" renders as 1.50), arrays <see cref="BoundedList"/>s (their items count against the render's budget), objects dictionaries.
    /// </summary>
    public static Dictionary<string, object?> CreateModel(JsonElement? data, BrandVariables? brand)
    {
        var model = data is { ValueKind: JsonValueKind.Object } root
            ? (Dictionary<string, object?>)FromJson(root)!
            : new Dictionary<string, object?>(StringComparer.Ordinal);
        model["brand"] = (brand ?? BrandVariables.Empty).ToModel();
        return model;
    }

    private static object? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Aggregate(
            new Dictionary<string, object?>(StringComparer.Ordinal),
            (map, property) => { map[property.Name] = FromJson(property.Value); return map; }),
        JsonValueKind.Array => new BoundedList(element.EnumerateArray().Select(FromJson).ToArray()),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var integer) ? integer
            : element.TryGetDecimal(out var number) ? number
            : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// <summary>HTML escaping of handlebars.js: <c>&amp; &lt; &gt; " ' ` =</c>; every other character passes through.</summary>
    private sealed class HtmlTextEncoder : ITextEncoder
    {
        public void Encode(StringBuilder text, TextWriter target)
        {
            for (var i = 0; i < text.Length; i++)
            {
                Write(text[i], target);
            }
        }

        public void Encode(string text, TextWriter target)
        {
            foreach (var c in text)
            {
                Write(c, target);
            }
        }

        public void Encode<T>(T text, TextWriter target) where T : IEnumerator<char>
        {
            while (text.MoveNext())
            {
                Write(text.Current, target);
            }
        }

        private static void Write(char c, TextWriter target)
        {
            switch (c)
            {
                case '&': target.Write("&amp;"); break;
                case '<': target.Write("&lt;"); break;
                case '>': target.Write("&gt;"); break;
                case '"': target.Write("&quot;"); break;
                case '\'': target.Write("&#x27;"); break;
                case '`': target.Write("&#x60;"); break;
                case '=': target.Write("&#x3D;"); break;
                default: target.Write(c); break;
            }
        }
    }
}
