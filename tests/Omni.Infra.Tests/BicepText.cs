using System.Text;
using System.Text.RegularExpressions;

namespace Omni.Infra.Tests;

/// <summary>A resource declaration: <c>resource sym 'type@api' [existing] = [for x in xs:] [if (c)] { body }</c>.</summary>
internal sealed record BicepResource(
    string Symbol, string Type, string ApiVersion, bool Existing, string? LoopVariable, string? LoopSource, string? Condition, string Body)
{
    public bool IsLoop => LoopSource is not null;
}

/// <summary>A module declaration: <c>module sym 'path' = [if (c)] { body }</c>.</summary>
internal sealed record BicepModule(string Symbol, string Path, string? Condition, string Body);

/// <summary>
/// Just enough Bicep structure for the cross-checks: comments removed, brackets matched with strings (including
/// <c>${...}</c> interpolation and <c>'''</c> blocks) skipped, declarations split into their parts. Syntax errors are
/// the tree-sitter check's job (infra/tools/check-bicep.mjs); this reads files that parse.
/// </summary>
internal static partial class BicepText
{
    public static string StripComments(string text)
    {
        var result = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '\'')
            {
                var end = SkipString(text, i);
                result.Append(text, i, end - i);
                i = end;
            }
            else if (At(text, i, "//"))
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }
            }
            else if (At(text, i, "/*"))
            {
                var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                end = end < 0 ? text.Length : end + 2;
                result.Append('\n', text.AsSpan(i, end - i).Count('\n'));
                i = end;
            }
            else
            {
                result.Append(text[i++]);
            }
        }
        return result.ToString();
    }

    /// <summary>The text from the bracket at <paramref name="open"/> through its matching close bracket.</summary>
    public static string Balanced(string text, int open)
    {
        var end = MatchingClose(text, open);
        return text[open..(end + 1)];
    }

    public static IReadOnlyList<BicepResource> Resources(string text)
    {
        text = StripComments(text);
        var resources = new List<BicepResource>();
        foreach (Match m in ResourceHeader().Matches(text))
        {
            var i = SkipSpace(text, m.Index + m.Length);
            string? loopVariable = null, loopSource = null, condition = null;
            if (text[i] == '[')
            {
                var loop = LoopHeader().Match(text, i);
                if (!loop.Success || loop.Index != i)
                {
                    continue;
                }
                loopVariable = loop.Groups["var"].Value;
                var colon = IndexAtDepthZero(text, loop.Index + loop.Length, ':');
                loopSource = text[(loop.Index + loop.Length)..colon].Trim();
                i = SkipSpace(text, colon + 1);
            }
            if (At(text, i, "if"))
            {
                var open = text.IndexOf('(', i);
                condition = Balanced(text, open);
                i = SkipSpace(text, open + condition.Length);
            }
            if (text[i] != '{')
            {
                continue;
            }
            resources.Add(new BicepResource(
                m.Groups["sym"].Value, m.Groups["type"].Value, m.Groups["api"].Value, m.Groups["existing"].Success,
                loopVariable, loopSource, condition, Balanced(text, i)));
        }
        return resources;
    }

    public static IReadOnlyList<BicepModule> Modules(string text)
    {
        text = StripComments(text);
        var modules = new List<BicepModule>();
        foreach (Match m in ModuleHeader().Matches(text))
        {
            var i = SkipSpace(text, m.Index + m.Length);
            string? condition = null;
            if (At(text, i, "if"))
            {
                var open = text.IndexOf('(', i);
                condition = Balanced(text, open);
                i = SkipSpace(text, open + condition.Length);
            }
            if (text[i] == '{')
            {
                modules.Add(new BicepModule(m.Groups["sym"].Value, m.Groups["path"].Value, condition, Balanced(text, i)));
            }
        }
        return modules;
    }

    /// <summary>The expression of <c>var name = expression</c> (brackets balanced), or null.</summary>
    public static string? Variable(string text, string name)
    {
        text = StripComments(text);
        var m = Regex.Match(text, $@"(?m)^\s*var\s+{Regex.Escape(name)}\s*=\s*");
        if (!m.Success)
        {
            return null;
        }
        var i = m.Index + m.Length;
        if (text[i] is '[' or '{')
        {
            return Balanced(text, i);
        }
        var end = text.IndexOf('\n', i);
        return (end < 0 ? text[i..] : text[i..end]).Trim();
    }

    /// <summary>Names of every <c>var</c> in the file.</summary>
    public static IReadOnlyList<string> VariableNames(string text) =>
        VariableName().Matches(StripComments(text)).Select(m => m.Groups[1].Value).ToList();

    /// <summary>The value text of the first <c>name: value</c> line in <paramref name="block"/> (any depth), or null.</summary>
    public static string? Property(string block, string name)
    {
        var m = Regex.Match(block, $@"(?m)^\s*'?{Regex.Escape(name)}'?\s*:\s*(?<v>.+?)\s*$");
        return m.Success ? m.Groups["v"].Value : null;
    }

    /// <summary>The <c>{...}</c> or <c>[...]</c> value of the first <c>name: {</c> in <paramref name="block"/>, or null.</summary>
    public static string? PropertyBlock(string block, string name)
    {
        var m = Regex.Match(block, $@"(?m)^\s*'?{Regex.Escape(name)}'?\s*:\s*(?=[\[{{])");
        return m.Success ? Balanced(block, m.Index + m.Length) : null;
    }

    /// <summary>Every <c>name: 'literal'</c> value in <paramref name="block"/>.</summary>
    public static IReadOnlyList<string> StringValuesOf(string block, string name) =>
        Regex.Matches(block, $@"(?m)^\s*{Regex.Escape(name)}\s*:\s*'(?<v>[^'$]*)'").Select(m => m.Groups["v"].Value).ToList();

    /// <summary>The top-level <c>{ ... }</c> items of an array literal <c>[ {..} {..} ]</c>.</summary>
    public static IReadOnlyList<string> ObjectItems(string arrayLiteral)
    {
        var items = new List<string>();
        for (var i = 1; i < arrayLiteral.Length - 1; i++)
        {
            if (arrayLiteral[i] == '\'')
            {
                i = SkipString(arrayLiteral, i) - 1;
            }
            else if (arrayLiteral[i] == '{')
            {
                var item = Balanced(arrayLiteral, i);
                items.Add(item);
                i += item.Length - 1;
            }
        }
        return items;
    }

    private static int MatchingClose(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\'')
            {
                i = SkipString(text, i) - 1;
            }
            else if (c is '{' or '[' or '(')
            {
                depth++;
            }
            else if (c is '}' or ']' or ')')
            {
                if (--depth == 0)
                {
                    return i;
                }
            }
        }
        throw new FormatException($"Unbalanced bracket at offset {open}.");
    }

    private static int IndexAtDepthZero(string text, int start, char wanted)
    {
        var depth = 0;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\'')
            {
                i = SkipString(text, i) - 1;
            }
            else if (c is '{' or '[' or '(')
            {
                depth++;
            }
            else if (c is '}' or ']' or ')')
            {
                depth--;
            }
            else if (c == wanted && depth == 0)
            {
                return i;
            }
        }
        throw new FormatException($"No '{wanted}' after offset {start}.");
    }

    /// <summary>The index just past the string literal that starts at <paramref name="start"/>.</summary>
    private static int SkipString(string text, int start)
    {
        if (At(text, start, "'''"))
        {
            var end = text.IndexOf("'''", start + 3, StringComparison.Ordinal);
            return end < 0 ? text.Length : end + 3;
        }
        for (var i = start + 1; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '\\':
                    i++;
                    break;
                case '\'':
                    return i + 1;
                case '$' when i + 1 < text.Length && text[i + 1] == '{':
                    i = MatchingClose(text, i + 1);
                    break;
            }
        }
        return text.Length;
    }

    private static int SkipSpace(string text, int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }
        return i;
    }

    private static bool At(string text, int i, string token) =>
        string.CompareOrdinal(text, i, token, 0, token.Length) == 0;

    [GeneratedRegex(@"(?m)^\s*resource\s+(?<sym>\w+)\s+'(?<type>[^'@]+)@(?<api>[^']+)'\s*(?<existing>existing\s*)?=")]
    private static partial Regex ResourceHeader();

    [GeneratedRegex(@"(?m)^\s*module\s+(?<sym>\w+)\s+'(?<path>[^']+)'\s*=")]
    private static partial Regex ModuleHeader();

    [GeneratedRegex(@"\[\s*for\s+(?<var>\w+|\(\s*\w+\s*,\s*\w+\s*\))\s+in\s+")]
    private static partial Regex LoopHeader();

    [GeneratedRegex(@"(?m)^\s*var\s+(\w+)\s*=")]
    private static partial Regex VariableName();
}
