using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using NodaTime;
using NodaTime.TimeZones;
using Omni.Core.Consent;
using Omni.Core.Contacts;

namespace Omni.Core.Routing;

/// <summary>
/// Turns (message, contact, consent, channel settings, channel health, frequency caps, clock) into an ordered plan and a
/// readable trace. Pure: same request, same decision; never throws for a routing reason (decisions are values).
/// </summary>
/// <remarks>
/// Order of evaluation; the first rule that ends the decision wins:
/// <list type="number">
/// <item>Expiry: <see cref="OutboundMessage.ExpiresAt"/> at or before now → <see cref="RoutingOutcome.Expired"/>.</item>
/// <item>Send-at: <see cref="OutboundMessage.SendAt"/> after now → <see cref="RoutingOutcome.Deferred"/> until send-at
/// (<see cref="RoutingOutcome.Expired"/> when the message expires at or before send-at).</item>
/// <item>Candidates: the forced channel, else the allowed channels, else every channel; each must be configured and
/// enabled, and the contact must have an unsuppressed address on it.</item>
/// <item>Consent: <see cref="ConsentLedger.Evaluate"/> per candidate; a refusal removes the channel. An opt-out is never
/// bypassed; marketing and custom categories need an opt-in; security/transactional/support with unknown consent are allowed.
/// The reserved compliance category (Omni's own keyword answers) skips the consent check on the forced channel only and
/// is refused on every other channel.
/// Contact preferences are never a filter, only an ordering (step 9).</item>
/// <item>Content fit: SMS over its <see cref="ChannelSettings.MaxSmsSegments"/> is removed; rich content (HTML or
/// attachments) removes channels that do not support it when one that does is still eligible; SMS text longer than
/// <see cref="RoutingOptions.LongTextSmsSegments"/> removes SMS when email is still eligible.</item>
/// <item>No channel left → <see cref="RoutingOutcome.Undeliverable"/>, with each channel's reason in the trace. (Checked
/// before caps and quiet hours so that a message no channel can carry is never deferred or counted against a cap.)</item>
/// <item>Frequency cap for the category, counted across all channels → <see cref="RoutingOutcome.Capped"/>; security,
/// transactional and compliance messages are never capped.</item>
/// <item>Quiet hours in the contact's time zone (UTC when the zone is missing or unknown): non-critical, non-security
/// messages → <see cref="RoutingOutcome.Deferred"/> until the window's end (<see cref="RoutingOutcome.Expired"/> when the
/// message expires by then). Critical urgency and the security and compliance categories bypass quiet hours.</item>
/// <item>Order: unhealthy channels (delivery rate below <see cref="RoutingOptions.UnhealthyDeliveryRate"/> with at least
/// <see cref="RoutingOptions.MinHealthSamples"/> samples) go last. Critical/High: instant channels first, then the contact's
/// preferred order, then cost, so a preference for a slower channel never puts it ahead of an instant one. Normal/Low:
/// cheapest first (SMS cost × segments), then the contact's preferred order. Remaining ties: higher delivery rate, then
/// channel order.</item>
/// <item>Strategy: First → the ordered list (fallbacks after the first); All → every step at once; Escalate → the ordered
/// list, each step with <see cref="RoutingOptions.EscalateAfter"/> for the urgency.</item>
/// </list>
/// Only <see cref="RoutingOutcome.Send"/> carries steps; a deferred message is decided again at <see cref="RoutingDecision.DeferUntil"/>.
/// The trace never holds addresses or message text.
/// <para>
/// Hot path (see docs/performance.md): a decision allocates its result (the decision, its steps, the trace array and the
/// trace lines that carry variable text) and nothing else. Lines made only of fixed words and channel names are built once
/// per process; the others are formatted straight into their final string with the invariant culture (no boxing, no
/// intermediate strings); candidates and trace lines are collected in stack buffers; time zones are resolved through a cache.
/// </para>
/// </remarks>
public static class RoutingPolicy
{
    /// <summary>Channels are the values 0..5; the per-channel stack buffers and line tables below have one slot each.</summary>
    private const int ChannelCount = 6;

    /// <summary>
    /// Most trace lines one decision can write: header, forced/allowed, one per channel (6), content fit (SMS segments, up to
    /// 5 rich-content removals, long text), cap, time zone, quiet hours, ordering, up to 6 unhealthy channels and the plan
    /// make 26. A miscount would not lose lines (see <see cref="TraceWriter"/>).
    /// </summary>
    private const int MaxTraceLines = 32;

    /// <summary>SMS segment counts whose "text needs N segment(s)" line is built once; longer texts format theirs.</summary>
    private const int CachedSmsSegmentLines = 16;

    private static readonly Channel[] AllChannels = CheckedChannels();

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // Trace lines made only of fixed words and a channel name (indexed by channel), built once instead of per decision.
    private static readonly string[] ForcedLines = PerChannel(name => $"Channel forced: {name}.");
    private static readonly string[] ForcedNotAllowedLines = PerChannel(name => $"{name}: forced but not in the message's allowed channels.");
    private static readonly string[] NotConfiguredLines = PerChannel(name => $"{name}: not configured.");
    private static readonly string[] DisabledLines = PerChannel(name => $"{name}: disabled.");
    private static readonly string[] NoAddressLines = PerChannel(name => $"{name}: the contact has no {name} address.");
    private static readonly string[] ConsentOptedInLines = PerChannel(name => $"{name}: consent {StateName(ConsentState.OptedIn)}: allowed.");
    private static readonly string[] ConsentOptedOutLines = PerChannel(name => $"{name}: consent {StateName(ConsentState.OptedOut)}: allowed.");
    private static readonly string[] ConsentUnknownLines = PerChannel(name => $"{name}: consent {StateName(ConsentState.Unknown)}: allowed.");

    /// <summary>The ordering line per urgency (indexed by urgency).</summary>
    private static readonly string[] OrderLines = [.. Enum.GetValues<Urgency>().Select(FormatOrderLine)];

    /// <summary>"sms: text needs N GSM-7|UCS-2 segment(s)." for N below <see cref="CachedSmsSegmentLines"/>, per encoding.</summary>
    private static readonly string[][] SmsSegmentLines =
    [
        .. Enum.GetValues<SmsEncoding>().Select(encoding =>
            Enumerable.Range(0, CachedSmsSegmentLines).Select(segments => FormatSmsSegmentsLine(segments, encoding)).ToArray()),
    ];

    /// <summary>
    /// Time zones by IANA id. <see cref="DateTimeZoneProviders.Tzdb"/> caches zones too, but behind a lock; this cache reads
    /// lock-free from any thread. Only ids the TZDB knows are added, so it never holds more than the TZDB's few hundred ids
    /// whatever contacts carry.
    /// </summary>
    private static readonly ConcurrentDictionary<string, DateTimeZone> Zones = new(StringComparer.Ordinal);

    /// <summary>Most plan lines kept in <see cref="PlanLines"/>; past it, new ones are formatted per decision and not kept.</summary>
    private const int PlanLineCacheLimit = 4096;

    /// <summary>
    /// A Send decision's plan line by (shape and channel order, escalation delay ticks); see <see cref="PlanLine"/>. Real traffic
    /// repeats a few plans, so each line is formatted once and shared (strings are immutable). Bounded by
    /// <see cref="PlanLineCacheLimit"/> because escalation delays are tenant settings and could take any value.
    /// </summary>
    private static readonly ConcurrentDictionary<(int Order, long EscalateTicks), string> PlanLines = new();

    private static int _cachedPlanLines;

    private struct Candidate
    {
        public Channel Channel;
        public string Address;
        public ChannelSettings Settings;
        public decimal Cost;
        public int PreferenceRank;
        public double DeliveryRate;
        public bool Unhealthy;
    }

    /// <summary>One value per channel, on the stack (a <see cref="Candidate"/> holds references, so it cannot be stackalloc'ed).</summary>
    [InlineArray(ChannelCount)]
    private struct PerChannelBuffer<T>
    {
        private T _first;
    }

    [InlineArray(MaxTraceLines)]
    private struct TraceBuffer
    {
        private string? _first;
    }

    /// <summary>
    /// Collects trace lines in a stack buffer and hands the decision one exactly sized array (instead of a growing list).
    /// Past <see cref="MaxTraceLines"/> (which the rules cannot reach) it spills to a list rather than lose a line or throw.
    /// </summary>
    /// <param name="scratch">
    /// Stack space each formatted line is built in before it becomes its string (one line at a time, so one buffer serves
    /// them all; a longer line grows into a pooled array), instead of renting from the array pool for every line.
    /// </param>
    private ref struct TraceWriter(Span<string?> lines, Span<char> scratch)
    {
        private readonly Span<string?> _lines = lines;
        private int _count;
        private List<string>? _overflow;

        public readonly Span<char> Scratch { get; } = scratch;

        public void Add(string line)
        {
            if (_count < _lines.Length)
            {
                _lines[_count++] = line;
            }
            else
            {
                (_overflow ??= []).Add(line);
            }
        }

        public readonly string[] ToArray()
        {
            var result = new string[_count + (_overflow?.Count ?? 0)];
            for (var i = 0; i < _count; i++)
            {
                result[i] = _lines[i]!;
            }
            _overflow?.CopyTo(result, _count);
            return result;
        }
    }

    public static RoutingDecision Decide(RoutingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var message = request.Message;
        var contact = request.Contact;
        var options = request.Options ?? RoutingOptions.Default;
        var now = request.Now;
        var category = message.Category ?? "";
        var traceBuffer = new TraceBuffer();
        var trace = new TraceWriter(traceBuffer, stackalloc char[256]);
        trace.Add(string.Create(Inv, trace.Scratch, $"Message {message.Id}: category {category}, urgency {Name(message.Urgency)}, strategy {Name(message.Strategy)}."));

        // 1. Expiry.
        if (message.ExpiresAt is { } expiresAt && expiresAt <= now)
        {
            trace.Add(string.Create(Inv, trace.Scratch, $"Expired at {new Stamp(expiresAt)} (now {new Stamp(now)}): not sent."));
            return End(RoutingOutcome.Expired, ref trace);
        }

        // 2. Send-at.
        if (message.SendAt is { } sendAt && sendAt > now)
        {
            if (message.ExpiresAt is { } exp && exp <= sendAt)
            {
                trace.Add(string.Create(Inv, trace.Scratch, $"Send-at {new Stamp(sendAt)} is not before expiry {new Stamp(exp)}: expired before it could be sent."));
                return End(RoutingOutcome.Expired, ref trace);
            }
            trace.Add(string.Create(Inv, trace.Scratch, $"Send-at {new Stamp(sendAt)} is in the future: deferred until then."));
            return new RoutingDecision(RoutingOutcome.Deferred, [], sendAt, trace.ToArray());
        }

        // 3–5. Candidates, consent, content fit.
        var candidateBuffer = new PerChannelBuffer<Candidate>();
        Span<Candidate> buffer = candidateBuffer;
        var count = CollectCandidates(request, options, category, buffer, ref trace);
        count = ApplyContentFit(message.Content, options, buffer, count, ref trace);

        // 6. Nothing left.
        if (count == 0)
        {
            trace.Add("No eligible channel: undeliverable.");
            return End(RoutingOutcome.Undeliverable, ref trace);
        }

        // 7. Frequency cap.
        var isSecurity = string.Equals(category, ConsentCategories.Security, StringComparison.OrdinalIgnoreCase);
        var isCompliance = ConsentCategories.IsReserved(category);
        var neverCapped = isSecurity || isCompliance || string.Equals(category, ConsentCategories.Transactional, StringComparison.OrdinalIgnoreCase);
        if (request.Caps?.For(category) is { } cap)
        {
            if (neverCapped)
            {
                trace.Add(string.Create(Inv, trace.Scratch, $"Category {category} is never frequency-capped."));
            }
            else
            {
                var sent = request.RecentSends?.CountFor(category) ?? 0;
                if (sent >= cap.MaxCount)
                {
                    trace.Add(string.Create(Inv, trace.Scratch, $"Frequency cap for {category} reached: {sent} sent of at most {cap.MaxCount} per {cap.Window:c} across all channels."));
                    return End(RoutingOutcome.Capped, ref trace);
                }
                trace.Add(string.Create(Inv, trace.Scratch, $"Frequency cap for {category}: {sent} sent of at most {cap.MaxCount} per {cap.Window:c}; within the cap."));
            }
        }

        // 8. Quiet hours.
        if (contact.QuietHours is { } quiet)
        {
            var zone = contact.TimeZone is { } tz ? FindZone(tz) : null;
            var zoneId = zone is not null ? contact.TimeZone! : "UTC";
            if (!string.Equals(zoneId, contact.TimeZone, StringComparison.Ordinal))
            {
                trace.Add("The contact has no known time zone: quiet hours are evaluated in UTC.");
            }
            // The TZDB always knows "UTC". The zone is resolved once and used for both the check and the window's end.
            zone ??= FindZone("UTC")!;
            var local = Instant.FromDateTimeOffset(now).InZone(zone).LocalDateTime;
            if (IsQuiet(quiet, local.TimeOfDay.ToTimeOnly()))
            {
                if (message.Urgency == Urgency.Critical || isSecurity || isCompliance)
                {
                    var why = message.Urgency == Urgency.Critical ? "critical urgency" : isSecurity ? "security category" : "compliance reply";
                    trace.Add(string.Create(Inv, trace.Scratch, $"Inside quiet hours {new Clock(quiet.Start)}–{new Clock(quiet.End)} ({zoneId}); bypassed: {why}."));
                }
                else
                {
                    var until = QuietWindowEnd(quiet, zone, local);
                    if (message.ExpiresAt is { } exp && exp <= until)
                    {
                        trace.Add(string.Create(Inv, trace.Scratch, $"Inside quiet hours {new Clock(quiet.Start)}–{new Clock(quiet.End)} ({zoneId}) until {new Stamp(until)}, but the message expires at {new Stamp(exp)}: expired before it could be sent."));
                        return End(RoutingOutcome.Expired, ref trace);
                    }
                    trace.Add(string.Create(Inv, trace.Scratch, $"Inside quiet hours {new Clock(quiet.Start)}–{new Clock(quiet.End)} ({zoneId}): deferred until {new Stamp(until)}."));
                    return new RoutingDecision(RoutingOutcome.Deferred, [], until, trace.ToArray());
                }
            }
        }

        // 9. Order.
        var candidates = buffer[..count];
        Sort(candidates, instantFirst: message.Urgency is Urgency.Critical or Urgency.High);
        trace.Add((uint)message.Urgency < (uint)OrderLines.Length ? OrderLines[(int)message.Urgency] : FormatOrderLine(message.Urgency));
        foreach (ref readonly var c in candidates)
        {
            if (c.Unhealthy)
            {
                trace.Add(string.Create(Inv, trace.Scratch, $"{c.Channel.Name()}: unhealthy (delivery rate {c.DeliveryRate:0.00} below {options.UnhealthyDeliveryRate:0.00}): moved to the end."));
            }
        }

        // 10. Strategy.
        TimeSpan? escalateAfter = message.Strategy == RoutingStrategy.Escalate ? options.EscalateAfter(message.Urgency) : null;
        var steps = new PlannedStep[count];
        for (var i = 0; i < count; i++)
        {
            steps[i] = new PlannedStep(candidates[i].Channel, candidates[i].Address, escalateAfter);
        }
        trace.Add(PlanLine(message.Strategy, escalateAfter, candidates));
        return new RoutingDecision(RoutingOutcome.Send, steps, null, trace.ToArray());
    }

    private static int CollectCandidates(RoutingRequest request, RoutingOptions options, string category, Span<Candidate> buffer, ref TraceWriter trace)
    {
        var message = request.Message;
        var contact = request.Contact;
        var allowed = message.AllowedChannels;
        var forced = message.ForcedChannel;
        if (forced is { } f)
        {
            trace.Add(Fixed(ForcedLines, f));
        }
        else if (allowed is not null)
        {
            trace.Add(FormatAllowedLine(allowed));
        }

        // Settings and health indexed by channel in one pass each (the first entry for a channel wins, as a search would find).
        var settingsBuffer = new PerChannelBuffer<ChannelSettings?>();
        Span<ChannelSettings?> settingsByChannel = settingsBuffer;
        if (request.Settings is { } settingsList)
        {
            for (var i = settingsList.Count - 1; i >= 0; i--)
            {
                if (settingsList[i] is { } s && (uint)s.Channel < ChannelCount)
                {
                    settingsByChannel[(int)s.Channel] = s;
                }
            }
        }
        var healthBuffer = new PerChannelBuffer<ChannelHealth?>();
        Span<ChannelHealth?> healthByChannel = healthBuffer;
        if (request.Health is { } healthList)
        {
            for (var i = healthList.Count - 1; i >= 0; i--)
            {
                if (healthList[i] is { } h && (uint)h.Channel < ChannelCount)
                {
                    healthByChannel[(int)h.Channel] = h;
                }
            }
        }

        var isCompliance = ConsentCategories.IsReserved(category);
        var count = 0;
        foreach (var channel in AllChannels)
        {
            var index = (int)channel;
            if (forced is { } fc && fc != channel)
            {
                continue;
            }
            if (allowed is not null && !Contains(allowed, channel))
            {
                if (forced is not null)
                {
                    trace.Add(ForcedNotAllowedLines[index]);
                }
                continue;
            }
            var settings = settingsByChannel[index];
            if (settings is null)
            {
                trace.Add(NotConfiguredLines[index]);
                continue;
            }
            if (!settings.Enabled)
            {
                trace.Add(DisabledLines[index]);
                continue;
            }
            if (!contact.Addresses.TryGetValue(channel, out var address) || string.IsNullOrEmpty(address.Value))
            {
                trace.Add(NoAddressLines[index]);
                continue;
            }
            var name = channel.Name();
            if (address.Suppression is { } suppression)
            {
                // An app's reason is free text that may quote the address: only the date goes to the trace, and the
                // provider's code and Omni's fixed description when a provider's refusal suppressed it.
                trace.Add(suppression.KnownProviderReason is { } why
                    ? string.Create(Inv, trace.Scratch, $"{name}: the contact's {name} address is suppressed since {new Stamp(suppression.At)} ({why}).")
                    : string.Create(Inv, trace.Scratch, $"{name}: the contact's {name} address is suppressed since {new Stamp(suppression.At)}."));
                continue;
            }
            if (isCompliance)
            {
                // The legally required answer to a keyword goes back on the channel the contact used, even right after a STOP;
                // on any other channel it would be an unsolicited message, so it is allowed only on the forced channel.
                if (forced != channel)
                {
                    trace.Add(string.Create(Inv, trace.Scratch, $"{name}: {category} messages are sent only on the forced channel the contact wrote on."));
                    continue;
                }
                trace.Add(string.Create(Inv, trace.Scratch, $"{name}: {category} reply on the channel the contact used: required, consent does not apply."));
            }
            else
            {
                // The ledger's fold without its text: the reason is rendered only for a refusal, straight into the trace line.
                var consent = request.Consent.Fold(channel, category);
                if (!consent.IsAllowed(category))
                {
                    var line = new DefaultInterpolatedStringHandler(0, 0, Inv, trace.Scratch);
                    line.AppendLiteral(name);
                    line.AppendLiteral(": consent refused: ");
                    consent.AppendVerdictReason(ref line, channel, category);
                    trace.Add(line.ToStringAndClear());
                    continue;
                }
                trace.Add(consent.State switch
                {
                    ConsentState.OptedIn => ConsentOptedInLines[index],
                    ConsentState.OptedOut => ConsentOptedOutLines[index],
                    _ => ConsentUnknownLines[index],
                });
            }

            var health = healthByChannel[index];
            buffer[count++] = new Candidate
            {
                Channel = channel,
                Address = address.Value,
                Settings = settings,
                Cost = settings.UnitCost,
                PreferenceRank = PreferenceRank(contact.PreferredChannels, channel),
                DeliveryRate = health?.DeliveryRate ?? 1.0,
                Unhealthy = health is not null
                    && health.SampleSize >= options.MinHealthSamples
                    && health.DeliveryRate < options.UnhealthyDeliveryRate,
            };
        }
        return count;
    }

    private static int ApplyContentFit(MessageContent content, RoutingOptions options, Span<Candidate> buffer, int count, ref TraceWriter trace)
    {
        // SMS: cost per segment and the hard segment limit.
        var smsIndex = IndexOf(buffer, count, Channel.Sms);
        var smsSegments = 0;
        if (smsIndex >= 0)
        {
            var measured = SmsSegmenter.Measure(content.TextFor(Channel.Sms));
            smsSegments = measured.Segments;
            ref var sms = ref buffer[smsIndex];
            sms.Cost = sms.Settings.UnitCost * smsSegments;
            var max = sms.Settings.MaxSmsSegments;
            if (max > 0 && smsSegments > max)
            {
                trace.Add(string.Create(Inv, trace.Scratch, $"sms: text needs {smsSegments} {EncodingName(measured.Encoding)} segments, over the limit of {max}: not adequate."));
                count = RemoveAt(buffer, count, smsIndex);
                smsIndex = -1;
            }
            else
            {
                trace.Add((uint)smsSegments < CachedSmsSegmentLines && (uint)measured.Encoding < (uint)SmsSegmentLines.Length
                    ? SmsSegmentLines[(int)measured.Encoding][smsSegments]
                    : FormatSmsSegmentsLine(smsSegments, measured.Encoding));
            }
        }

        // Rich content: only channels that carry it, when any eligible one does.
        if (content.HasRichContent)
        {
            Channel? richChannel = null;
            for (var i = 0; i < count; i++)
            {
                if (buffer[i].Settings.SupportsRichContent)
                {
                    richChannel = buffer[i].Channel;
                    break;
                }
            }
            if (richChannel is { } rc)
            {
                for (var i = count - 1; i >= 0; i--)
                {
                    if (!buffer[i].Settings.SupportsRichContent)
                    {
                        trace.Add(string.Create(Inv, trace.Scratch, $"{buffer[i].Channel.Name()}: cannot carry rich content (html or attachments) and {rc.Name()} can: not adequate."));
                        count = RemoveAt(buffer, count, i);
                    }
                }
            }
            else
            {
                trace.Add("Rich content (html or attachments), but no eligible channel supports it: sending on text channels.");
            }
        }

        // Long text: email rather than many SMS segments.
        smsIndex = IndexOf(buffer, count, Channel.Sms);
        if (smsIndex >= 0 && smsSegments > options.LongTextSmsSegments)
        {
            if (IndexOf(buffer, count, Channel.Email) >= 0)
            {
                trace.Add(string.Create(Inv, trace.Scratch, $"sms: long text ({smsSegments} segments, more than {options.LongTextSmsSegments}) and email is eligible: not adequate."));
                count = RemoveAt(buffer, count, smsIndex);
            }
            else
            {
                trace.Add(string.Create(Inv, trace.Scratch, $"sms: long text ({smsSegments} segments) but email is not eligible: kept."));
            }
        }
        return count;
    }

    /// <summary>Insertion sort (at most six items, no allocation); stable.</summary>
    private static void Sort(Span<Candidate> items, bool instantFirst)
    {
        for (var i = 1; i < items.Length; i++)
        {
            var current = items[i];
            var j = i - 1;
            while (j >= 0 && Compare(items[j], current, instantFirst) > 0)
            {
                items[j + 1] = items[j];
                j--;
            }
            items[j + 1] = current;
        }
    }

    private static int Compare(in Candidate a, in Candidate b, bool instantFirst)
    {
        var result = a.Unhealthy.CompareTo(b.Unhealthy);
        if (result != 0)
        {
            return result;
        }
        if (instantFirst)
        {
            result = b.Settings.IsInstant.CompareTo(a.Settings.IsInstant);
            if (result == 0)
            {
                result = a.PreferenceRank.CompareTo(b.PreferenceRank);
            }
            if (result == 0)
            {
                result = a.Cost.CompareTo(b.Cost);
            }
        }
        else
        {
            result = a.Cost.CompareTo(b.Cost);
            if (result == 0)
            {
                result = a.PreferenceRank.CompareTo(b.PreferenceRank);
            }
        }
        if (result == 0)
        {
            result = b.DeliveryRate.CompareTo(a.DeliveryRate);
        }
        return result != 0 ? result : a.Channel.CompareTo(b.Channel);
    }

    /// <summary>The zone for a TZDB id, or null when the TZDB does not know it; cached (see <see cref="Zones"/>).</summary>
    private static DateTimeZone? FindZone(string id)
    {
        if (Zones.TryGetValue(id, out var zone))
        {
            return zone;
        }
        zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(id);
        if (zone is not null)
        {
            Zones.TryAdd(id, zone);
        }
        return zone;
    }

    /// <summary>
    /// The rule of <see cref="ContactRules.IsQuietAt"/> (half-open [start, end), crossing midnight, equal start and end never
    /// quiet) on a local time the caller already has, so the zone is looked up and the instant converted only once.
    /// </summary>
    private static bool IsQuiet(QuietHours quiet, TimeOnly local)
    {
        var (start, end) = (quiet.Start, quiet.End);
        if (start < end)
        {
            return local >= start && local < end;
        }
        if (start > end)
        {
            return local >= start || local < end;
        }
        return false;
    }

    /// <summary>The next local occurrence of the window's end after <paramref name="local"/>; a DST gap resolves forward.</summary>
    private static DateTimeOffset QuietWindowEnd(QuietHours quiet, DateTimeZone zone, LocalDateTime local)
    {
        var end = local.Date.At(LocalTime.FromTimeOnly(quiet.End));
        if (end <= local)
        {
            end = end.PlusDays(1);
        }
        return zone.ResolveLocal(end, Resolvers.LenientResolver).ToDateTimeOffset();
    }

    private static RoutingDecision End(RoutingOutcome outcome, ref TraceWriter trace) => new(outcome, [], null, trace.ToArray());

    private static bool Contains(IReadOnlyList<Channel> channels, Channel channel)
    {
        for (var i = 0; i < channels.Count; i++)
        {
            if (channels[i] == channel)
            {
                return true;
            }
        }
        return false;
    }

    private static int PreferenceRank(IReadOnlyList<Channel>? preferred, Channel channel)
    {
        if (preferred is not null)
        {
            for (var i = 0; i < preferred.Count; i++)
            {
                if (preferred[i] == channel)
                {
                    return i;
                }
            }
        }
        return int.MaxValue;
    }

    private static int IndexOf(Span<Candidate> buffer, int count, Channel channel)
    {
        for (var i = 0; i < count; i++)
        {
            if (buffer[i].Channel == channel)
            {
                return i;
            }
        }
        return -1;
    }

    private static int RemoveAt(Span<Candidate> buffer, int count, int index)
    {
        buffer[(index + 1)..count].CopyTo(buffer[index..]);
        buffer[count - 1] = default;
        return count - 1;
    }

    /// <summary>"Allowed channels: sms, email." (each channel once, in the order given) or "Allowed channels: none."</summary>
    private static string FormatAllowedLine(IReadOnlyList<Channel> allowed)
    {
        var line = new DefaultInterpolatedStringHandler(0, 0, Inv, stackalloc char[128]);
        line.AppendLiteral("Allowed channels: ");
        if (allowed.Count == 0)
        {
            line.AppendLiteral("none");
        }
        var seen = 0;
        for (var i = 0; i < allowed.Count; i++)
        {
            // Name() first: it throws for an undefined channel value, as formatting such a list always did.
            var name = allowed[i].Name();
            var bit = 1 << (int)allowed[i];
            if ((seen & bit) != 0)
            {
                continue;
            }
            line.AppendLiteral(seen == 0 ? "" : ", ");
            line.AppendLiteral(name);
            seen |= bit;
        }
        line.AppendLiteral(".");
        return line.ToStringAndClear();
    }

    /// <summary>
    /// The plan line from <see cref="PlanLines"/>, formatted and added on a miss. It depends only on the plan's shape, its
    /// escalation delay and its channel order, so the key packs the shape (0 first, 1 all, 2 escalate) above bit 24 and each
    /// channel + 1 in 3 bits, in plan order (the channel count is implied), with the delay's ticks beside it.
    /// </summary>
    private static string PlanLine(RoutingStrategy strategy, TimeSpan? escalateAfter, ReadOnlySpan<Candidate> candidates)
    {
        var order = strategy switch
        {
            RoutingStrategy.All => 1,
            RoutingStrategy.Escalate => 2,
            _ => 0,
        } << 24;
        for (var i = 0; i < candidates.Length; i++)
        {
            order |= ((int)candidates[i].Channel + 1) << (3 * i);
        }
        var key = (order, escalateAfter?.Ticks ?? 0);
        if (PlanLines.TryGetValue(key, out var line))
        {
            return line;
        }
        line = FormatPlanLine(strategy, escalateAfter, candidates);
        if (Volatile.Read(ref _cachedPlanLines) < PlanLineCacheLimit && PlanLines.TryAdd(key, line))
        {
            Interlocked.Increment(ref _cachedPlanLines);
        }
        return line;
    }

    /// <summary>"Plan (first, the rest as fallbacks): email, whatsapp, sms."</summary>
    private static string FormatPlanLine(RoutingStrategy strategy, TimeSpan? escalateAfter, ReadOnlySpan<Candidate> candidates)
    {
        var line = new DefaultInterpolatedStringHandler(0, 0, Inv, stackalloc char[128]);
        line.AppendLiteral("Plan (");
        switch (strategy)
        {
            case RoutingStrategy.All:
                line.AppendLiteral("all at once");
                break;
            case RoutingStrategy.Escalate:
                line.AppendLiteral("escalate after ");
                line.AppendFormatted(escalateAfter!.Value, "c");
                line.AppendLiteral(" per step");
                break;
            default:
                line.AppendLiteral(candidates.Length > 1 ? "first, the rest as fallbacks" : "first");
                break;
        }
        line.AppendLiteral("): ");
        for (var i = 0; i < candidates.Length; i++)
        {
            line.AppendLiteral(i == 0 ? "" : ", ");
            line.AppendLiteral(candidates[i].Channel.Name());
        }
        line.AppendLiteral(".");
        return line.ToStringAndClear();
    }

    private static string FormatOrderLine(Urgency urgency) => urgency is Urgency.Critical or Urgency.High
        ? $"Urgency {Name(urgency)}: instant channels first, then the contact's preference, then cost."
        : $"Urgency {Name(urgency)}: cheapest first, ties by the contact's preference, then health.";

    private static string FormatSmsSegmentsLine(int segments, SmsEncoding encoding) =>
        string.Create(Inv, $"sms: text needs {segments} {EncodingName(encoding)} segment(s).");

    /// <summary>The prebuilt line for <paramref name="channel"/>; an undefined channel throws, as formatting its name always did.</summary>
    private static string Fixed(string[] lines, Channel channel) =>
        (uint)channel < (uint)lines.Length ? lines[(int)channel] : throw new ArgumentOutOfRangeException(nameof(channel));

    private static string[] PerChannel(Func<string, string> line) => [.. AllChannels.Select(channel => line(channel.Name()))];

    /// <summary>The channel enum as the buffers above assume it: the values 0..<see cref="ChannelCount"/>-1 in order.</summary>
    private static Channel[] CheckedChannels()
    {
        var channels = Enum.GetValues<Channel>();
        for (var i = 0; i < channels.Length; i++)
        {
            if ((int)channels[i] != i)
            {
                throw new InvalidOperationException("RoutingPolicy assumes channels are numbered 0..n-1.");
            }
        }
        return channels.Length == ChannelCount
            ? channels
            : throw new InvalidOperationException($"RoutingPolicy.ChannelCount is {ChannelCount} but there are {channels.Length} channels.");
    }

    /// <summary>
    /// An instant as the trace shows it: "yyyy-MM-dd'T'HH:mm:sszzz" ("2025-01-15T23:00:00+00:00"). As an
    /// <see cref="ISpanFormattable"/> struct it is written straight into the line being built (no boxing, no intermediate
    /// string). It is written as the sortable "s" pattern (the same 19 characters, which the runtime formats several times
    /// faster than a custom pattern) followed by the offset as ±hh:mm, exactly what "zzz" gives.
    /// </summary>
    private readonly struct Stamp(DateTimeOffset at) : ISpanFormattable
    {
        public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
        {
            charsWritten = 0;
            if (!at.TryFormat(destination, out var written, "s", CultureInfo.InvariantCulture) || destination.Length < written + 6)
            {
                return false;
            }
            var offsetMinutes = (int)at.Offset.TotalMinutes;
            destination[written] = offsetMinutes < 0 ? '-' : '+';
            offsetMinutes = Math.Abs(offsetMinutes);
            WriteTwoDigits(destination[(written + 1)..], offsetMinutes / 60);
            destination[written + 3] = ':';
            WriteTwoDigits(destination[(written + 4)..], offsetMinutes % 60);
            charsWritten = written + 6;
            return true;
        }

        public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

        public override string ToString() => at.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
    }

    /// <summary>A time of day as "HH:mm" (quiet hours), written in place like <see cref="Stamp"/>.</summary>
    private readonly struct Clock(TimeOnly time) : ISpanFormattable
    {
        public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
        {
            if (destination.Length < 5)
            {
                charsWritten = 0;
                return false;
            }
            WriteTwoDigits(destination, time.Hour);
            destination[2] = ':';
            WriteTwoDigits(destination[3..], time.Minute);
            charsWritten = 5;
            return true;
        }

        public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

        public override string ToString() => time.ToString("HH:mm", CultureInfo.InvariantCulture);
    }

    private static void WriteTwoDigits(Span<char> destination, int value)
    {
        destination[0] = (char)('0' + value / 10);
        destination[1] = (char)('0' + value % 10);
    }

    private static string Name(Urgency urgency) => urgency switch
    {
        Urgency.Critical => "critical",
        Urgency.High => "high",
        Urgency.Normal => "normal",
        Urgency.Low => "low",
        _ => "unknown",
    };

    private static string Name(RoutingStrategy strategy) => strategy switch
    {
        RoutingStrategy.First => "first",
        RoutingStrategy.All => "all",
        RoutingStrategy.Escalate => "escalate",
        _ => "unknown",
    };

    private static string StateName(ConsentState state) => state switch
    {
        ConsentState.OptedIn => "opted in",
        ConsentState.OptedOut => "opted out",
        _ => "unknown (implied by the relationship)",
    };

    private static string EncodingName(SmsEncoding encoding) => encoding == SmsEncoding.Gsm7 ? "GSM-7" : "UCS-2";
}
