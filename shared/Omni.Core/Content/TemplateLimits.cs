namespace Omni.Core.Content;

/// <summary>
/// What a template may do (docs/templates.md, "Limits"). The static limits are checked when a template is saved; the
/// runtime limits bound every render (a send, a preview) whatever the data, so no template and no data can make Omni
/// build a huge string or spin (six nested loops over 20 items would write 64 million characters).
/// </summary>
public static class TemplateLimits
{
    /// <summary>Blocks (<c>#if</c>, <c>#each</c>, <c>#with</c>, sections) inside each other, at most.</summary>
    public const int MaxBlockDepth = 8;

    /// <summary>Loops inside each other, at most: a list of lists (order → lines) is fine, a third level multiplies.</summary>
    public const int MaxLoopDepth = 2;

    /// <summary>Items one loop may go through (one array of the data read past this index stops the render).</summary>
    public const int MaxItemsPerLoop = 1_000;

    /// <summary>Items all loops of one message (every channel and part) may go through together.</summary>
    public const int MaxItemsPerMessage = 20_000;

    /// <summary>Characters any one render may produce, whatever the part; a part's own contract limit is usually lower.</summary>
    public const int MaxOutputLength = 256 * 1024;

    /// <summary>
    /// Rendering time of one message (every channel and part; compiling not counted). A backstop only: the output and item
    /// limits stop an exploding template deterministically within milliseconds, while time is not deterministic (a GC pause,
    /// a loaded machine), and running out of it fails the step for good — so it is far above what any real template needs.
    /// </summary>
    public static readonly TimeSpan RenderBudget = TimeSpan.FromSeconds(2);

    /// <summary>Block helpers that do not iterate; any other block (<c>each</c>, a section over a list) may.</summary>
    private static readonly HashSet<string> NonLoopBlocks = new(StringComparer.Ordinal) { "if", "unless", "with" };

    /// <summary>
    /// Null when <paramref name="source"/> keeps to the static limits; otherwise why not and what is allowed. Reads only
    /// the tags (<c>{{#…}}</c>, <c>{{^…}}</c>, <c>{{/…}}</c>), skipping comments; it never compiles the source, so a
    /// pathological source is refused before the engine sees it. Unbalanced tags are left to the compiler's error.
    /// </summary>
    public static string? Inspect(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var open = new Stack<bool>(); // true: a loop
        var loops = 0;
        var position = 0;
        while ((position = source.IndexOf("{{", position, StringComparison.Ordinal)) >= 0)
        {
            var close = source.AsSpan(position).StartsWith("{{!--", StringComparison.Ordinal) ? "--}}" : "}}";
            var end = source.IndexOf(close, position + 2, StringComparison.Ordinal);
            if (end < 0)
            {
                return null;
            }
            var tag = source.AsSpan(position + 2, end - position - 2).Trim("{~ \t\r\n");
            position = end + close.Length;
            if (tag.Length < 2 || tag[0] is not ('#' or '^' or '/'))
            {
                continue;
            }
            if (tag[0] == '/')
            {
                if (open.Count > 0 && open.Pop())
                {
                    loops--;
                }
                continue;
            }
            var name = tag[1..].TrimStart("*> ");
            var space = name.IndexOfAny(" \t\r\n");
            var isLoop = tag[0] == '#' && !NonLoopBlocks.Contains((space < 0 ? name : name[..space]).ToString());
            open.Push(isLoop);
            loops += isLoop ? 1 : 0;
            if (open.Count > MaxBlockDepth)
            {
                return $"Blocks are nested {open.Count} deep; at most {MaxBlockDepth} are allowed.";
            }
            if (loops > MaxLoopDepth)
            {
                return $"Loops ({{{{#each}}}} or a section over a list) are nested {loops} deep; at most {MaxLoopDepth} are allowed "
                    + $"(each loop reads at most {MaxItemsPerLoop} items).";
            }
        }
        return null;
    }
}
