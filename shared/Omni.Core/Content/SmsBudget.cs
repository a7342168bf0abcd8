using Omni.Core.Routing;

namespace Omni.Core.Content;

/// <summary>The size of an SMS after <see cref="SmsBudget.Fit"/>.</summary>
/// <param name="Text">The text to send: the original, or a shortened copy ending with "...".</param>
/// <param name="Measured">Encoding, segments and units of <paramref name="Text"/>.</param>
/// <param name="OriginalSegments">Segments of the text before shortening.</param>
/// <param name="Shortened">True when the text was cut to fit the budget.</param>
public sealed record SmsFit(string Text, SmsSegments Measured, int OriginalSegments, bool Shortened);

/// <summary>
/// Keeps an SMS within a segment budget (GSM-7 / UCS-2 per <see cref="SmsSegmenter"/>): a longer text is cut at the last
/// word boundary that still fits and ends with <see cref="Ellipsis"/> — three ASCII dots, because "…" (U+2026) is not in
/// GSM-7 and would turn the whole message into UCS-2. A cut can change the encoding: when the only UCS-2 character was in
/// the removed tail, the rest is measured (and billed) as GSM-7. A single word longer than the budget is cut inside the
/// word (never inside a surrogate pair, so an emoji stays whole).
/// </summary>
public static class SmsBudget
{
    public const string Ellipsis = "...";

    /// <param name="text">The rendered SMS text.</param>
    /// <param name="maxSegments">The budget; 0 = no limit.</param>
    public static SmsFit Fit(string text, int maxSegments)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(maxSegments);
        var measured = SmsSegmenter.Measure(text);
        if (maxSegments == 0 || measured.Segments <= maxSegments)
        {
            return new SmsFit(text, measured, measured.Segments, false);
        }

        // Segments only grow with the prefix length (a longer prefix holds every character of a shorter one), so
        // the longest fitting cut is found by binary search: first over word boundaries, then over characters.
        var boundaries = new List<int>();
        for (var i = 1; i < text.Length; i++)
        {
            if (char.IsWhiteSpace(text[i]) && !char.IsWhiteSpace(text[i - 1]))
            {
                boundaries.Add(i);
            }
        }
        var cut = Longest(boundaries, text, maxSegments);
        if (cut is null)
        {
            var positions = new List<int>();
            for (var i = 1; i < text.Length; i++)
            {
                if (!(char.IsLowSurrogate(text[i]) && char.IsHighSurrogate(text[i - 1])))
                {
                    positions.Add(i);
                }
            }
            cut = Longest(positions, text, maxSegments) ?? 0;
        }
        var shortened = Candidate(text, cut.Value);
        return new SmsFit(shortened, SmsSegmenter.Measure(shortened), measured.Segments, true);
    }

    private static int? Longest(List<int> cuts, string text, int maxSegments)
    {
        int? best = null;
        int low = 0, high = cuts.Count - 1;
        while (low <= high)
        {
            var middle = low + (high - low) / 2;
            if (SmsSegmenter.Measure(Candidate(text, cuts[middle])).Segments <= maxSegments)
            {
                best = cuts[middle];
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        return best;
    }

    private static string Candidate(string text, int cut) => text[..cut].TrimEnd() + Ellipsis;
}
