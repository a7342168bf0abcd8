using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Omni.Core;

/// <summary>Typed, source-generated metadata out of an options instance, for the <see cref="JsonTypeInfo{T}"/> overloads.</summary>
public static class JsonOptionsExtensions
{
    /// <summary>
    /// The metadata of <typeparamref name="T"/> from the options' resolver (a source-generated context), with the
    /// options' own settings (encoder, null handling). Throws <see cref="NotSupportedException"/> when the context lacks the type.
    /// Locks the options first: metadata of mutable options is built anew on every call, of locked ones once and cached.
    /// </summary>
    public static JsonTypeInfo<T> TypeInfo<T>(this JsonSerializerOptions options)
    {
        options.MakeReadOnly();
        return (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
    }
}
