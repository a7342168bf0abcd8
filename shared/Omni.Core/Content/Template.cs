using Omni.Core.Contacts;
using Omni.Core.Messages;

namespace Omni.Core.Content;

/// <summary>
/// A stored message template (docs/templates.md). Per locale (BCP 47) it holds parts keyed by <see cref="DefaultPartKey"/>
/// or a channel wire name ("sms", "email", ...). A channel uses its own part; any field its part lacks (or all of them,
/// when it has none) comes from the locale's <c>default</c> part. Parts are Handlebars templates: data sits at the root,
/// brand variables under <c>brand</c>. Validate with <see cref="TemplateRules.Validate"/>.
/// </summary>
public sealed record Template
{
    /// <summary>The part every channel falls back to, field by field.</summary>
    public const string DefaultPartKey = "default";

    /// <summary>1–100 of <c>A-Z a-z 0-9 _ . -</c>, as <c>content.template.id</c> of the message contract.</summary>
    public required string Id { get; init; }

    /// <summary>The locale used when neither the request's nor the contact's locale (nor their parents) is present.</summary>
    public required string DefaultLocale { get; init; }

    public string? Description { get; init; }

    /// <summary>Locale (BCP 47, matched case-insensitively) → part key ("default" or a channel wire name) → part.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, TemplatePart>> Locales { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The parts of <paramref name="locale"/> (case-insensitive), or null.</summary>
    public IReadOnlyDictionary<string, TemplatePart>? FindLocale(string locale)
    {
        foreach (var (key, parts) in Locales)
        {
            if (string.Equals(key, locale, StringComparison.OrdinalIgnoreCase))
            {
                return parts;
            }
        }
        return null;
    }

    /// <summary>The locale key as stored (its spelling) for <paramref name="locale"/>, or null.</summary>
    public string? LocaleKey(string locale) => Locales.Keys.FirstOrDefault(k => string.Equals(k, locale, StringComparison.OrdinalIgnoreCase));
}

/// <summary>One Handlebars source per field. <see cref="Html"/> is HTML-escaped on output (<c>{{x}}</c>); text and subject are not.</summary>
public sealed record TemplatePart(string? Text = null, string? Subject = null, string? Html = null);

/// <summary>Validation of <see cref="Template"/>: shape, lengths, locales, and that every part compiles and renders with no data.</summary>
public static class TemplateRules
{
    public const int MaxDescriptionLength = 1000;
    public const int MaxLocales = 50;

    /// <summary>
    /// Validates <paramref name="template"/>; errors are keyed by JSON path ("locales.fr-CA.email.subject"). A source beyond
    /// the static <see cref="TemplateLimits"/> goes to <paramref name="limits"/> when given (the API answers it with 422,
    /// not 400), else to <paramref name="errors"/>; it is never compiled.
    /// </summary>
    public static void Validate(Template template, ValidationErrors errors, TemplateRenderer? renderer = null, ValidationErrors? limits = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(errors);
        renderer ??= TemplateRenderer.Shared;

        if (!MessageRequestValidator.IsValidId(template.Id))
        {
            errors.Add("id", $"1–{MessageRequestValidator.MaxIdLength} characters of A-Z, a-z, 0-9, '_', '.', '-'.");
        }
        if (template.Description is { } description && (description.Length > MaxDescriptionLength || description.Any(c => char.IsControl(c) && c is not '\n')))
        {
            errors.Add("description", $"At most {MaxDescriptionLength} characters, no control characters other than line feeds.");
        }
        if (string.IsNullOrEmpty(template.DefaultLocale))
        {
            errors.Add("defaultLocale", "Required: the BCP 47 locale used when no other locale matches, e.g. \"en\".");
        }
        else if (!ContactRules.IsValidLocale(template.DefaultLocale, out var defaultError))
        {
            errors.Add("defaultLocale", defaultError);
        }
        else if (template.Locales is not null && template.FindLocale(template.DefaultLocale) is null)
        {
            errors.Add("defaultLocale", "Must be one of the locales of the template.");
        }

        if (template.Locales is null || template.Locales.Count == 0)
        {
            errors.Add("locales", "Give at least one locale with its parts.");
            return;
        }
        if (template.Locales.Count > MaxLocales)
        {
            errors.Add("locales", $"At most {MaxLocales} locales.");
        }
        var seenLocales = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (locale, parts) in template.Locales)
        {
            var path = $"locales.{locale}";
            if (!ContactRules.IsValidLocale(locale, out var localeError))
            {
                errors.Add(path, localeError);
                continue;
            }
            if (!seenLocales.Add(locale))
            {
                errors.Add(path, "The same locale is given twice (locales are compared case-insensitively).");
                continue;
            }
            if (parts is null || parts.Count == 0)
            {
                errors.Add(path, "Give at least one part: \"default\" or a channel (sms, email, whatsapp, inapp, webhook, push).");
                continue;
            }
            var seenKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (key, part) in parts)
            {
                var partPath = $"{path}.{key}";
                if (!string.Equals(key, Template.DefaultPartKey, StringComparison.Ordinal) && !(Channels.TryParse(key, out var channel) && channel.Name() == key))
                {
                    errors.Add(partPath, "Unknown part; use \"default\" or a channel in lower case: sms, email, whatsapp, inapp, webhook, push.");
                    continue;
                }
                if (!seenKeys.Add(key))
                {
                    errors.Add(partPath, "Given twice.");
                    continue;
                }
                if (part is null || (part.Text is null && part.Subject is null && part.Html is null))
                {
                    errors.Add(partPath, "Give text, subject or html.");
                    continue;
                }
                ValidateSource($"{partPath}.text", part.Text, MessageRequestValidator.MaxTextLength, html: false, renderer, errors, limits ?? errors);
                ValidateSource($"{partPath}.subject", part.Subject, MessageRequestValidator.MaxSubjectLength, html: false, renderer, errors, limits ?? errors);
                ValidateSource($"{partPath}.html", part.Html, MessageRequestValidator.MaxHtmlLength, html: true, renderer, errors, limits ?? errors);
            }
        }
    }

    private static void ValidateSource(string path, string? source, int maxLength, bool html, TemplateRenderer renderer, ValidationErrors errors, ValidationErrors limits)
    {
        if (source is null)
        {
            return;
        }
        if (source.Length == 0 || source.Length > maxLength)
        {
            errors.Add(path, $"1–{maxLength} characters.");
            return;
        }
        if (path.EndsWith(".subject", StringComparison.Ordinal) && source.Any(c => c is '\r' or '\n'))
        {
            errors.Add(path, "A subject is one line.");
            return;
        }
        if (TemplateLimits.Inspect(source) is { } tooComplex)
        {
            limits.Add(path, tooComplex);
            return;
        }
        if (renderer.Check(source, html) is { } problem)
        {
            errors.Add(path, problem);
        }
    }
}
