using System.Globalization;
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
/// </remarks>
public static class RoutingPolicy
{
    private static readonly Channel[] AllChannels = Enum.GetValues<Channel>();

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

    public static RoutingDecision Decide(RoutingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var message = request.Message;
        var contact = request.Contact;
        var options = request.Options ?? RoutingOptions.Default;
        var now = request.Now;
        var category = message.Category ?? "";
        var trace = new List<string>(12)
        {
            Inv($"Message {message.Id}: category {category}, urgency {Name(message.Urgency)}, strategy {Name(message.Strategy)}."),
        };

        // 1. Expiry.
        if (message.ExpiresAt is { } expiresAt && expiresAt <= now)
        {
            trace.Add(Inv($"Expired at {Stamp(expiresAt)} (now {Stamp(now)}): not sent."));
            return End(RoutingOutcome.Expired, trace);
        }

        // 2. Send-at.
        if (message.SendAt is { } sendAt && sendAt > now)
        {
            if (message.ExpiresAt is { } exp && exp <= sendAt)
            {
                trace.Add(Inv($"Send-at {Stamp(sendAt)} is not before expiry {Stamp(exp)}: expired before it could be sent."));
                return End(RoutingOutcome.Expired, trace);
            }
            trace.Add(Inv($"Send-at {Stamp(sendAt)} is in the future: deferred until then."));
            return new RoutingDecision(RoutingOutcome.Deferred, [], sendAt, trace);
        }

        // 3–5. Candidates, consent, content fit.
        Span<Candidate> buffer = new Candidate[AllChannels.Length];
        var count = CollectCandidates(request, options, category, buffer, trace);
        count = ApplyContentFit(message.Content, options, buffer, count, trace);

        // 6. Nothing left.
        if (count == 0)
        {
            trace.Add("No eligible channel: undeliverable.");
            return End(RoutingOutcome.Undeliverable, trace);
        }

        // 7. Frequency cap.
        var isSecurity = string.Equals(category, ConsentCategories.Security, StringComparison.OrdinalIgnoreCase);
        var isCompliance = ConsentCategories.IsReserved(category);
        var neverCapped = isSecurity || isCompliance || string.Equals(category, ConsentCategories.Transactional, StringComparison.OrdinalIgnoreCase);
        if (request.Caps?.For(category) is { } cap)
        {
            if (neverCapped)
            {
                trace.Add(Inv($"Category {category} is never frequency-capped."));
            }
            else
            {
                var sent = request.RecentSends?.CountFor(category) ?? 0;
                if (sent >= cap.MaxCount)
                {
                    trace.Add(Inv($"Frequency cap for {category} reached: {sent} sent of at most {cap.MaxCount} per {Duration(cap.Window)} across all channels."));
                    return End(RoutingOutcome.Capped, trace);
                }
                trace.Add(Inv($"Frequency cap for {category}: {sent} sent of at most {cap.MaxCount} per {Duration(cap.Window)}; within the cap."));
            }
        }

        // 8. Quiet hours.
        if (contact.QuietHours is { } quiet)
        {
            var zoneId = contact.TimeZone is { } tz && DateTimeZoneProviders.Tzdb.GetZoneOrNull(tz) is not null ? tz : "UTC";
            if (!string.Equals(zoneId, contact.TimeZone, StringComparison.Ordinal))
            {
                trace.Add("The contact has no known time zone: quiet hours are evaluated in UTC.");
            }
            if (ContactRules.IsQuietAt(quiet, zoneId, now))
            {
                var window = Inv($"{quiet.Start:HH:mm}–{quiet.End:HH:mm} ({zoneId})");
                if (message.Urgency == Urgency.Critical || isSecurity || isCompliance)
                {
                    var why = message.Urgency == Urgency.Critical ? "critical urgency" : isSecurity ? "security category" : "compliance reply";
                    trace.Add(Inv($"Inside quiet hours {window}; bypassed: {why}."));
                }
                else
                {
                    var until = QuietWindowEnd(quiet, zoneId, now);
                    if (message.ExpiresAt is { } exp && exp <= until)
                    {
                        trace.Add(Inv($"Inside quiet hours {window} until {Stamp(until)}, but the message expires at {Stamp(exp)}: expired before it could be sent."));
                        return End(RoutingOutcome.Expired, trace);
                    }
                    trace.Add(Inv($"Inside quiet hours {window}: deferred until {Stamp(until)}."));
                    return new RoutingDecision(RoutingOutcome.Deferred, [], until, trace);
                }
            }
        }

        // 9. Order.
        var candidates = buffer[..count];
        var instantFirst = message.Urgency is Urgency.Critical or Urgency.High;
        Sort(candidates, instantFirst);
        trace.Add(instantFirst
            ? Inv($"Urgency {Name(message.Urgency)}: instant channels first, then the contact's preference, then cost.")
            : Inv($"Urgency {Name(message.Urgency)}: cheapest first, ties by the contact's preference, then health."));
        foreach (ref readonly var c in candidates)
        {
            if (c.Unhealthy)
            {
                trace.Add(Inv($"{c.Channel.Name()}: unhealthy (delivery rate {c.DeliveryRate:0.00} below {options.UnhealthyDeliveryRate:0.00}): moved to the end."));
            }
        }

        // 10. Strategy.
        TimeSpan? escalateAfter = message.Strategy == RoutingStrategy.Escalate ? options.EscalateAfter(message.Urgency) : null;
        var steps = new PlannedStep[count];
        var names = new string[count];
        for (var i = 0; i < count; i++)
        {
            steps[i] = new PlannedStep(candidates[i].Channel, candidates[i].Address, escalateAfter);
            names[i] = candidates[i].Channel.Name();
        }
        var shape = message.Strategy switch
        {
            RoutingStrategy.All => "all at once",
            RoutingStrategy.Escalate => Inv($"escalate after {Duration(escalateAfter!.Value)} per step"),
            _ => count > 1 ? "first, the rest as fallbacks" : "first",
        };
        trace.Add(Inv($"Plan ({shape}): {string.Join(", ", names)}."));
        return new RoutingDecision(RoutingOutcome.Send, steps, null, trace);
    }

    private static int CollectCandidates(RoutingRequest request, RoutingOptions options, string category, Span<Candidate> buffer, List<string> trace)
    {
        var message = request.Message;
        var contact = request.Contact;
        var allowed = message.AllowedChannels;
        var forced = message.ForcedChannel;
        if (forced is { } f)
        {
            trace.Add(Inv($"Channel forced: {f.Name()}."));
        }
        else if (allowed is not null)
        {
            trace.Add(Inv($"Allowed channels: {(allowed.Count == 0 ? "none" : string.Join(", ", allowed.Distinct().Select(a => a.Name())))}."));
        }

        var count = 0;
        foreach (var channel in AllChannels)
        {
            var name = channel.Name();
            if (forced is { } fc && fc != channel)
            {
                continue;
            }
            if (allowed is not null && !Contains(allowed, channel))
            {
                if (forced is not null)
                {
                    trace.Add(Inv($"{name}: forced but not in the message's allowed channels."));
                }
                continue;
            }
            var settings = FindSettings(request.Settings, channel);
            if (settings is null)
            {
                trace.Add(Inv($"{name}: not configured."));
                continue;
            }
            if (!settings.Enabled)
            {
                trace.Add(Inv($"{name}: disabled."));
                continue;
            }
            if (!contact.Addresses.TryGetValue(channel, out var address) || string.IsNullOrEmpty(address.Value))
            {
                trace.Add(Inv($"{name}: the contact has no {name} address."));
                continue;
            }
            if (address.Suppression is { } suppression)
            {
                // The suppression reason is free text that may quote the address: only the date goes to the trace.
                trace.Add(Inv($"{name}: the contact's {name} address is suppressed since {Stamp(suppression.At)}."));
                continue;
            }
            if (ConsentCategories.IsReserved(category))
            {
                // The legally required answer to a keyword goes back on the channel the contact used, even right after a STOP;
                // on any other channel it would be an unsolicited message, so it is allowed only on the forced channel.
                if (forced != channel)
                {
                    trace.Add(Inv($"{name}: {category} messages are sent only on the forced channel the contact wrote on."));
                    continue;
                }
                trace.Add(Inv($"{name}: {category} reply on the channel the contact used: required, consent does not apply."));
            }
            else
            {
                var verdict = request.Consent.Evaluate(channel, category);
                if (!verdict.Allowed)
                {
                    trace.Add(Inv($"{name}: consent refused: {verdict.Reason}"));
                    continue;
                }
                trace.Add(Inv($"{name}: consent {StateName(verdict.State)}: allowed."));
            }

            var health = FindHealth(request.Health, channel);
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

    private static int ApplyContentFit(MessageContent content, RoutingOptions options, Span<Candidate> buffer, int count, List<string> trace)
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
                trace.Add(Inv($"sms: text needs {smsSegments} {EncodingName(measured.Encoding)} segments, over the limit of {max}: not adequate."));
                count = RemoveAt(buffer, count, smsIndex);
                smsIndex = -1;
            }
            else
            {
                trace.Add(Inv($"sms: text needs {smsSegments} {EncodingName(measured.Encoding)} segment(s)."));
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
                        trace.Add(Inv($"{buffer[i].Channel.Name()}: cannot carry rich content (html or attachments) and {rc.Name()} can: not adequate."));
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
                trace.Add(Inv($"sms: long text ({smsSegments} segments, more than {options.LongTextSmsSegments}) and email is eligible: not adequate."));
                count = RemoveAt(buffer, count, smsIndex);
            }
            else
            {
                trace.Add(Inv($"sms: long text ({smsSegments} segments) but email is not eligible: kept."));
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

    /// <summary>The next local occurrence of the window's end after <paramref name="now"/>; a DST gap resolves forward.</summary>
    private static DateTimeOffset QuietWindowEnd(QuietHours quiet, string zoneId, DateTimeOffset now)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var local = Instant.FromDateTimeOffset(now).InZone(zone).LocalDateTime;
        var end = local.Date.At(LocalTime.FromTimeOnly(quiet.End));
        if (end <= local)
        {
            end = end.PlusDays(1);
        }
        return zone.ResolveLocal(end, Resolvers.LenientResolver).ToDateTimeOffset();
    }

    private static RoutingDecision End(RoutingOutcome outcome, List<string> trace) => new(outcome, [], null, trace);

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

    private static ChannelSettings? FindSettings(IReadOnlyList<ChannelSettings>? settings, Channel channel)
    {
        if (settings is null)
        {
            return null;
        }
        for (var i = 0; i < settings.Count; i++)
        {
            if (settings[i] is { } s && s.Channel == channel)
            {
                return s;
            }
        }
        return null;
    }

    private static ChannelHealth? FindHealth(IReadOnlyList<ChannelHealth>? health, Channel channel)
    {
        if (health is null)
        {
            return null;
        }
        for (var i = 0; i < health.Count; i++)
        {
            if (health[i] is { } h && h.Channel == channel)
            {
                return h;
            }
        }
        return null;
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

    private static string Inv(FormattableString value) => FormattableString.Invariant(value);

    private static string Stamp(DateTimeOffset at) => at.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static string Duration(TimeSpan span) => span.ToString("c", CultureInfo.InvariantCulture);

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
