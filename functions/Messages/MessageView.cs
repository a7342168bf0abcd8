using Omni.Core.Contacts;
using Omni.Core.Content;
using Omni.Core.Messages;

namespace Omni.Functions.Messages;

/// <summary>
/// The body of <c>GET /api/messages/{id}</c>. Addresses are masked; what was sent is shown per attempt as kind, hash and a
/// masked preview (<see cref="ContentPreview"/>: none for <c>security</c> messages), and the template by id, version,
/// locale and data keys — never the data values (docs/messages.md, "What was sent").
/// </summary>
public sealed record MessageView
{
    public required string Id { get; init; }
    public required string Status { get; init; }
    public string? Reason { get; init; }
    public string? ContactId { get; init; }
    public string? Category { get; init; }
    public string? Urgency { get; init; }
    public string? Strategy { get; init; }
    public string? CorrelationId { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public DateTimeOffset AcceptedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? DeferUntil { get; init; }
    public DateTimeOffset? SendAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public required IReadOnlyList<PlanStepView> Plan { get; init; }
    public required IReadOnlyList<string> Trace { get; init; }
    public required IReadOnlyList<AttemptView> Attempts { get; init; }
    /// <summary>The template the content was rendered from; null for inline content.</summary>
    public TemplateView? Template { get; init; }
    /// <summary>Sum of the attempts' costs (in <see cref="Currency"/>), null when nothing was sent.</summary>
    public decimal? TotalCost { get; init; }
    public string? Currency { get; init; }

    public sealed record PlanStepView(int Step, string Channel, string To, string? EscalateAfter);

    public sealed record AttemptView(
        int Step, string Channel, string Status, string? Provider, string? ProviderMessageId, int? Segments, decimal? Cost,
        string? Currency, string? Error, DateTimeOffset StartedAt, DateTimeOffset? EscalateAt, bool Escalated,
        IReadOnlyList<ProviderTry> Tries, IReadOnlyList<HistoryView> History, SentContent? Content);

    public sealed record HistoryView(string Status, DateTimeOffset At, string Source, string? Detail);

    /// <param name="Version">The template's version (ETag) when it was rendered; null until the message is routed.</param>
    /// <param name="Locale">The template locale used; null until the message is routed.</param>
    /// <param name="DataKeys">The names of the top-level <c>template.data</c> fields; never their values.</param>
    public sealed record TemplateView(string Id, string? Version, string? Locale, IReadOnlyList<string> DataKeys)
    {
        /// <summary>The template of <paramref name="record"/>'s request, or null for inline content.</summary>
        public static TemplateView? From(MessageRecord record)
        {
            if (record.Request.Content?.Template is not { Id: { } id } reference)
            {
                return null;
            }
            var used = record.Template?.Id == id ? record.Template : null;
            IReadOnlyList<string> keys = reference.Data is { ValueKind: System.Text.Json.JsonValueKind.Object } data
                ? [.. data.EnumerateObject().Select(p => p.Name)]
                : [];
            return new TemplateView(id, used?.Version, used?.Locale, keys);
        }
    }

    /// <summary>What was sent on <paramref name="channel"/> (kind, hash, masked preview), or null when nothing was rendered for it.</summary>
    public static SentContent? ContentOf(MessageRecord record, Channel? channel) =>
        channel is { } c && record.Content.TryGetValue(c, out var content) ? ContentPreview.Describe(content, record.Request.Category) : null;

    public static MessageView From(MessageRecord record)
    {
        var request = record.Request;
        var costs = record.Attempts.Where(a => a.Cost is not null).ToList();
        return new MessageView
        {
            Id = record.Id,
            Status = record.Status.Name(),
            Reason = record.Reason,
            ContactId = record.ContactId,
            Category = request.Category,
            Urgency = request.Urgency is null && request.Category is null ? null : MessageRequestValidator.UrgencyOf(request).ToString().ToLowerInvariant(),
            Strategy = request.Category is null ? null : MessageRequestValidator.StrategyOf(request).ToString().ToLowerInvariant(),
            CorrelationId = request.CorrelationId,
            Tags = request.Tags ?? [],
            AcceptedAt = record.AcceptedAt,
            UpdatedAt = record.UpdatedAt,
            DeferUntil = record.DeferUntil,
            SendAt = request.SendAt,
            ExpiresAt = request.ExpiresAt,
            Plan = [.. record.Plan.Select((s, i) => new PlanStepView(i, s.Channel.Name(), Mask(s.Channel, s.Address), s.EscalateAfter?.ToString("c")))],
            Trace = record.Trace,
            Attempts = [.. record.Attempts.Select(a => new AttemptView(a.Step, a.Channel.Name(), a.Status.Name(), a.Provider, a.ProviderMessageId,
                a.Segments, a.Cost, a.Currency, a.Error, a.StartedAt, a.EscalateAt, a.Escalated, a.Tries,
                [.. a.History.Select(h => new HistoryView(h.Status.Name(), h.At, h.Source, h.Detail))], ContentOf(record, a.Channel)))],
            Template = TemplateView.From(record),
            TotalCost = costs.Count == 0 ? null : costs.Sum(a => a.Cost!.Value),
            Currency = costs.Select(a => a.Currency).FirstOrDefault(c => c is not null),
        };
    }

    /// <summary>"+447400123456" → "+44*******456"; "jane@example.com" → "j***@example.com"; URLs keep scheme and host.</summary>
    public static string Mask(Channel channel, string address)
    {
        switch (channel)
        {
            case Channel.Email:
                var at = address.IndexOf('@');
                return at <= 0 ? "***" : address[0] + "***" + address[at..];
            case Channel.Webhook when Uri.TryCreate(address, UriKind.Absolute, out var uri):
                return $"{uri.Scheme}://{uri.Authority}/***";
            default:
                if (address.Length <= 6)
                {
                    return new string('*', address.Length);
                }
                var keep = address.StartsWith('+') ? 3 : 2;
                return address[..keep] + new string('*', address.Length - keep - 3) + address[^3..];
        }
    }
}
