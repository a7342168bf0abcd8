namespace Omni.Core.Stats;

/// <summary>
/// Decides whether an inbound reply is a satisfaction score: the reply's text, trimmed, is a single digit 1–5, it came
/// within <see cref="Window"/> after our message was first sent, and that message carries the request tag
/// <see cref="Tag"/> (case-insensitive). Pure: the inbound processor passes what it already knows.
/// </summary>
public static class CsatClassifier
{
    /// <summary>The request tag that marks a message as a rating prompt.</summary>
    public const string Tag = "csat";

    public const int MinScore = 1;

    public const int MaxScore = 5;

    /// <summary>How long after the prompt a digit still counts as its answer.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    /// <summary>The score, or null when the reply is not a rating of the prompt.</summary>
    /// <param name="replyText">What the contact wrote.</param>
    /// <param name="promptTags">The request tags of the message the reply threads to (null or empty: not a prompt).</param>
    /// <param name="promptSentAt">When that message was first sent (its attempt's start).</param>
    /// <param name="replyAt">When the reply was written.</param>
    public static int? Classify(string? replyText, IReadOnlyList<string>? promptTags, DateTimeOffset promptSentAt, DateTimeOffset replyAt)
    {
        if (promptTags is null || !promptTags.Any(t => string.Equals(t, Tag, StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }
        if (replyAt < promptSentAt || replyAt - promptSentAt > Window)
        {
            return null;
        }
        var text = replyText?.Trim();
        if (text is not { Length: 1 } || text[0] < '0' + MinScore || text[0] > '0' + MaxScore)
        {
            return null;
        }
        return text[0] - '0';
    }
}
