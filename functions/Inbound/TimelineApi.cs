using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Omni.Core.Contacts;
using Omni.Core.Inbound;
using Omni.Functions.Http;

namespace Omni.Functions.Inbound;

/// <summary>
/// <c>GET /api/contacts/{id}/timeline</c> (function ContactTimeline): the contact's messages in both directions, newest
/// first, paged with an opaque continuation token. Contact ids and texts are personal data: none is logged.
/// </summary>
public static class TimelineApi
{
    public static void MapTimelineApi(this WebApplication app)
    {
        app.MapGet("/api/contacts/{id}/timeline", GetTimelineAsync).WithTags("Contacts").WithName("GetContactTimeline").RequireAuthorization(CallerRoles.ContactsRead)
            .WithSummary("The contact's timeline, newest first: outbound messages and inbound messages (replies, keywords) on every channel.")
            .WithDescription("Filters: channel (sms, email, whatsapp, inapp, webhook, push), from/to (ISO 8601, inclusive), limit (1-200, default 50). " +
                "Pass the continuation of a page to get the next one; it is absent on the last page.")
            .Produces<TimelineResource>().ProducesValidationProblem().ProducesProblem(404);
    }

    /// <summary>A page of the timeline.</summary>
    /// <param name="Items">Newest first.</param>
    /// <param name="Continuation">Pass as <c>continuation</c> for the next page; null on the last page.</param>
    public sealed record TimelineResource(IReadOnlyList<TimelineEntryResource> Items, string? Continuation);

    /// <summary>One timeline row. Outbound rows carry the message fields, inbound rows the text and the threading.</summary>
    public sealed record TimelineEntryResource
    {
        /// <summary>"outbound" or "inbound".</summary>
        public required string Kind { get; init; }

        /// <summary>Outbound: when the message was accepted. Inbound: when it was received.</summary>
        public required DateTimeOffset At { get; init; }

        /// <summary>Outbound: the message id (GET /api/messages/{id}). Inbound: the row id ("in_…").</summary>
        public required string Id { get; init; }

        /// <summary>Outbound: the message id.</summary>
        public string? MessageId { get; init; }

        /// <summary>Outbound: channel of the newest attempt. Inbound: the channel it arrived on.</summary>
        public string? Channel { get; init; }

        /// <summary>Outbound: the message status (accepted, routed, sent, delivered, read, undeliverable, …). Inbound: received.</summary>
        public string? Status { get; init; }

        /// <summary>Outbound: the message category.</summary>
        public string? Category { get; init; }

        /// <summary>Outbound: the planned channels, in plan order.</summary>
        public IReadOnlyList<string>? Channels { get; init; }

        /// <summary>Outbound: channel of the newest attempt that reached a provider.</summary>
        public string? LastChannel { get; init; }

        /// <summary>The provider ("acs", "twilio", "meta", "chat", …).</summary>
        public string? Provider { get; init; }

        /// <summary>Inbound: what the contact wrote.</summary>
        public string? Text { get; init; }

        /// <summary>Inbound: the normalised provider event id.</summary>
        public string? EventId { get; init; }

        /// <summary>Inbound: the keyword it was (STOP, START, HELP, …), normalised.</summary>
        public string? Keyword { get; init; }

        /// <summary>Inbound: our message it answers (the last one on that channel).</summary>
        public string? ResponseToMessageId { get; init; }

        /// <summary>Inbound: seconds from that message's first send to this reply.</summary>
        public double? ResponseTimeSeconds { get; init; }

        /// <summary>
        /// Outbound: what was sent on the channel of the newest attempt that reached a provider (else of the newest
        /// attempt): kind, hash and a masked preview, none for <c>security</c> messages (docs/messages.md, "What was sent").
        /// </summary>
        public Omni.Core.Content.SentContent? Content { get; init; }

        /// <summary>Outbound: the template used (id, version, locale, data keys — never values); null for inline content.</summary>
        public Messages.MessageView.TemplateView? Template { get; init; }

        /// <param name="record">Outbound: the row's message record, when it could be read.</param>
        internal static TimelineEntryResource From(TimelineItem item, Omni.Core.Messages.MessageRecord? record)
        {
            var outbound = item.Kind == "outbound";
            return new TimelineEntryResource
            {
                Kind = item.Kind,
                At = item.At,
                Id = item.Id,
                MessageId = outbound ? item.Id : null,
                Channel = item.Channel?.Name(),
                Status = item.Status,
                Category = item.Category,
                Channels = outbound ? [.. item.Channels.Select(c => c.Name())] : null,
                LastChannel = item.LastChannel?.Name(),
                Provider = item.Provider,
                Text = item.Text,
                EventId = item.EventId,
                Keyword = item.Keyword,
                ResponseToMessageId = item.ResponseToMessageId,
                ResponseTimeSeconds = item.ResponseTime?.TotalSeconds,
                Content = record is null ? null : Messages.MessageView.ContentOf(record, item.LastChannel ?? item.Channel),
                Template = record is null ? null : Messages.MessageView.TemplateView.From(record),
            };
        }
    }

    internal static async Task<IResult> GetTimelineAsync(
        string id,
        [FromQuery] string? channel,
        [FromQuery(Name = "from")] string? fromText,
        [FromQuery(Name = "to")] string? toText,
        [FromQuery] string? limit,
        [FromQuery] string? continuation,
        IContactStore contacts,
        ITimelineStore timeline,
        Omni.Core.Messages.IMessageStore messages,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!ContactRules.IsValidId(id, out var idError))
        {
            errors.Add("id", idError);
        }
        Channel? channelFilter = null;
        if (channel is not null)
        {
            if (Omni.Core.Contacts.Channels.TryParse(channel, out var parsed))
            {
                channelFilter = parsed;
            }
            else
            {
                errors.Add("channel", $"Unknown channel; use one of {string.Join(", ", Omni.Core.Contacts.Channels.All.Select(c => c.Name()))}.");
            }
        }
        var from = Time(fromText, "from", errors);
        var to = Time(toText, "to", errors);
        if (from is { } f && to is { } t && f > t)
        {
            errors.Add("to", "Must not be before from.");
        }
        var pageSize = TimelineQuery.DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > TimelineQuery.MaxLimit))
        {
            errors.Add("limit", $"A whole number from 1 to {TimelineQuery.MaxLimit}.");
        }
        if (continuation is not null && !Omni.Storage.Timeline.TableTimelineStore.IsValidContinuation(continuation))
        {
            errors.Add("continuation", "Not a continuation token this API issued; pass the one from the previous page unchanged.");
        }
        if (!errors.IsValid)
        {
            return Problems.Validation(errors.ToDictionary());
        }

        if (await contacts.GetAsync(id, cancellationToken) is null)
        {
            return Problems.NotFound("No contact has this id.");
        }
        TimelinePage page;
        try
        {
            page = await timeline.QueryAsync(id, new TimelineQuery(channelFilter, from, to, pageSize, continuation), cancellationToken);
        }
        catch (ArgumentException e) when (e.ParamName == "continuation")
        {
            errors.Add("continuation", "Not a continuation token this API issued; pass the one from the previous page unchanged.");
            return Problems.Validation(errors.ToDictionary());
        }
        var items = await WithCurrentStateAsync(id, page.Items, messages, cancellationToken);
        return TypedResults.Ok(new TimelineResource([.. items.Select(i => TimelineEntryResource.From(i.Item, i.Record))], page.Continuation));
    }

    /// <summary>Concurrent record reads per page (a page holds at most <see cref="TimelineQuery.MaxLimit"/> rows).</summary>
    private const int RecordReadParallelism = 16;

    /// <summary>
    /// Outbound rows take status and channels from their message record: the timeline row is written only when a field
    /// its other readers depend on changes (docs/storage.md, "Timeline rows"), so its status may lag (e.g. "routed"
    /// for a delivered message). The record also says what was sent, so the row stores no content of its own (nothing
    /// more to write per message, nothing more to erase). One point read per outbound row on the page; a row whose
    /// record is gone (erased) or belongs to another contact keeps the row's values and shows no content.
    /// </summary>
    private static async Task<IReadOnlyList<(TimelineItem Item, Omni.Core.Messages.MessageRecord? Record)>> WithCurrentStateAsync(string contactId,
        IReadOnlyList<TimelineItem> items, Omni.Core.Messages.IMessageStore messages, CancellationToken cancellationToken)
    {
        var result = items.Select(i => (Item: i, Record: (Omni.Core.Messages.MessageRecord?)null)).ToArray();
        using var gate = new SemaphoreSlim(RecordReadParallelism);
        await Task.WhenAll(Enumerable.Range(0, result.Length).Where(i => result[i].Item.Kind == "outbound").Select(async i =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                Omni.Core.Messages.StoredMessage? stored;
                try
                {
                    stored = await messages.GetAsync(result[i].Item.Id, cancellationToken);
                }
                catch (ArgumentException)
                {
                    stored = null; // not a message id (a foreign row): keep what the row says
                }
                if (stored is not null && stored.Record.ContactId == contactId)
                {
                    var summary = Omni.Storage.Messages.TableMessageStore.Summarize(stored.Record);
                    result[i] = (result[i].Item with
                    {
                        Status = summary.Status,
                        Channel = summary.Channel,
                        LastChannel = summary.LastChannel,
                        Provider = summary.Provider,
                        Channels = summary.Channels,
                    }, stored.Record);
                }
            }
            finally
            {
                gate.Release();
            }
        }));
        return result;
    }

    private static DateTimeOffset? Time(string? text, string field, ValidationErrors errors)
    {
        if (text is null)
        {
            return null;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            && text.Length >= 10)
        {
            return value;
        }
        errors.Add(field, "An ISO 8601 date or date-time, e.g. 2026-11-23T12:00:00Z.");
        return null;
    }
}
