using Omni.Core.Contacts;
using Omni.Core.Content;
using Omni.Core.Messages;

namespace Omni.Functions.Messages;

/// <summary>Renders a request's content for each channel the contact can be reached on.</summary>
public interface IMessageContentComposer
{
    Task<PipelineContent> ComposeAsync(MessageRequest request, Contact contact, IReadOnlyList<Channel> channels, CancellationToken cancellationToken);
}

/// <param name="Content">Per channel; a channel without usable content is absent.</param>
/// <param name="Notes">Trace lines (a shortened SMS, the locale used, a derived subject); never addresses, and text only masked.</param>
/// <param name="Failure">Why nothing can be rendered (template missing, render error): the message is undeliverable.</param>
public sealed record PipelineContent(IReadOnlyDictionary<Channel, RenderedContent> Content, IReadOnlyList<string> Notes, string? Failure = null)
{
    /// <summary>Why each channel absent from <see cref="Content"/> cannot carry it (one sentence; the pipeline traces it once).</summary>
    public IReadOnlyDictionary<Channel, string> Unusable { get; init; } = new Dictionary<Channel, string>();

    /// <summary>The template rendered (id, version, locale); null for inline content.</summary>
    public TemplateUse? Template { get; init; }
}
