using System.Text.Json;
using Omni.Core.Consent;
using Omni.Core.Contacts;
using Omni.Core.Routing;

namespace Omni.Core.Messages;

/// <summary>
/// Checks a <see cref="MessageRequest"/> field by field (errors keyed by JSON path) and maps the valid parts onto the
/// routing model. Addresses in <see cref="MessageRequest.To"/> are normalised with <see cref="AddressNormalizer"/>.
/// </summary>
public static class MessageRequestValidator
{
    public const int MaxIdLength = 100;
    public const int MaxTextLength = 10_000;
    public const int MaxSubjectLength = 500;
    public const int MaxHtmlLength = 100_000;
    public const int MaxCorrelationIdLength = 128;
    public const int MaxTags = 16;
    public const int MaxTagLength = 64;
    public const int MaxTemplateDataBytes = 16 * 1024;

    /// <summary>True for 1–100 of <c>A-Z a-z 0-9 _ . -</c> (safe as a Table key and inside "{id}:{step}").</summary>
    public static bool IsValidId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxIdLength)
        {
            return false;
        }
        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Validates <paramref name="request"/>; on success returns the normalised inline addresses (empty for a contact send).
    /// <paramref name="requireId"/>: the queue path needs an id (from the body or the Service Bus MessageId).
    /// <paramref name="allowReservedCategory"/>: false (the default, used by the API and the outbound queue) refuses the
    /// categories only Omni itself may use (<see cref="ConsentCategories.IsReserved"/>: compliance); Omni's own
    /// keyword answers are recorded directly and never pass through here.
    /// </summary>
    public static IReadOnlyDictionary<Channel, string>? Validate(MessageRequest request, ValidationErrors errors, bool requireId = false, string? defaultRegion = null,
        bool allowReservedCategory = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(errors);

        if (request.Id is not null || requireId)
        {
            if (!IsValidId(request.Id))
            {
                errors.Add("id", $"1–{MaxIdLength} characters of A-Z, a-z, 0-9, '_', '.', '-'.");
            }
        }

        var inline = new Dictionary<Channel, string>();
        var hasContact = request.ContactId is not null;
        var hasTo = request.To is { Count: > 0 };
        if (hasContact == hasTo)
        {
            errors.Add(hasContact ? "to" : "contactId", "Give either contactId or to (inline addresses), not both and not neither.");
        }
        if (hasContact && !ContactRules.IsValidId(request.ContactId!, out var contactIdError))
        {
            errors.Add("contactId", contactIdError);
        }
        if (request.To is not null)
        {
            foreach (var (name, value) in request.To)
            {
                if (!Channels.TryParse(name, out var channel))
                {
                    errors.Add($"to.{name}", "Unknown channel; use sms, email, whatsapp, inapp, webhook or push.");
                    continue;
                }
                if (!AddressNormalizer.TryNormalize(channel, value, defaultRegion, out var normalized, out var addressError))
                {
                    errors.Add($"to.{name}", addressError);
                    continue;
                }
                inline[channel] = normalized;
            }
        }

        if (string.IsNullOrWhiteSpace(request.Category))
        {
            errors.Add("category", "Required: transactional, security, marketing, support or a custom category.");
        }
        else if (!ContactRules.IsValidCategory(request.Category, out var categoryError))
        {
            errors.Add("category", categoryError);
        }
        else if (!allowReservedCategory && ConsentCategories.IsReserved(request.Category))
        {
            errors.Add("category", $"'{request.Category}' is reserved for Omni's own keyword answers (STOP/START/HELP); use another category.");
        }

        if (request.Urgency is not null && !TryParseUrgency(request.Urgency, out _))
        {
            errors.Add("urgency", "One of critical, high, normal, low.");
        }
        if (request.Strategy is not null && !TryParseStrategy(request.Strategy, out _))
        {
            errors.Add("strategy", "One of first, all, escalate.");
        }

        var allowed = new List<Channel>();
        if (request.Channels is not null)
        {
            if (request.Channels.Count == 0)
            {
                errors.Add("channels", "Give at least one channel, or leave channels out.");
            }
            for (var i = 0; i < request.Channels.Count; i++)
            {
                if (!Channels.TryParse(request.Channels[i], out var channel))
                {
                    errors.Add($"channels[{i}]", "Unknown channel; use sms, email, whatsapp, inapp, webhook or push.");
                }
                else if (allowed.Contains(channel))
                {
                    errors.Add($"channels[{i}]", "Listed twice.");
                }
                else
                {
                    allowed.Add(channel);
                }
            }
        }
        if (request.Channel is not null)
        {
            if (!Channels.TryParse(request.Channel, out var forced))
            {
                errors.Add("channel", "Unknown channel; use sms, email, whatsapp, inapp, webhook or push.");
            }
            else if (request.Channels is not null && !allowed.Contains(forced))
            {
                errors.Add("channel", "The forced channel must be one of channels.");
            }
        }

        if (request.SendAt is { } sendAt && request.ExpiresAt is { } expiresAt && expiresAt <= sendAt)
        {
            errors.Add("expiresAt", "Must be after sendAt.");
        }
        if (request.CorrelationId is { } correlation && (correlation.Length is 0 or > MaxCorrelationIdLength || correlation.Any(char.IsControl)))
        {
            errors.Add("correlationId", $"1–{MaxCorrelationIdLength} characters, no control characters.");
        }
        if (request.Tags is not null)
        {
            if (request.Tags.Count > MaxTags)
            {
                errors.Add("tags", $"At most {MaxTags} tags.");
            }
            for (var i = 0; i < request.Tags.Count; i++)
            {
                var tag = request.Tags[i];
                if (string.IsNullOrWhiteSpace(tag) || tag.Length > MaxTagLength || tag.Any(char.IsControl))
                {
                    errors.Add($"tags[{i}]", $"1–{MaxTagLength} characters, no control characters.");
                }
            }
        }

        ValidateContent(request.Content, errors);
        return errors.IsValid ? inline : null;
    }

    private static void ValidateContent(MessageContentRequest? content, ValidationErrors errors)
    {
        if (content is null)
        {
            errors.Add("content", "Required: text/subject/html, per-channel overrides, or a template.");
            return;
        }
        var hasInline = content.Text is not null || content.Subject is not null || content.Html is not null || content.Channels is { Count: > 0 };
        if (content.Template is { } template)
        {
            if (hasInline)
            {
                errors.Add("content.template", "A template cannot be combined with inline text, subject, html or channels.");
            }
            if (string.IsNullOrWhiteSpace(template.Id) || !IsValidId(template.Id))
            {
                errors.Add("content.template.id", $"Required: 1–{MaxIdLength} characters of A-Z, a-z, 0-9, '_', '.', '-'.");
            }
            if (template.Locale is not null && !ContactRules.IsValidLocale(template.Locale, out var localeError))
            {
                errors.Add("content.template.locale", localeError);
            }
            if (template.Data is { } data)
            {
                if (data.ValueKind != JsonValueKind.Object)
                {
                    errors.Add("content.template.data", "Must be a JSON object.");
                }
                else if (data.GetRawText().Length > MaxTemplateDataBytes)
                {
                    errors.Add("content.template.data", $"At most {MaxTemplateDataBytes} bytes of JSON.");
                }
            }
            return;
        }
        if (!hasInline || (content.Text is null && content.Html is null && (content.Channels is null || content.Channels.Values.All(c => c is null || (c.Text is null && c.Html is null)))))
        {
            errors.Add("content", "Give text or html (or per-channel text), or a template.");
        }
        ValidateParts("content", content.Text, content.Subject, content.Html, errors);
        if (content.Channels is not null)
        {
            foreach (var (name, part) in content.Channels)
            {
                if (!Channels.TryParse(name, out _))
                {
                    errors.Add($"content.channels.{name}", "Unknown channel; use sms, email, whatsapp, inapp, webhook or push.");
                }
                else if (part is null)
                {
                    errors.Add($"content.channels.{name}", "Must be an object with text, subject or html.");
                }
                else
                {
                    ValidateParts($"content.channels.{name}", part.Text, part.Subject, part.Html, errors);
                }
            }
        }
    }

    private static void ValidateParts(string path, string? text, string? subject, string? html, ValidationErrors errors)
    {
        if (text is not null && (text.Length == 0 || text.Length > MaxTextLength))
        {
            errors.Add($"{path}.text", $"1–{MaxTextLength} characters.");
        }
        if (subject is not null && (subject.Length == 0 || subject.Length > MaxSubjectLength || subject.Any(c => c is '\r' or '\n')))
        {
            errors.Add($"{path}.subject", $"1–{MaxSubjectLength} characters on one line.");
        }
        if (html is not null && (html.Length == 0 || html.Length > MaxHtmlLength))
        {
            errors.Add($"{path}.html", $"1–{MaxHtmlLength} characters.");
        }
    }

    public static bool TryParseUrgency(string? value, out Urgency urgency)
    {
        switch (value?.ToLowerInvariant())
        {
            case "critical": urgency = Urgency.Critical; return true;
            case "high": urgency = Urgency.High; return true;
            case "normal": urgency = Urgency.Normal; return true;
            case "low": urgency = Urgency.Low; return true;
            default: urgency = Urgency.Normal; return false;
        }
    }

    public static bool TryParseStrategy(string? value, out RoutingStrategy strategy)
    {
        switch (value?.ToLowerInvariant())
        {
            case "first": strategy = RoutingStrategy.First; return true;
            case "all": strategy = RoutingStrategy.All; return true;
            case "escalate": strategy = RoutingStrategy.Escalate; return true;
            default: strategy = RoutingStrategy.First; return false;
        }
    }

    /// <summary>The urgency of a valid request (normal when absent).</summary>
    public static Urgency UrgencyOf(MessageRequest request) => TryParseUrgency(request.Urgency, out var urgency) ? urgency : Urgency.Normal;

    /// <summary>The strategy of a valid request: as given, else escalate for critical/high urgency, else first.</summary>
    public static RoutingStrategy StrategyOf(MessageRequest request) =>
        request.Strategy is not null && TryParseStrategy(request.Strategy, out var strategy)
            ? strategy
            : UrgencyOf(request) is Urgency.Critical or Urgency.High ? RoutingStrategy.Escalate : RoutingStrategy.First;
}
