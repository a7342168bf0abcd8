using System.Collections;
using System.Diagnostics;
using System.Text;

namespace Omni.Core.Content;

/// <summary>A runtime limit of <see cref="TemplateLimits"/> was reached; rendering stops at once.</summary>
public sealed class TemplateLimitException(string message) : Exception(message);

/// <summary>
/// The runtime budget of one message's renders: items read from the data's lists (<see cref="TemplateLimits.MaxItemsPerMessage"/>)
/// and rendering time (<see cref="TemplateLimits.RenderBudget"/>), shared by every channel and part. Not thread-safe: one
/// message is composed on one thread. Rendering is synchronous, so the budget in force is a thread-static that
/// <see cref="BoundedList"/> reads (Handlebars gives a list no other way to reach its render).
/// </summary>
public sealed class RenderBudget(TimeSpan? time = null, int items = TemplateLimits.MaxItemsPerMessage)
{
    [ThreadStatic]
    private static RenderBudget? t_current;

    private readonly int _maxItems = items;
    private readonly long _timeTicks = (long)((time ?? TemplateLimits.RenderBudget).TotalSeconds * Stopwatch.Frequency);
    private long _spentTicks;
    private long _startedAt;
    private int _items;

    /// <summary>Makes this budget the one in force on this thread until the result is disposed; its clock runs meanwhile.</summary>
    internal Scope Enter()
    {
        _startedAt = Stopwatch.GetTimestamp();
        var previous = t_current;
        t_current = this;
        return new Scope(this, previous);
    }

    /// <summary>Throws when the time is spent.</summary>
    internal void CheckTime()
    {
        if (_spentTicks + Stopwatch.GetTimestamp() - _startedAt > _timeTicks)
        {
            throw new TemplateLimitException($"rendering took longer than {(long)(_timeTicks * 1000 / Stopwatch.Frequency)} ms; rendering stopped.");
        }
    }

    /// <summary>Counts one item read from a list at <paramref name="index"/>; throws past a limit.</summary>
    internal static void Read(int index)
    {
        if (index >= TemplateLimits.MaxItemsPerLoop)
        {
            throw new TemplateLimitException($"a loop passed {TemplateLimits.MaxItemsPerLoop} items; rendering stopped.");
        }
        if (t_current is not { } budget)
        {
            return;
        }
        if (++budget._items > budget._maxItems)
        {
            throw new TemplateLimitException($"the loops read more than {budget._maxItems} items; rendering stopped.");
        }
        budget.CheckTime();
    }

    internal readonly struct Scope(RenderBudget budget, RenderBudget? previous) : IDisposable
    {
        public void Dispose()
        {
            budget._spentTicks += Stopwatch.GetTimestamp() - budget._startedAt;
            t_current = previous;
        }
    }
}

/// <summary>
/// A list of the template data whose every item read counts against the render's <see cref="RenderBudget"/>, so loops over
/// loops stop even when they write nothing. Read-only; Handlebars iterates it by index or enumerator.
/// </summary>
public sealed class BoundedList(object?[] items) : IReadOnlyList<object?>, IList
{
    public int Count => items.Length;

    /// <summary><c>{{list.length}}</c>, as on the arrays lists used to be.</summary>
    public int Length => items.Length;

    public object? this[int index]
    {
        get
        {
            RenderBudget.Read(index);
            return items[index];
        }
        set => throw new NotSupportedException();
    }

    public IEnumerator<object?> GetEnumerator()
    {
        for (var i = 0; i < items.Length; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    bool IList.IsFixedSize => true;
    bool IList.IsReadOnly => true;
    bool ICollection.IsSynchronized => false;
    object ICollection.SyncRoot => items;
    int IList.Add(object? value) => throw new NotSupportedException();
    void IList.Clear() => throw new NotSupportedException();
    bool IList.Contains(object? value) => Array.IndexOf(items, value) >= 0;
    int IList.IndexOf(object? value) => Array.IndexOf(items, value);
    void IList.Insert(int index, object? value) => throw new NotSupportedException();
    void IList.Remove(object? value) => throw new NotSupportedException();
    void IList.RemoveAt(int index) => throw new NotSupportedException();
    void ICollection.CopyTo(Array array, int index) => throw new NotSupportedException();
}

/// <summary>
/// The writer a template renders into: it holds at most <paramref name="maxLength"/> characters and throws on the next
/// one, and checks the render's time on every write, so output and time are bounded by construction, not measured after.
/// </summary>
internal sealed class BoundedWriter(int maxLength, RenderBudget budget) : TextWriter
{
    private readonly StringBuilder _text = new();

    public override Encoding Encoding => Encoding.Unicode;

    public override void Write(char value) => Append([value]);

    public override void Write(string? value) => Append(value);

    public override void Write(char[] buffer, int index, int count) => Append(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer) => Append(buffer);

    public override void Write(StringBuilder? value)
    {
        foreach (var chunk in value?.GetChunks() ?? default)
        {
            Append(chunk.Span);
        }
    }

    public override string ToString() => _text.ToString();

    private void Append(ReadOnlySpan<char> value)
    {
        if (_text.Length + value.Length > maxLength)
        {
            throw new TemplateLimitException($"the template's output passed {maxLength} characters; rendering stopped.");
        }
        budget.CheckTime();
        _text.Append(value);
    }
}
