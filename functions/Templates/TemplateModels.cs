using System.Text.Json;
using Omni.Core.Contacts;
using Omni.Core.Content;
using Omni.Core.Messages;

namespace Omni.Functions.Templates;

/// <summary>The body of <c>PUT /api/templates/{id}</c>.</summary>
public sealed record TemplateInput
{
    public string? Description { get; init; }

    /// <summary>BCP 47; must be one of <see cref="Locales"/>.</summary>
    public string? DefaultLocale { get; init; }

    /// <summary>Locale → part ("default", "sms", "email", "whatsapp", "inapp", "webhook", "push") → Handlebars sources.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, TemplatePartBody?>?>? Locales { get; init; }

    /// <summary>
    /// Validates into a <see cref="Template"/> (every part compiled); null with <paramref name="errors"/> filled when invalid,
    /// or with <paramref name="limits"/> filled when a part is beyond <see cref="TemplateLimits"/> (then it is not compiled).
    /// </summary>
    public Template? ToTemplate(string id, ValidationErrors errors, ValidationErrors? limits = null)
    {
        var locales = new Dictionary<string, IReadOnlyDictionary<string, TemplatePart>>(StringComparer.Ordinal);
        foreach (var (locale, parts) in Locales ?? new Dictionary<string, IReadOnlyDictionary<string, TemplatePartBody?>?>())
        {
            var converted = new Dictionary<string, TemplatePart>(StringComparer.Ordinal);
            foreach (var (key, part) in parts ?? new Dictionary<string, TemplatePartBody?>())
            {
                // null: "give text, subject or html" from the rules below
                converted[key] = part is null ? new TemplatePart() : new TemplatePart(part.Text, part.Subject, part.Html);
            }
            locales[locale] = converted;
        }
        var template = new Template
        {
            Id = id,
            DefaultLocale = DefaultLocale ?? "",
            Description = Description,
            Locales = locales,
        };
        TemplateRules.Validate(template, errors, limits: limits);
        return errors.IsValid && limits?.IsValid != false ? template : null;
    }
}

public sealed record TemplatePartBody
{
    public string? Text { get; init; }

    public string? Subject { get; init; }

    public string? Html { get; init; }
}

/// <summary>A template as the API returns it.</summary>
public sealed record TemplateResource(
    string Id,
    string? Description,
    string DefaultLocale,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, TemplatePartBody>> Locales,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static TemplateResource From(Template t) => new(
        t.Id,
        t.Description,
        t.DefaultLocale,
        t.Locales.ToDictionary(
            l => l.Key,
            l => (IReadOnlyDictionary<string, TemplatePartBody>)l.Value.ToDictionary(
                p => p.Key,
                p => new TemplatePartBody { Text = p.Value.Text, Subject = p.Value.Subject, Html = p.Value.Html })),
        t.CreatedAt,
        t.UpdatedAt);
}

/// <summary>One page of <c>GET /api/templates</c>; pass <see cref="Continuation"/> back as <c>?continuation=</c> for the next.</summary>
public sealed record TemplateList(IReadOnlyList<TemplateResource> Items, string? Continuation);

/// <summary>The body of <c>POST /api/templates/{id}/preview</c>.</summary>
public sealed record PreviewInput
{
    /// <summary>Template variables, as <c>content.template.data</c> of a message.</summary>
    public JsonElement? Data { get; init; }

    /// <summary>The request's locale (BCP 47).</summary>
    public string? Locale { get; init; }

    /// <summary>A contact's locale, to try the fallback chain as a send would.</summary>
    public string? ContactLocale { get; init; }

    /// <summary>Channels to render; every channel when absent.</summary>
    public IReadOnlyList<string>? Channels { get; init; }

    /// <summary>SMS segment budget (0 = no limit, the default).</summary>
    public int? SmsSegmentBudget { get; init; }

    public const int MaxSmsSegmentBudget = 100;

    public IReadOnlyList<Channel>? Validate(ValidationErrors errors)
    {
        if (Data is { } data)
        {
            if (data.ValueKind != JsonValueKind.Object)
            {
                errors.Add("data", "Must be a JSON object.");
            }
            else if (data.GetRawText().Length > MessageRequestValidator.MaxTemplateDataBytes)
            {
                errors.Add("data", $"At most {MessageRequestValidator.MaxTemplateDataBytes} bytes of JSON.");
            }
        }
        if (Locale is not null && !ContactRules.IsValidLocale(Locale, out var localeError))
        {
            errors.Add("locale", localeError);
        }
        if (ContactLocale is not null && !ContactRules.IsValidLocale(ContactLocale, out var contactLocaleError))
        {
            errors.Add("contactLocale", contactLocaleError);
        }
        if (SmsSegmentBudget is < 0 or > MaxSmsSegmentBudget)
        {
            errors.Add("smsSegmentBudget", $"0 (no limit) to {MaxSmsSegmentBudget}.");
        }
        var channels = new List<Channel>();
        if (Channels is null)
        {
            channels.AddRange(Omni.Core.Contacts.Channels.All);
        }
        else
        {
            if (Channels.Count == 0)
            {
                errors.Add("channels", "Give at least one channel, or leave channels out for all.");
            }
            for (var i = 0; i < Channels.Count; i++)
            {
                if (!Omni.Core.Contacts.Channels.TryParse(Channels[i], out var channel))
                {
                    errors.Add($"channels[{i}]", "Unknown channel; use sms, email, whatsapp, inapp, webhook or push.");
                }
                else if (channels.Contains(channel))
                {
                    errors.Add($"channels[{i}]", "Listed twice.");
                }
                else
                {
                    channels.Add(channel);
                }
            }
        }
        return errors.IsValid ? channels : null;
    }
}

/// <summary>What a channel would send: the rendered parts, and for SMS its size.</summary>
public sealed record PreviewChannel(string? Text, string? Subject, string? Html, PreviewSms? Sms);

/// <param name="Encoding">"gsm7" or "ucs2".</param>
/// <param name="Segments">Billed segments of the text as sent.</param>
/// <param name="OriginalSegments">Segments before the budget cut.</param>
/// <param name="Shortened">Cut to fit the budget (ends with "...").</param>
public sealed record PreviewSms(string Encoding, int Segments, int Units, int OriginalSegments, bool Shortened);

/// <param name="Reason">camelCase <see cref="ContentFailureReason"/>, e.g. "missingSubject", "renderError".</param>
public sealed record PreviewProblem(string Reason, string Detail);

/// <summary>The answer of the preview: the locale used, the content per channel, and the channels that could not be rendered.</summary>
public sealed record PreviewResult(
    string TemplateId,
    string? Locale,
    IReadOnlyDictionary<string, PreviewChannel> Channels,
    IReadOnlyDictionary<string, PreviewProblem> Unusable);
