using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Omni.Core.Content;

/// <summary>
/// What the message view and the timeline show of sent content (docs/messages.md, "What was sent"): its kind, a hash
/// of the body, and a masked preview — the first <see cref="PreviewLength"/> characters on one line (of a subject
/// <see cref="SubjectLength"/>), every digit replaced by <c>#</c> (one-time codes, amounts, numbers), "…" when cut. A <c>security</c> message (one-time codes,
/// password resets) shows no preview and no subject at all: only the kind and the hash.
/// </summary>
public static partial class ContentPreview
{
    /// <summary>Characters of text a preview keeps.</summary>
    public const int PreviewLength = 40;

    /// <summary>Characters of a subject a preview keeps: as many as a derived one has (<see cref="DerivedSubject.MaxLength"/>).</summary>
    public const int SubjectLength = DerivedSubject.MaxLength;

    /// <summary>Characters of the SHA-256 hex a <see cref="SentContent.Hash"/> keeps (64 bits: enough to tell bodies apart).</summary>
    public const int HashLength = 16;

    /// <summary>The category whose text is never shown (it carries codes and links that grant access).</summary>
    public const string WithheldCategory = "security";

    /// <summary>True when content of <paramref name="category"/> must not be previewed.</summary>
    public static bool IsWithheld(string? category) => string.Equals(category, WithheldCategory, StringComparison.Ordinal);

    /// <summary>Kind, hash and (unless <paramref name="category"/> is withheld) the masked subject and text of <paramref name="content"/>.</summary>
    public static SentContent Describe(RenderedContent content, string? category)
    {
        ArgumentNullException.ThrowIfNull(content);
        var withheld = IsWithheld(category);
        var body = content.Text ?? content.Html ?? "";
        return new SentContent(
            Kind(content),
            Hash(body),
            withheld || content.Subject is null ? null : Mask(content.Subject, SubjectLength),
            withheld ? null : Mask(content.Text ?? PlainText(body)));
    }

    /// <summary>"text", "html" or "text+html": what the provider received besides a subject.</summary>
    public static string Kind(RenderedContent content) => (content.Text, content.Html) switch
    {
        (not null, not null) => "text+html",
        (null, not null) => "html",
        _ => "text",
    };

    /// <summary>The first <see cref="HashLength"/> lower-case hex characters of the SHA-256 of the UTF-8 body.</summary>
    public static string Hash(string body) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)))[..HashLength];

    /// <summary>One line of at most <paramref name="maxLength"/> characters (then "…"), every digit replaced by '#'.</summary>
    public static string Mask(string text, int maxLength = PreviewLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        var line = OneLine(text);
        var builder = new StringBuilder(Math.Min(line.Length, maxLength) + 1);
        foreach (var c in Cut(line, maxLength))
        {
            builder.Append(char.IsDigit(c) ? '#' : c);
        }
        return builder.Length < line.Length ? builder.ToString().TrimEnd() + "…" : builder.ToString();
    }

    /// <summary>The readable text of an HTML body: scripts, styles and tags removed, entities decoded, whitespace collapsed.</summary>
    public static string PlainText(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        // Tags become spaces so block elements do not glue words; the space an inline tag leaves before punctuation goes.
        var text = OneLine(WebUtility.HtmlDecode(Tags().Replace(Hidden().Replace(html, " "), " ")));
        return SpaceBeforePunctuation().Replace(text, "$1");
    }

    /// <summary>Runs of whitespace (line breaks included) become one space; the ends are trimmed.</summary>
    internal static string OneLine(string text) => Whitespace().Replace(text, " ").Trim();

    /// <summary>The first <paramref name="length"/> characters, one fewer rather than half a surrogate pair.</summary>
    internal static string Cut(string text, int length) =>
        text.Length <= length ? text : text[..(char.IsHighSurrogate(text[length - 1]) ? length - 1 : length)];

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"<(script|style|head)\b[^>]*>.*?</\1\s*>", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex Hidden();

    [GeneratedRegex(@"<[^>]*>", RegexOptions.CultureInvariant)]
    private static partial Regex Tags();

    [GeneratedRegex(@" ([.,;:!?])", RegexOptions.CultureInvariant)]
    private static partial Regex SpaceBeforePunctuation();
}

/// <summary>What the message view and timeline show of one channel's content (<see cref="ContentPreview.Describe"/>).</summary>
/// <param name="Kind">"text", "html" or "text+html".</param>
/// <param name="Hash">First 16 hex characters of the SHA-256 of the UTF-8 body (the text; the html when there is no text).</param>
/// <param name="Subject">The masked subject (e-mail, push title); null when there is none or the category is <c>security</c>.</param>
/// <param name="Preview">The masked text (of the html when there is no text); null for the <c>security</c> category.</param>
public sealed record SentContent(string Kind, string Hash, string? Subject, string? Preview);
