using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Omni.Infra.Tests;

/// <summary>
/// Checks on the documentation a user reads: README.md, SECURITY.md and docs/**/*.md (links), plus functions/**/*.http
/// (wording). Every relative link must reach a file or folder of the repository, and a <c>#anchor</c> into a Markdown
/// file must match one of its headings as GitHub slugs them; no page may point outside the repository or carry notes
/// about how the project was run. Pure over a root folder, so the tests can run it on a crafted copy.
/// </summary>
internal static partial class DocsCheck
{
    /// <summary>Phrases that point outside the repository or are process notes, with what each one catches.</summary>
    public static readonly IReadOnlyList<(Regex Pattern, string Why)> ForbiddenPhrases =
    [
        (Phrase(@"shared/reference"), "a folder outside the repository"),
        (Phrase(@"shared/DESIGN"), "a design page outside the repository"),
        (Phrase(@"steering repo"), "a repository users cannot see"),
        (Phrase(@"\bthe issues?\b"), "an issue tracker entry instead of the fact"),
        (Phrase(@"\(issue\s"), "an issue number instead of the fact"),
        (Phrase(@"\bissue\s*#"), "an issue number instead of the fact"),
        (Phrase(@"\bissue\s+\d"), "an issue number instead of the fact"),
        (Phrase(@"agreed list"), "a process note"),
        // Whole word, singular: Service Bus terms (SessionId, "sessions") stay allowed; "this session" does not.
        (Phrase(@"\bsession\b"), "a note about a work session"),
    ];

    private static Regex Phrase(string pattern) => new(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>The Markdown files whose links are checked, relative to <paramref name="root"/>.</summary>
    public static IEnumerable<string> MarkdownFiles(string root)
    {
        foreach (var top in new[] { "README.md", "SECURITY.md" })
        {
            if (File.Exists(Path.Combine(root, top)))
            {
                yield return top;
            }
        }
        var docs = Path.Combine(root, "docs");
        if (Directory.Exists(docs))
        {
            foreach (var file in Directory.EnumerateFiles(docs, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                yield return Relative(root, file);
            }
        }
    }

    /// <summary>Every file whose wording is checked: the Markdown files and the functions' .http files.</summary>
    public static IEnumerable<string> WordedFiles(string root)
    {
        foreach (var file in MarkdownFiles(root))
        {
            yield return file;
        }
        var functions = Path.Combine(root, "functions");
        if (Directory.Exists(functions))
        {
            foreach (var file in Directory.EnumerateFiles(functions, "*.http", SearchOption.AllDirectories)
                         .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj" or "node_modules"))
                         .Order(StringComparer.Ordinal))
            {
                yield return Relative(root, file);
            }
        }
    }

    /// <summary>Relative links that reach no file, or an anchor that no heading has: <c>file:line: link → why</c>.</summary>
    public static List<string> LinkGaps(string root)
    {
        var gaps = new List<string>();
        var anchors = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var fullRoot = Path.GetFullPath(root);
        foreach (var file in MarkdownFiles(root))
        {
            var text = File.ReadAllText(Path.Combine(root, file));
            foreach (var (line, target) in Links(text))
            {
                if (Uri.TryCreate(target, UriKind.Absolute, out var absolute) && absolute.Scheme.Length > 1)
                {
                    continue; // https:, mailto: … — public addresses are fine
                }
                var hash = target.IndexOf('#');
                var pathPart = hash < 0 ? target : target[..hash];
                var anchor = hash < 0 ? null : target[(hash + 1)..];
                var query = pathPart.IndexOf('?');
                if (query >= 0)
                {
                    pathPart = pathPart[..query];
                }
                pathPart = Uri.UnescapeDataString(pathPart);
                string resolved;
                if (pathPart.Length == 0)
                {
                    resolved = Path.GetFullPath(Path.Combine(fullRoot, file));
                }
                else if (pathPart.StartsWith('/'))
                {
                    resolved = Path.GetFullPath(Path.Combine(fullRoot, pathPart.TrimStart('/')));
                }
                else
                {
                    resolved = Path.GetFullPath(Path.Combine(fullRoot, Path.GetDirectoryName(file) ?? "", pathPart));
                }
                var where = $"{file}:{line}: ({target})";
                if (!resolved.StartsWith(fullRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal) && resolved != fullRoot)
                {
                    gaps.Add($"{where} leaves the repository");
                    continue;
                }
                if (!File.Exists(resolved) && !Directory.Exists(resolved))
                {
                    gaps.Add($"{where} no such file: {Relative(fullRoot, resolved)}");
                    continue;
                }
                if (anchor is { Length: > 0 } && resolved.EndsWith(".md", StringComparison.OrdinalIgnoreCase) && File.Exists(resolved))
                {
                    if (!anchors.TryGetValue(resolved, out var known))
                    {
                        known = Anchors(File.ReadAllText(resolved));
                        anchors[resolved] = known;
                    }
                    if (!known.Contains(Uri.UnescapeDataString(anchor).ToLowerInvariant()))
                    {
                        gaps.Add($"{where} no heading '#{anchor}' in {Relative(fullRoot, resolved)}");
                    }
                }
            }
        }
        return gaps;
    }

    /// <summary>Forbidden phrases: <c>file:line: 'phrase' (why)</c>.</summary>
    public static List<string> PhraseGaps(string root)
    {
        var gaps = new List<string>();
        foreach (var file in WordedFiles(root))
        {
            var lines = File.ReadAllLines(Path.Combine(root, file));
            for (var i = 0; i < lines.Length; i++)
            {
                foreach (var (pattern, why) in ForbiddenPhrases)
                {
                    foreach (Match match in pattern.Matches(lines[i]))
                    {
                        gaps.Add($"{file}:{i + 1}: '{match.Value}' ({why})");
                    }
                }
            }
        }
        return gaps;
    }

    /// <summary>
    /// Secrets shown in URLs, where hosts, proxies and browsers log them: a function key as <c>?code=</c> (allowed only
    /// on a line about the dashboard, which a browser opens and which cannot send a header) and the ACS webhook secret
    /// as <c>?secret=</c> after the webhook's path. Checked in every worded file and tools/smoke.sh: <c>file:line: why</c>.
    /// </summary>
    public static List<string> SecretInUrlGaps(string root)
    {
        var gaps = new List<string>();
        var files = WordedFiles(root).Append("tools/smoke.sh").Where(f => File.Exists(Path.Combine(root, f)));
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(Path.Combine(root, file));
            for (var i = 0; i < lines.Length; i++)
            {
                if (KeyInQuery().IsMatch(lines[i]) && !lines[i].Contains("dashboard", StringComparison.OrdinalIgnoreCase))
                {
                    gaps.Add($"{file}:{i + 1}: a function key in the URL (?code=): send the x-functions-key header");
                }
                if (AcsSecretInQuery().IsMatch(lines[i]))
                {
                    gaps.Add($"{file}:{i + 1}: the ACS webhook secret in the URL (?secret=): it goes in the X-Omni-Secret header");
                }
            }
        }
        return gaps;
    }

    [GeneratedRegex(@"[?&]code=", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex KeyInQuery();

    [GeneratedRegex(@"webhooks/acs\?[^\s`]*secret=", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AcsSecretInQuery();

    /// <summary>Inline and reference-style link targets outside code, with their 1-based line numbers.</summary>
    public static IEnumerable<(int Line, string Target)> Links(string markdown)
    {
        foreach (var (number, line) in LinesOutsideCode(markdown))
        {
            var prose = CodeSpan().Replace(line, m => new string(' ', m.Length));
            foreach (Match match in InlineLink().Matches(prose))
            {
                yield return (number, Target(match.Groups["target"].Value));
            }
            if (ReferenceDefinition().Match(prose) is { Success: true } definition)
            {
                yield return (number, Target(definition.Groups["target"].Value));
            }
        }
    }

    /// <summary>The lines of a Markdown text outside fenced code blocks, with their 1-based numbers.</summary>
    private static IEnumerable<(int Number, string Line)> LinesOutsideCode(string markdown)
    {
        var lines = markdown.Split('\n');
        var fence = (string?)null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            var trimmed = line.TrimStart();
            if (fence is not null)
            {
                if (trimmed.StartsWith(fence, StringComparison.Ordinal))
                {
                    fence = null;
                }
                continue;
            }
            if (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal))
            {
                fence = trimmed[..3];
                continue;
            }
            yield return (i + 1, line);
        }
    }

    private static string Target(string raw)
    {
        var target = raw.Trim();
        if (target.StartsWith('<') && target.IndexOf('>') is > 0 and var close)
        {
            return target[1..close];
        }
        var space = target.IndexOf(' ');
        return space < 0 ? target : target[..space]; // drop a "title"
    }

    /// <summary>The anchors GitHub gives a Markdown file's headings (and explicit <c>id</c>/<c>name</c> anchors).</summary>
    public static HashSet<string> Anchors(string markdown)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, line) in LinesOutsideCode(markdown))
        {
            foreach (Match explicitAnchor in HtmlAnchor().Matches(line))
            {
                result.Add(explicitAnchor.Groups["id"].Value.ToLowerInvariant());
            }
            if (Heading().Match(line) is not { Success: true } heading)
            {
                continue;
            }
            var slug = Slug(heading.Groups["text"].Value);
            if (seen.TryGetValue(slug, out var count))
            {
                seen[slug] = count + 1;
                result.Add($"{slug}-{count}");
            }
            else
            {
                seen[slug] = 1;
                result.Add(slug);
            }
        }
        return result;
    }

    /// <summary>GitHub's heading slug: link text kept, lower case, punctuation dropped, spaces to hyphens.</summary>
    public static string Slug(string heading)
    {
        var text = MarkdownLink().Replace(heading.Trim().TrimEnd('#').Trim(), m => m.Groups["text"].Value);
        text = HtmlTag().Replace(text, "");
        var slug = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            var category = char.GetUnicodeCategory(c);
            if (c is '-' or '_' || char.IsLetterOrDigit(c) || category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }
        return slug.ToString();
    }

    private static string Relative(string root, string path) =>
        Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');

    [GeneratedRegex(@"(`+)(?:(?!\1).)+?\1")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\((?<target>[^()\s]*(?:\([^()]*\)[^()\s]*)*(?:\s+""[^""]*"")?)\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"^\s{0,3}\[[^\]]+\]:\s*(?<target>\S+)")]
    private static partial Regex ReferenceDefinition();

    [GeneratedRegex(@"^\s{0,3}#{1,6}\s+(?<text>.+)$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"<[^>]+>")]
    private static partial Regex HtmlTag();

    [GeneratedRegex(@"<a\s+(?:id|name)=""(?<id>[^""]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlAnchor();
}
