namespace Omni.Core.Content;

/// <summary>
/// An e-mail subject for content that has none (docs/templates.md, "E-mail without a subject"): the brand name
/// (<c>Brand__Name</c>), ": ", then the body's first line — its first sentence when the line is too long and that
/// sentence fills at least half the room — cut at a word boundary with "…", at most <see cref="MaxLength"/> characters in all.
/// </summary>
public static class DerivedSubject
{
    /// <summary>RFC 5322's recommended line length: a subject that short shows whole in most inboxes.</summary>
    public const int MaxLength = 78;

    /// <summary>A brand name longer than this is left out (it would leave too little room for the text).</summary>
    private const int MaxBrandLength = 30;

    /// <summary>The subject of a message whose body must not show in it (a <c>security</c> message): a fixed text.</summary>
    public static string Withheld(string? brandName) =>
        Brand(brandName) is { } brand ? $"{brand}: security message" : "Security message";

    /// <param name="brandName">The configured brand name, or null.</param>
    /// <param name="body">The content's text (or the readable text of its html).</param>
    /// <returns>The subject, or null when neither a brand name nor any text is there.</returns>
    public static string? From(string? brandName, string? body)
    {
        var brand = Brand(brandName);
        var line = FirstLine(body ?? "");
        if (line.Length == 0)
        {
            return brand;
        }
        var prefix = brand is null ? "" : brand + ": ";
        return prefix + Shorten(line, MaxLength - prefix.Length);
    }

    private static string? Brand(string? brandName)
    {
        var brand = string.IsNullOrWhiteSpace(brandName) ? null : ContentPreview.OneLine(brandName);
        return brand is { Length: > MaxBrandLength } ? null : brand;
    }

    private static string FirstLine(string body)
    {
        foreach (var line in body.Split('\n'))
        {
            var trimmed = ContentPreview.OneLine(line);
            if (trimmed.Length > 0)
            {
                return trimmed;
            }
        }
        return "";
    }

    private static string Shorten(string line, int room)
    {
        if (line.Length <= room)
        {
            return line;
        }
        // A whole sentence reads better than a cut one, if it says enough.
        for (var i = room - 1; i >= room / 2; i--)
        {
            if (line[i] is '.' or '!' or '?' && line[i + 1] == ' ')
            {
                return line[..(i + 1)];
            }
        }
        var cut = ContentPreview.Cut(line, room - 1);
        var space = cut.LastIndexOf(' ');
        return (space >= room / 2 ? cut[..space] : cut).TrimEnd() + "…";
    }
}
