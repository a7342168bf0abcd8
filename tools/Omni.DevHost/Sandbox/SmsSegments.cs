namespace Omni.DevHost.Sandbox;

/// <summary>
/// How many SMS segments a text takes (3GPP TS 23.038): GSM-7 when every character is in the basic or extension
/// table (extension characters cost two septets), 160 septets in one segment or 153 per segment when concatenated;
/// otherwise UCS-2, 70 UTF-16 units or 67 per segment. Escapes and surrogate pairs are not split across segments.
/// </summary>
public static class SmsSegments
{
    private const string Basic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    private const string Extension = "\f^{}\\[~]|€";

    public static int Count(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return 1;
        }
        if (text.All(c => Basic.Contains(c) || Extension.Contains(c)))
        {
            var units = text.Select(c => Extension.Contains(c) ? 2 : 1).ToList();
            return Pack(units, single: 160, perSegment: 153);
        }
        var ucs = new List<int>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var pair = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            ucs.Add(pair ? 2 : 1);
            if (pair)
            {
                i++;
            }
        }
        return Pack(ucs, single: 70, perSegment: 67);
    }

    private static int Pack(List<int> units, int single, int perSegment)
    {
        if (units.Sum() <= single)
        {
            return 1;
        }
        int segments = 1, used = 0;
        foreach (var unit in units)
        {
            if (used + unit > perSegment)
            {
                segments++;
                used = 0;
            }
            used += unit;
        }
        return segments;
    }
}
