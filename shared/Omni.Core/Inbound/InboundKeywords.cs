using System.Globalization;
using System.Text;

namespace Omni.Core.Inbound;

/// <summary>What an inbound text asks for when it is, as a whole, a compliance keyword.</summary>
public enum KeywordKind
{
    /// <summary>Not a keyword: an ordinary reply.</summary>
    None,

    /// <summary>STOP and friends: revoke consent on the channel the contact wrote on.</summary>
    OptOut,

    /// <summary>START and friends: the contact's own opt-in (lifts an earlier opt-out on that channel).</summary>
    OptIn,

    /// <summary>HELP / INFO: answer with the help text.</summary>
    Help,
}

/// <summary>The verdict on one inbound text: the kind and the keyword as matched (normalised, e.g. "ARRET").</summary>
public sealed record KeywordMatch(KeywordKind Kind, string? Keyword)
{
    public static KeywordMatch None { get; } = new(KeywordKind.None, null);
}

/// <summary>
/// The keyword set and the answers for one of our sender numbers/addresses (the <c>To</c> of an inbound message).
/// Built by <see cref="KeywordBook"/>; the texts are what Omni sends back on the channel the contact used.
/// </summary>
public sealed record KeywordProfile
{
    public required string HelpText { get; init; }

    public required string OptOutConfirmation { get; init; }

    public required string OptInConfirmation { get; init; }

    /// <summary>Extra opt-out keywords (normalised with <see cref="InboundKeywords.Normalize"/>), on top of the built-in ones.</summary>
    public IReadOnlyCollection<string> ExtraOptOut { get; init; } = [];

    /// <summary>Extra opt-in keywords (normalised), on top of the built-in ones.</summary>
    public IReadOnlyCollection<string> ExtraOptIn { get; init; } = [];

    /// <summary>The answer Omni sends for <paramref name="kind"/>; null for <see cref="KeywordKind.None"/>.</summary>
    public string? ReplyFor(KeywordKind kind) => kind switch
    {
        KeywordKind.OptOut => OptOutConfirmation,
        KeywordKind.OptIn => OptInConfirmation,
        KeywordKind.Help => HelpText,
        _ => null,
    };
}

/// <summary>
/// Classifies an inbound text as a compliance keyword. The whole message must be the keyword: it is trimmed, upper-cased
/// (invariant), stripped of accents (ARRÊT = ARRET), of punctuation around it ("Stop!", "¿Ayuda?") and of spaces, hyphens
/// and underscores inside it ("opt-out", "STOP ALL"). "Please stop texting me" is not a keyword: carriers and the CTIA
/// handbook expect exact keywords, and a reply like that stays a reply for a person to read.
/// When a word is in more than one list, opt-out wins (a mistaken opt-out is recoverable, a missed one is not).
/// </summary>
public static class InboundKeywords
{
    /// <summary>Built-in opt-out keywords: the CTIA/carrier set plus French (ARRET) and Spanish (BAJA, ALTO, PARAR).</summary>
    public static IReadOnlyList<string> OptOut { get; } =
        ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "ARRET", "BAJA", "ALTO", "PARAR"];

    /// <summary>
    /// Built-in opt-in keywords: START, UNSTOP, YES, SUBSCRIBE, OPTIN, French REPRENDRE and DEMARRER (démarrer),
    /// Spanish ALTA (the usual opposite of BAJA) and COMENZAR.
    /// </summary>
    public static IReadOnlyList<string> OptIn { get; } =
        ["START", "UNSTOP", "YES", "SUBSCRIBE", "OPTIN", "REPRENDRE", "DEMARRER", "ALTA", "COMENZAR"];

    /// <summary>Built-in help keywords: HELP, INFO, French AIDE, Spanish AYUDA.</summary>
    public static IReadOnlyList<string> Help { get; } = ["HELP", "INFO", "AIDE", "AYUDA"];

    /// <summary>Longest text that is looked at; anything longer is never a keyword (and is not normalised).</summary>
    public const int MaxKeywordTextLength = 40;

    private static readonly HashSet<string> OptOutSet = new(OptOut, StringComparer.Ordinal);
    private static readonly HashSet<string> OptInSet = new(OptIn, StringComparer.Ordinal);
    private static readonly HashSet<string> HelpSet = new(Help, StringComparer.Ordinal);

    /// <summary>Classifies <paramref name="text"/> with the built-in lists and the <paramref name="profile"/>'s extra ones.</summary>
    public static KeywordMatch Classify(string? text, KeywordProfile? profile = null)
    {
        if (text is null || text.Length > MaxKeywordTextLength)
        {
            return KeywordMatch.None;
        }
        var word = Normalize(text);
        if (word.Length == 0)
        {
            return KeywordMatch.None;
        }
        if (OptOutSet.Contains(word) || (profile?.ExtraOptOut.Contains(word) ?? false))
        {
            return new KeywordMatch(KeywordKind.OptOut, word);
        }
        if (OptInSet.Contains(word) || (profile?.ExtraOptIn.Contains(word) ?? false))
        {
            return new KeywordMatch(KeywordKind.OptIn, word);
        }
        if (HelpSet.Contains(word))
        {
            return new KeywordMatch(KeywordKind.Help, word);
        }
        return KeywordMatch.None;
    }

    /// <summary>
    /// The comparable form of a keyword: accents removed, upper case (invariant), letters and digits only
    /// ("  Arrêt ! " → "ARRET", "opt-out" → "OPTOUT"). Text with anything but letters, digits, spaces, hyphens,
    /// underscores and punctuation normalises to "" (never a keyword).
    /// </summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var decomposed = text.Trim().Normalize(NormalizationForm.FormD);
        var result = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                continue; // the accent of a decomposed letter
            }
            if (char.IsLetterOrDigit(c))
            {
                result.Append(Fold(char.ToUpperInvariant(c)));
            }
            else if (char.IsWhiteSpace(c) || char.IsPunctuation(c))
            {
                // Separators and punctuation ("Stop!", "¿ayuda?", "opt-out", "stop all") do not count.
            }
            else
            {
                return ""; // emoji, symbols, control characters: a sentence, not a keyword
            }
        }
        return result.ToString();
    }

    /// <summary>
    /// The base letter of an accented Latin capital. FormD decomposition above does this where ICU is available; the app
    /// runs with invariant globalization (no normalisation data), so the letters of French and Spanish keywords are folded here.
    /// </summary>
    private static string Fold(char c) => c switch
    {
        'À' or 'Á' or 'Â' or 'Ã' or 'Ä' or 'Å' => "A",
        'Æ' => "AE",
        'Ç' => "C",
        'È' or 'É' or 'Ê' or 'Ë' => "E",
        'Ì' or 'Í' or 'Î' or 'Ï' => "I",
        'Ñ' => "N",
        'Ò' or 'Ó' or 'Ô' or 'Õ' or 'Ö' or 'Ø' => "O",
        'Œ' => "OE",
        'Ù' or 'Ú' or 'Û' or 'Ü' => "U",
        'Ý' or 'Ÿ' => "Y",
        _ => c.ToString(),
    };

    /// <summary>Splits a comma-separated keyword setting into normalised keywords (empty entries dropped).</summary>
    public static IReadOnlyCollection<string> ParseList(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return [];
        }
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var word = Normalize(part);
            if (word.Length > 0)
            {
                words.Add(word);
            }
        }
        return words;
    }
}
