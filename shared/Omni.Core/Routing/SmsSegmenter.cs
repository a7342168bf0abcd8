using System.Buffers;

namespace Omni.Core.Routing;

/// <summary>How an SMS body is encoded on the air interface.</summary>
public enum SmsEncoding
{
    /// <summary>GSM 03.38 7-bit default alphabet (basic table plus the extension table behind ESC).</summary>
    Gsm7,

    /// <summary>UCS-2 (UTF-16 code units on the wire).</summary>
    Ucs2,
}

/// <summary>The size of an SMS body.</summary>
/// <param name="Encoding">GSM-7 when every character is in the basic or extension table, otherwise UCS-2.</param>
/// <param name="Segments">Billed segments; at least 1 (an empty body is billed as one segment, as ACS does).</param>
/// <param name="Units">Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2.</param>
public readonly record struct SmsSegments(SmsEncoding Encoding, int Segments, int Units);

/// <summary>
/// Counts SMS segments per GSM 03.38 / 3GPP TS 23.038: GSM-7 160 septets single, 153 per part when concatenated; UCS-2 70 code
/// units single, 67 per part. Parts are packed with whole characters: an ESC pair (extension character) and a UTF-16 surrogate
/// pair are never split, so a part may carry one unit fewer than its maximum. Allocation-free.
/// </summary>
public static class SmsSegmenter
{
    public const int Gsm7SingleSeptets = 160;
    public const int Gsm7PartSeptets = 153;
    public const int Ucs2SingleUnits = 70;
    public const int Ucs2PartUnits = 67;

    /// <summary>Septet cost of each char below 0x100: 0 = not in GSM-7, 1 = basic table, 2 = extension table.</summary>
    private static readonly byte[] Latin = BuildLatinTable();

    /// <summary>Every character of the GSM-7 basic table (1 septet each), for the vectorised search of runs in <see cref="Measure"/>.</summary>
    private static readonly SearchValues<char> BasicTable = SearchValues.Create(
        [.. Enumerable.Range(0, 0x100).Where(c => Latin[c] == 1).Select(c => (char)c), 'Δ', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ']);

    /// <summary>
    /// Measures <paramref name="text"/>. Null or empty text is GSM-7, 0 units, 1 segment (providers bill an empty body as one).
    /// A raw ESC (U+001B) in the input is not treated as GSM-7: it would be read as the start of an extension pair.
    /// </summary>
    public static SmsSegments Measure(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return new SmsSegments(SmsEncoding.Gsm7, 1, 0);
        }
        var span = text.AsSpan();

        // One pass checks every character and packs 153-septet parts (the packing counts only when the total exceeds 160).
        // Runs of basic-table characters (1 septet each, most of any text) are found with a vectorised search and packed
        // arithmetically; only the characters between runs (extension-table, or not GSM-7 at all) are looked at one by one.
        var septets = 0;
        var segments = 1;
        var used = 0;
        var rest = span;
        while (true)
        {
            var next = rest.IndexOfAnyExcept(BasicTable);
            var run = next < 0 ? rest.Length : next;
            if (run > 0)
            {
                // Greedy packing of `run` one-septet characters onto a part already holding `used`: every full part
                // passed starts a new one.
                septets += run;
                var total = used + run;
                var newParts = (total - 1) / Gsm7PartSeptets;
                segments += newParts;
                used = total - newParts * Gsm7PartSeptets;
            }
            if (next < 0)
            {
                break;
            }
            var cost = GsmCost(rest[next]);
            if (cost == 0)
            {
                return MeasureUcs2(span);
            }
            septets += cost;
            if (used + cost > Gsm7PartSeptets)
            {
                segments++;
                used = 0;
            }
            used += cost;
            rest = rest[(next + 1)..];
        }
        return new SmsSegments(SmsEncoding.Gsm7, septets <= Gsm7SingleSeptets ? 1 : segments, septets);
    }

    /// <summary>True when <paramref name="c"/> is in the GSM-7 basic or extension table.</summary>
    public static bool IsGsm7(char c) => GsmCost(c) != 0;

    /// <summary>Septets <paramref name="c"/> costs in GSM-7: 1 (basic), 2 (extension) or 0 when it is not representable.</summary>
    public static int GsmCost(char c)
    {
        if (c < 0x100)
        {
            return Latin[c];
        }
        return c switch
        {
            // Greek capitals of the basic table.
            'Δ' or 'Φ' or 'Γ' or 'Λ' or 'Ω' or 'Π' or 'Ψ' or 'Σ' or 'Θ' or 'Ξ' => 1,
            '€' => 2,
            _ => 0,
        };
    }

    private static SmsSegments MeasureUcs2(ReadOnlySpan<char> span)
    {
        var units = span.Length;
        if (units <= Ucs2SingleUnits)
        {
            return new SmsSegments(SmsEncoding.Ucs2, 1, units);
        }
        var segments = 1;
        var used = 0;
        for (var i = 0; i < span.Length; i++)
        {
            // A well-formed surrogate pair travels together; a lone surrogate is one unit like any other.
            var cost = char.IsHighSurrogate(span[i]) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]) ? 2 : 1;
            if (used + cost > Ucs2PartUnits)
            {
                segments++;
                used = 0;
            }
            used += cost;
            i += cost - 1;
        }
        return new SmsSegments(SmsEncoding.Ucs2, segments, units);
    }

    private static byte[] BuildLatinTable()
    {
        var table = new byte[0x100];
        const string basic = "@£$¥èéùìòÇ\nØø\rÅå_ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
        foreach (var c in basic)
        {
            table[c] = 1;
        }
        const string extension = "\f^{}\\[~]|";
        foreach (var c in extension)
        {
            table[c] = 2;
        }
        return table;
    }
}
