using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Core.Content;

/// <summary>Per-channel options of <see cref="ContentComposer.Compose"/>.</summary>
public sealed record ComposeOptions
{
    public static ComposeOptions Default { get; } = new();

    /// <summary>At most this many SMS segments; a longer SMS is shortened at a word boundary and ends with "...". 0 = no limit.</summary>
    public int SmsSegmentBudget { get; init; }

    /// <summary>
    /// The body must not leak into a derived e-mail subject (a <c>security</c> message: subjects show on lock screens and
    /// in notification previews, so a code in one is a code shown to anyone near the phone).
    /// </summary>
    public bool WithholdBodyFromSubject { get; init; }
}

/// <summary>Why content could not be composed (for the whole message, or for one channel).</summary>
public enum ContentFailureReason
{
    /// <summary>The request names a template that does not exist.</summary>
    TemplateNotFound,

    /// <summary>No locale of the fallback chain is in the template (cannot happen with a valid template: its default is one).</summary>
    NoMatchingLocale,

    /// <summary>A part did not render (the detail says which and why), or rendered longer than the contract allows.</summary>
    RenderError,

    /// <summary>E-mail needs a subject: none was given (or it rendered empty) and none could be derived (no brand name, no text).</summary>
    MissingSubject,

    /// <summary>The channel needs text (SMS, WhatsApp, push) or text/html (e-mail, in-app, webhook) and has none.</summary>
    MissingBody,

    /// <summary>No candidate channel was given.</summary>
    NoChannels,

    /// <summary>The content request itself is unusable (e.g. neither inline content nor a template).</summary>
    InvalidRequest,
}

/// <summary>A reason and a sentence saying what is missing. The detail never quotes data values or message text.</summary>
public sealed record ContentFailure(ContentFailureReason Reason, string Detail);

/// <summary>Where a derived subject came from: another part of the template (<paramref name="TemplatePart"/>), or the brand name and the text (null).</summary>
public sealed record SubjectOrigin(string? TemplatePart);

/// <summary>What was composed for the candidate channels.</summary>
public sealed record ComposedContent
{
    /// <summary>True when at least one channel has content and nothing failed for the whole message.</summary>
    public bool Succeeded => Failure is null;

    /// <summary>The content per channel that can carry this message.</summary>
    public IReadOnlyDictionary<Channel, RenderedContent> Channels { get; init; } = new Dictionary<Channel, RenderedContent>();

    /// <summary>Candidate channels that cannot carry this message, with why (e.g. e-mail without a subject).</summary>
    public IReadOnlyDictionary<Channel, ContentFailure> Unusable { get; init; } = new Dictionary<Channel, ContentFailure>();

    /// <summary>The template locale used (as spelled in the template); null for inline content.</summary>
    public string? Locale { get; init; }

    /// <summary>Channels whose subject was not given but derived (e-mail; see <see cref="DerivedSubject"/>), with where from.</summary>
    public IReadOnlyDictionary<Channel, SubjectOrigin> DerivedSubjects { get; init; } = new Dictionary<Channel, SubjectOrigin>();

    /// <summary>The SMS size after the segment budget; null when SMS is not among the composed channels.</summary>
    public SmsFit? Sms { get; init; }

    /// <summary>
    /// The failure for the whole message: template missing, no locale, or no candidate channel usable (then the
    /// failure of the first candidate). Null on success.
    /// </summary>
    public ContentFailure? Failure { get; init; }

    public static ComposedContent Failed(ContentFailureReason reason, string detail) => new() { Failure = new ContentFailure(reason, detail) };
}

/// <summary>
/// The one place the outbound pipeline turns a message's <see cref="MessageContentRequest"/> into what each candidate
/// channel sends (docs/templates.md). Never throws for content reasons: every problem is a <see cref="ContentFailure"/>.
/// <list type="bullet">
/// <item>Inline content is literal (no templating): a per-channel override wins over the top-level text/subject/html, field by field.</item>
/// <item>A template is rendered in the first locale of <see cref="LocaleFallback.Chain"/> it has; data at the root, brand under <c>brand</c>.</item>
/// <item>What a channel receives: SMS and WhatsApp text only; push text and subject (title); e-mail, in-app and webhook
/// text, subject and html. E-mail without html is text only; e-mail without a subject gets one: another part's subject in
/// the template's locale, else <see cref="DerivedSubject"/> (brand name and the text's first line).</item>
/// <item>SMS is kept within <see cref="ComposeOptions.SmsSegmentBudget"/> (<see cref="SmsBudget"/>); <see cref="ComposedContent.Sms"/> says whether it was shortened.</item>
/// </list>
/// Thread-safe; register it as a singleton.
/// </summary>
public sealed class ContentComposer
{
    private readonly BrandVariables _brand;
    private readonly TemplateRenderer _renderer;

    public ContentComposer(BrandVariables brand, TemplateRenderer? renderer = null)
    {
        ArgumentNullException.ThrowIfNull(brand);
        _brand = brand;
        _renderer = renderer ?? TemplateRenderer.Shared;
    }

    /// <param name="content">The request's content (validated by <see cref="MessageRequestValidator"/>).</param>
    /// <param name="template">The template named by <c>content.template.id</c>, or null when it does not exist or the content is inline.</param>
    /// <param name="contactLocale">The contact's locale, if known.</param>
    /// <param name="channels">The candidate channels, in routing order.</param>
    /// <param name="options">Per-channel options (SMS segment budget); defaults when null.</param>
    public ComposedContent Compose(MessageContentRequest content, Template? template, string? contactLocale, IReadOnlyList<Channel> channels, ComposeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(channels);
        options ??= ComposeOptions.Default;
        if (options.SmsSegmentBudget < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.SmsSegmentBudget, "The SMS segment budget is 0 (no limit) or more.");
        }
        if (channels.Count == 0)
        {
            return ComposedContent.Failed(ContentFailureReason.NoChannels, "No candidate channel to compose content for.");
        }

        Func<Channel, (TemplatePart? Part, ContentFailure? Failure, string? SubjectFrom)> partFor;
        string? locale = null;
        if (content.Template is { } reference)
        {
            if (template is null)
            {
                return ComposedContent.Failed(ContentFailureReason.TemplateNotFound, $"No template has the id '{reference.Id}'.");
            }
            var chain = LocaleFallback.Chain(reference.Locale, contactLocale, template.DefaultLocale);
            var parts = default(IReadOnlyDictionary<string, TemplatePart>);
            foreach (var candidate in chain)
            {
                if (template.FindLocale(candidate) is { } found)
                {
                    parts = found;
                    locale = template.LocaleKey(candidate);
                    break;
                }
            }
            if (parts is null)
            {
                return ComposedContent.Failed(ContentFailureReason.NoMatchingLocale,
                    $"Template '{template.Id}' has none of the locales {string.Join(" → ", chain)}.");
            }
            var model = TemplateRenderer.CreateModel(reference.Data, _brand);
            // One budget for the whole message: data that blows one part up must not get the time again per channel.
            var budget = new RenderBudget();
            partFor = channel => RenderTemplatePart(parts, locale!, channel, model, budget);
        }
        else
        {
            if (content.Text is null && content.Html is null && content.Subject is null && content.Channels is not { Count: > 0 })
            {
                return ComposedContent.Failed(ContentFailureReason.InvalidRequest, "The content has neither inline text/html nor a template.");
            }
            partFor = channel => (InlinePart(content, channel), null, null);
        }

        var rendered = new Dictionary<Channel, RenderedContent>();
        var unusable = new Dictionary<Channel, ContentFailure>();
        var derived = new Dictionary<Channel, SubjectOrigin>();
        SmsFit? sms = null;
        foreach (var channel in channels.Distinct())
        {
            var (part, failure, subjectFrom) = partFor(channel);
            if (failure is not null)
            {
                unusable[channel] = failure;
                continue;
            }
            var shaped = Shape(channel, part!, out failure);
            if (failure is not null)
            {
                unusable[channel] = failure;
                continue;
            }
            if (channel == Channel.Email && shaped!.Subject is null)
            {
                var subject = options.WithholdBodyFromSubject
                    ? DerivedSubject.Withheld(_brand["name"])
                    : DerivedSubject.From(_brand["name"], shaped.Text ?? ContentPreview.PlainText(shaped.Html!));
                if (subject is null)
                {
                    unusable[channel] = new ContentFailure(ContentFailureReason.MissingSubject,
                        "email needs a subject; none was given and none can be derived (no brand name and no text).");
                    continue;
                }
                shaped = shaped with { Subject = subject };
                derived[channel] = new SubjectOrigin(null);
            }
            else if (subjectFrom is not null)
            {
                derived[channel] = new SubjectOrigin(subjectFrom);
            }
            if (channel == Channel.Sms)
            {
                sms = SmsBudget.Fit(shaped!.Text!, options.SmsSegmentBudget);
                shaped = shaped with { Text = sms.Text };
            }
            rendered[channel] = shaped!;
        }

        return new ComposedContent
        {
            Channels = rendered,
            Unusable = unusable,
            DerivedSubjects = derived,
            Locale = locale,
            Sms = sms,
            Failure = rendered.Count == 0 ? unusable[channels[0]] : null,
        };
    }

    /// <summary>Inline content for <paramref name="channel"/>: its override's fields, else the top-level ones.</summary>
    private static TemplatePart InlinePart(MessageContentRequest content, Channel channel)
    {
        ChannelContentRequest? own = null;
        if (content.Channels is not null)
        {
            foreach (var (name, part) in content.Channels)
            {
                if (part is not null && Channels.TryParse(name, out var parsed) && parsed == channel)
                {
                    own = part;
                    break;
                }
            }
        }
        return new TemplatePart(own?.Text ?? content.Text, own?.Subject ?? content.Subject, own?.Html ?? content.Html);
    }

    private (TemplatePart? Part, ContentFailure? Failure, string? SubjectFrom) RenderTemplatePart(
        IReadOnlyDictionary<string, TemplatePart> parts, string locale, Channel channel, Dictionary<string, object?> model, RenderBudget budget)
    {
        parts.TryGetValue(channel.Name(), out var own);
        parts.TryGetValue(Template.DefaultPartKey, out var fallback);
        var wanted = Wants(channel);
        // E-mail cannot go without a subject: one written for another channel of the template beats a derived one.
        var subjectFrom = channel == Channel.Email && own?.Subject is null && fallback?.Subject is null
            ? parts.Where(p => p.Value.Subject is not null).Select(p => p.Key).Order(StringComparer.Ordinal).FirstOrDefault()
            : null;

        string? Render(string field, string? ownSource, string? fallbackSource, bool escapeHtml, bool needed, int maxLength, ref ContentFailure? error,
            string? ownName = null)
        {
            var source = ownSource ?? fallbackSource;
            if (source is null || !needed || error is not null)
            {
                return null;
            }
            var from = ownSource is not null ? ownName ?? channel.Name() : Template.DefaultPartKey;
            // The writer stops at maxLength: a part longer than the contract is a render error, found without building it.
            if (!_renderer.TryRender(source, escapeHtml, model, out var output, out var reason, maxLength, budget))
            {
                error = new ContentFailure(ContentFailureReason.RenderError, $"locales.{locale}.{from}.{field}: {reason}");
                return null;
            }
            return output;
        }

        if (!wanted.Html && (own?.Text ?? fallback?.Text) is null && (own?.Html ?? fallback?.Html) is not null)
        {
            return (null, new ContentFailure(ContentFailureReason.MissingBody, $"{channel.Name()} carries text only and the template has only html for it."), null);
        }
        ContentFailure? failure = null;
        var text = Render("text", own?.Text, fallback?.Text, escapeHtml: false, wanted.Text, MessageRequestValidator.MaxTextLength, ref failure);
        var subject = subjectFrom is null
            ? Render("subject", own?.Subject, fallback?.Subject, escapeHtml: false, wanted.Subject, MessageRequestValidator.MaxSubjectLength, ref failure)
            : Render("subject", parts[subjectFrom].Subject, null, escapeHtml: false, wanted.Subject, MessageRequestValidator.MaxSubjectLength, ref failure, subjectFrom);
        var html = Render("html", own?.Html, fallback?.Html, escapeHtml: true, wanted.Html, MessageRequestValidator.MaxHtmlLength, ref failure);
        return failure is not null ? (null, failure, null) : (new TemplatePart(text, subject, html), null, subject is null ? null : subjectFrom);
    }

    private static (bool Text, bool Subject, bool Html) Wants(Channel channel) => channel switch
    {
        Channel.Sms or Channel.WhatsApp => (true, false, false),
        Channel.Push => (true, true, false),
        _ => (true, true, true),
    };

    /// <summary>Keeps the fields <paramref name="channel"/> carries and checks it has what it needs.</summary>
    private static RenderedContent? Shape(Channel channel, TemplatePart part, out ContentFailure? failure)
    {
        var wanted = Wants(channel);
        var text = wanted.Text && !string.IsNullOrWhiteSpace(part.Text) ? part.Text : null;
        // A subject is a header: a line break from the data must not start another one.
        var subject = wanted.Subject && part.Subject is { } s ? OneLine(s) : null;
        var html = wanted.Html && !string.IsNullOrWhiteSpace(part.Html) ? part.Html : null;
        failure = null;
        switch (channel)
        {
            case Channel.Sms or Channel.WhatsApp or Channel.Push when text is null:
                // Say why exactly: rich content a text channel cannot show differs from no content at all.
                failure = new ContentFailure(ContentFailureReason.MissingBody, !string.IsNullOrWhiteSpace(part.Html)
                    ? $"{channel.Name()} carries text only and the content has only html."
                    : $"{channel.Name()} needs text and the content has none for it.");
                return null;
            case Channel.Email or Channel.InApp or Channel.Webhook when text is null && html is null:
                failure = new ContentFailure(ContentFailureReason.MissingBody, $"{channel.Name()} needs text or html and the content has neither.");
                return null;
        }
        return new RenderedContent(text, subject, html);
    }

    private static string? OneLine(string subject)
    {
        var line = string.Join(' ', subject.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length == 0 ? null : line;
    }
}
