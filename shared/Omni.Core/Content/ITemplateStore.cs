using Omni.Core.Contacts;

namespace Omni.Core.Content;

/// <summary>Where templates are kept (Table Storage in production: table <c>templates</c>, see docs/templates.md).</summary>
public interface ITemplateStore
{
    Task<StoredTemplate?> GetAsync(string templateId, CancellationToken cancellationToken);

    /// <summary>
    /// Creates or replaces the template (its <see cref="Template.CreatedAt"/> is kept on replace, <see cref="Template.UpdatedAt"/>
    /// is now). <paramref name="ifMatch"/>: null = unconditional, "*" = must exist, an ETag = must be that version;
    /// <paramref name="ifNoneMatch"/> "*" = must not exist (an ETag: must not be that version).
    /// Outcome Created, Replaced or PreconditionFailed.
    /// </summary>
    Task<TemplateWriteResult> PutAsync(Template template, string? ifMatch, string? ifNoneMatch, CancellationToken cancellationToken);

    /// <summary>Outcome Deleted, NotFound or PreconditionFailed.</summary>
    Task<TemplateWriteResult> DeleteAsync(string templateId, string? ifMatch, CancellationToken cancellationToken);

    /// <summary>One page of templates in id order; pass the returned token back for the next page (null at the end).</summary>
    Task<TemplatePage> ListAsync(int pageSize, string? continuationToken, CancellationToken cancellationToken);
}

public sealed record StoredTemplate(Template Template, string ETag);

public sealed record TemplateWriteResult(StoreOutcome Outcome, StoredTemplate? Stored = null);

public sealed record TemplatePage(IReadOnlyList<StoredTemplate> Items, string? ContinuationToken);
