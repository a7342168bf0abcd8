using Omni.Core.Contacts;
using Omni.Core.Content;
using Omni.Core.Messages;

namespace Omni.Functions.Messages;

/// <summary>
/// The pipeline's content step over <see cref="ContentComposer"/>: loads the named template, renders every channel the
/// contact has an address on, and keeps a templated SMS within <c>Channels__sms__MaxSegments</c>. Inline SMS text is never
/// cut (the app wrote it); when it is too long the routing policy leaves SMS out instead.
/// </summary>
public sealed class TemplateContentComposer(ContentComposer composer, ITemplateStore templates, MessagingSettings settings) : IMessageContentComposer
{
    public async Task<PipelineContent> ComposeAsync(MessageRequest request, Contact contact, IReadOnlyList<Channel> channels, CancellationToken cancellationToken)
    {
        var content = request.Content!;
        StoredTemplate? stored = null;
        if (content.Template?.Id is { } templateId)
        {
            stored = await templates.GetAsync(templateId, cancellationToken);
        }
        var template = stored?.Template;
        var budget = template is null ? 0 : settings.For(Channel.Sms)?.MaxSmsSegments ?? 0;
        var composed = composer.Compose(content, template, contact.Locale, channels, new ComposeOptions
        {
            SmsSegmentBudget = budget,
            WithholdBodyFromSubject = ContentPreview.IsWithheld(request.Category),
        });

        var notes = new List<string>();
        if (composed.Locale is { } locale)
        {
            notes.Add($"Template {template!.Id} rendered in locale {locale}.");
        }
        if (composed.Sms is { Shortened: true } sms)
        {
            notes.Add($"sms: the rendered text needed {sms.OriginalSegments} segments; shortened to {sms.Measured.Segments} (budget {budget}).");
        }
        foreach (var (channel, origin) in composed.DerivedSubjects)
        {
            notes.Add(DerivedSubjectNote(channel, origin, composed.Channels[channel].Subject!, request.Category));
        }
        if (composed.Failure is { } whole)
        {
            return new PipelineContent(new Dictionary<Channel, RenderedContent>(), notes, $"Content: {whole.Detail}");
        }
        return new PipelineContent(composed.Channels, notes)
        {
            Unusable = composed.Unusable.ToDictionary(e => e.Key, e => e.Value.Detail),
            Template = template is null ? null : new TemplateUse(template.Id, stored!.ETag, composed.Locale),
        };
    }

    /// <summary>
    /// The trace line of a derived subject. The trace is shown to API callers, so the subject is quoted masked like a
    /// preview (digits as '#', <see cref="ContentPreview"/>); a <c>security</c> message's subject is a fixed text.
    /// </summary>
    private static string DerivedSubjectNote(Channel channel, SubjectOrigin origin, string subject, string? category)
    {
        if (origin.TemplatePart is { } part)
        {
            return $"{channel.Name()}: no subject in the template's {channel.Name()} or default part; used its {part} part's subject.";
        }
        if (ContentPreview.IsWithheld(category))
        {
            return $"{channel.Name()}: no subject given; a security message gets a fixed subject (\"{subject}\"), never one from its text.";
        }
        return $"{channel.Name()}: no subject given; derived one from the text (\"{ContentPreview.Mask(subject, DerivedSubject.MaxLength)}\").";
    }
}
