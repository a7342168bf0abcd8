using System.Globalization;
using HandlebarsDotNet.Iterators;
using HandlebarsDotNet.MemberAccessors;
using HandlebarsDotNet.ObjectDescriptors;
using HandlebarsDotNet.PathStructure;

namespace Omni.Core.Content;

/// <summary>
/// How Handlebars reads a <see cref="BoundedList"/>, in concrete types. Its own description of a list builds the iterator
/// and the member accessor with <c>MakeGenericMethod</c>/<c>MakeGenericType</c> over the list's type, which a Native AOT
/// binary cannot do for a type it never compiled (every <c>#each</c> over data failed there). This one uses Handlebars'
/// non-generic list iterator and reads <c>length</c>/<c>count</c> and numeric indexes (<c>items.[0]</c>, <c>lookup</c>)
/// itself; every item still goes through the list's indexer, so the render budget counts it.
/// </summary>
internal sealed class BoundedListDescriptorProvider : IObjectDescriptorProvider
{
    private static readonly ObjectDescriptor Descriptor = new(
        typeof(BoundedList), new Accessor(), static (_, _) => Array.Empty<object>(), static _ => new ListIterator<BoundedList>());

    public bool TryGetDescriptor(Type type, out ObjectDescriptor value)
    {
        var isList = type == typeof(BoundedList);
        value = isList ? Descriptor : ObjectDescriptor.Empty;
        return isList;
    }

    private sealed class Accessor : IMemberAccessor
    {
        public bool TryGetValue(object instance, ChainSegment memberName, out object? value)
        {
            var list = (BoundedList)instance;
            var name = memberName.TrimmedValue.AsSpan().Trim("[]");
            if (name.Equals("length", StringComparison.OrdinalIgnoreCase) || name.Equals("count", StringComparison.OrdinalIgnoreCase))
            {
                value = list.Count;
                return true;
            }
            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < list.Count)
            {
                value = list[index];
                return true;
            }
            value = null;
            return false;
        }
    }
}
