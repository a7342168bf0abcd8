using Omni.Core.Contacts;
using Omni.Core.Content;
using Omni.Core.Messages;

namespace Omni.Functions.Messages;

/// <summary>Inline content only: per-channel override fields win over the top-level ones, field by field.</summary>
public sealed class InlineContentComposer : IMessageContentComposer
{
    public Task<ComposedContent> ComposeAsync(MessageRequest request, Contact contact, IReadOnlyList<Channel> channels, CancellationToken cancellationToken)
    {
        var content = request.Content!;
        if (content.Template is not null)
        {
            return Task.FromResult(new ComposedContent(new Dictionary<Channel, RenderedContent>(), [], "Templates are not available."));
        }
        var result = new Dictionary<Channel, RenderedContent>();
        foreach (var channel in channels)
        {
            ChannelContentRequest? part = null;
            content.Channels?.TryGetValue(channel.Name(), out part);
            var rendered = new RenderedContent(part?.Text ?? content.Text, part?.Subject ?? content.Subject, part?.Html ?? content.Html);
            var usable = channel == Channel.Email
                ? rendered.Subject is not null && (rendered.Text is not null || rendered.Html is not null)
                : rendered.Text is not null;
            if (usable)
            {
                result[channel] = channel == Channel.Email ? rendered : new RenderedContent(rendered.Text);
            }
        }
        return Task.FromResult(new ComposedContent(result, []));
    }
}
