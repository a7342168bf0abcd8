namespace Omni.Core.Content;

/// <summary>
/// The locales tried for a template, in order: the request's locale and its parents, then the contact's locale and its
/// parents, then the template's default (RFC 4647 "lookup": a tag is shortened from the end, <c>zh-Hant-TW → zh-Hant →
/// zh</c>; a single-letter singleton left at the end is dropped with its subtag, so <c>en-x-acme</c> → <c>en</c>).
/// Duplicates are dropped (compared case-insensitively).
/// </summary>
public static class LocaleFallback
{
    public static IReadOnlyList<string> Chain(string? requestLocale, string? contactLocale, string? defaultLocale)
    {
        var chain = new List<string>();
        void Add(string candidate)
        {
            if (!chain.Contains(candidate, StringComparer.OrdinalIgnoreCase))
            {
                chain.Add(candidate);
            }
        }
        foreach (var locale in new[] { requestLocale, contactLocale })
        {
            if (string.IsNullOrWhiteSpace(locale))
            {
                continue;
            }
            foreach (var candidate in WithParents(locale.Trim()))
            {
                Add(candidate);
            }
        }
        if (!string.IsNullOrWhiteSpace(defaultLocale))
        {
            Add(defaultLocale.Trim());
        }
        return chain;
    }

    /// <summary><paramref name="locale"/> then each shorter prefix: fr-CA → fr.</summary>
    public static IEnumerable<string> WithParents(string locale)
    {
        var current = locale;
        while (current.Length > 0)
        {
            yield return current;
            var dash = current.LastIndexOf('-');
            if (dash <= 0)
            {
                yield break;
            }
            current = current[..dash];
            // A singleton ("x", "u") cannot end a tag: drop it with the subtag it introduced.
            var previous = current.LastIndexOf('-');
            if (previous > 0 && current.Length - previous - 1 == 1)
            {
                current = current[..previous];
            }
        }
    }
}
