namespace Omni.Core.Inbound;

/// <summary>
/// One set of keyword settings as configured (every field optional): <c>HelpText</c>, <c>OptOutConfirmation</c>,
/// <c>OptInConfirmation</c>, <c>ExtraOptOut</c> and <c>ExtraOptIn</c> (comma-separated keyword lists).
/// </summary>
public sealed record KeywordSettings
{
    public string? HelpText { get; init; }

    public string? OptOutConfirmation { get; init; }

    public string? OptInConfirmation { get; init; }

    public string? ExtraOptOut { get; init; }

    public string? ExtraOptIn { get; init; }
}

/// <summary>
/// The keyword answers per sender (our number or address an inbound message was sent to). A sender's own settings
/// override the defaults field by field; the defaults override the built-in texts. Built-in texts are short GSM-7
/// (one SMS segment with a brand of up to ~25 characters) and start with the brand when one is configured.
/// </summary>
public sealed class KeywordBook
{
    private readonly string? _brand;
    private readonly KeywordSettings _defaults;
    private readonly Dictionary<string, KeywordSettings> _senders;

    /// <param name="brand">Shown at the start of the built-in texts ("Acme: …"); null or blank for none.</param>
    /// <param name="defaults">Settings for every sender.</param>
    /// <param name="senders">Settings per sender, keyed by <see cref="SenderKey"/> of the sender (or the digits of a phone number).</param>
    public KeywordBook(string? brand = null, KeywordSettings? defaults = null, IReadOnlyDictionary<string, KeywordSettings>? senders = null)
    {
        _brand = string.IsNullOrWhiteSpace(brand) ? null : brand.Trim();
        _defaults = defaults ?? new KeywordSettings();
        _senders = new Dictionary<string, KeywordSettings>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, settings) in senders ?? new Dictionary<string, KeywordSettings>())
        {
            _senders[SenderKey(key)] = settings;
        }
    }

    /// <summary>Built-in opt-out confirmation (before the brand prefix).</summary>
    public const string BuiltInOptOut = "You are unsubscribed and will get no more messages here. Reply START to resubscribe.";

    /// <summary>Built-in opt-in confirmation (before the brand prefix).</summary>
    public const string BuiltInOptIn = "You are subscribed again. Reply STOP to unsubscribe, HELP for help.";

    /// <summary>Built-in help text (before the brand prefix).</summary>
    public const string BuiltInHelp = "Reply STOP to unsubscribe, START to resubscribe. Msg & data rates may apply.";

    /// <summary>
    /// The settings key of a sender: the digits of a phone number ("+44 7400 123456" → "447400123456"); for anything
    /// else (a WhatsApp channel registration GUID, a mailbox) its letters and digits, lower case.
    /// </summary>
    public static string SenderKey(string? sender)
    {
        if (string.IsNullOrWhiteSpace(sender))
        {
            return "";
        }
        var trimmed = sender.Trim();
        var looksLikePhone = trimmed.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '-' or '(' or ')' or '.');
        return looksLikePhone
            ? new string(trimmed.Where(char.IsAsciiDigit).ToArray())
            : new string(trimmed.Where(char.IsAsciiLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
    }

    /// <summary>The profile for messages sent to <paramref name="sender"/> (the defaults when it has no settings of its own).</summary>
    public KeywordProfile For(string? sender)
    {
        var own = _senders.GetValueOrDefault(SenderKey(sender));
        return new KeywordProfile
        {
            HelpText = Pick(own?.HelpText, _defaults.HelpText) ?? Branded(BuiltInHelp),
            OptOutConfirmation = Pick(own?.OptOutConfirmation, _defaults.OptOutConfirmation) ?? Branded(BuiltInOptOut),
            OptInConfirmation = Pick(own?.OptInConfirmation, _defaults.OptInConfirmation) ?? Branded(BuiltInOptIn),
            ExtraOptOut = InboundKeywords.ParseList(Pick(own?.ExtraOptOut, _defaults.ExtraOptOut)),
            ExtraOptIn = InboundKeywords.ParseList(Pick(own?.ExtraOptIn, _defaults.ExtraOptIn)),
        };
    }

    private string Branded(string text) => _brand is null ? text : $"{_brand}: {text}";

    private static string? Pick(string? own, string? fallback) =>
        !string.IsNullOrWhiteSpace(own) ? own.Trim() : !string.IsNullOrWhiteSpace(fallback) ? fallback.Trim() : null;
}
