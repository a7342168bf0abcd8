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
        Template? template = null;
        if (content.Template?.Id is { } templateId)
        {
            template = (await templates.GetAsync(templateId, cancellationToken))?.Template;
        }
        var budget = template is null ? 0 : settings.For(Channel.Sms)?.MaxSmsSegments ?? 0;
        var composed = composer.Compose(content, template, contact.Locale, channels, new ComposeOptions { SmsSegmentBudget = budget });

        var notes = new List<string>();
        if (composed.Locale is { } locale)
        {
            notes.Add($"Template {template!.Id} rendered in locale {locale}.");
        }
        if (composed.Sms is { Shortened: true } sms)
        {
            notes.Add($"sms: the rendered text needed {sms.OriginalSegments} segments; shortened to {sms.Measured.Segments} (budget {budget}).");
        }
        foreach (var (channel, failure) in composed.Unusable)
        {
            notes.Add($"{channel.Name()}: no usable content ({failure.Detail})");
        }
        return composed.Failure is { } whole
            ? new PipelineContent(new Dictionary<Channel, RenderedContent>(), notes, $"Content: {whole.Detail}")
            : new PipelineContent(composed.Channels, notes);
    }
}
