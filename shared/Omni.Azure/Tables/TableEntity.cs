using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Azure;

namespace Omni.Azure.Tables;

/// <summary>
/// A schemaless entity: a dictionary of property name to value, plus the keys, timestamp and ETag.
/// Values are string, int, long, double, bool, DateTimeOffset (or DateTime), Guid, byte[] (or BinaryData) or null;
/// typed getters read them back with lossless conversions only.
/// </summary>
public sealed class TableEntity : ITableEntity, IDictionary<string, object?>, IReadOnlyDictionary<string, object?>
{
    internal const string PartitionKeyName = "PartitionKey";
    internal const string RowKeyName = "RowKey";
    internal const string TimestampName = "Timestamp";

    private readonly Dictionary<string, object?> _properties;

    /// <summary>Creates an empty entity.</summary>
    public TableEntity() => _properties = new Dictionary<string, object?>(StringComparer.Ordinal);

    /// <summary>Creates an entity with the given keys.</summary>
    public TableEntity(string partitionKey, string rowKey) : this()
    {
        PartitionKey = partitionKey;
        RowKey = rowKey;
    }

    /// <summary>Creates an entity holding a copy of <paramref name="values"/>.</summary>
    public TableEntity(IDictionary<string, object?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _properties = new Dictionary<string, object?>(values, StringComparer.Ordinal);
    }

    internal TableEntity(int capacity) => _properties = new Dictionary<string, object?>(capacity, StringComparer.Ordinal);

    /// <inheritdoc />
    public string PartitionKey
    {
        get => GetString(PartitionKeyName)!;
        set => _properties[PartitionKeyName] = value;
    }

    /// <inheritdoc />
    public string RowKey
    {
        get => GetString(RowKeyName)!;
        set => _properties[RowKeyName] = value;
    }

    /// <inheritdoc />
    public DateTimeOffset? Timestamp
    {
        get => GetDateTimeOffset(TimestampName);
        set => _properties[TimestampName] = value;
    }

    /// <inheritdoc />
    public ETag ETag { get; set; }

    /// <summary>Gets or sets a property; reading a missing property throws <see cref="KeyNotFoundException"/>.</summary>
    public object? this[string key]
    {
        get => _properties[key];
        set => _properties[key] = value;
    }

    /// <summary>The property as a string, or null when absent.</summary>
    public string? GetString(string key) => TryGetRaw(key, out var value) ? value as string ?? throw Mismatch<string>(key, value) : null;

    /// <summary>The property as an Int32, or null when absent.</summary>
    public int? GetInt32(string key) => Get<int>(key);

    /// <summary>The property as an Int64 (an Int32 widens), or null when absent.</summary>
    public long? GetInt64(string key) => TryGetRaw(key, out var value) ? value switch
    {
        long l => l,
        int i => i,
        _ => throw Mismatch<long>(key, value),
    } : null;

    /// <summary>The property as a Double (Int32 and Int64 convert), or null when absent.</summary>
    public double? GetDouble(string key) => TryGetRaw(key, out var value) ? value switch
    {
        double d => d,
        int i => i,
        long l => l,
        _ => throw Mismatch<double>(key, value),
    } : null;

    /// <summary>The property as a Boolean, or null when absent.</summary>
    public bool? GetBoolean(string key) => Get<bool>(key);

    /// <summary>The property as a DateTimeOffset (a DateTime is taken as UTC unless it says Local), or null when absent.</summary>
    public DateTimeOffset? GetDateTimeOffset(string key) => TryGetRaw(key, out var value) ? value switch
    {
        DateTimeOffset dto => dto,
        DateTime dt => new DateTimeOffset(TableEntityJson.ToUtc(dt)),
        _ => throw Mismatch<DateTimeOffset>(key, value),
    } : null;

    /// <summary>The property as a UTC DateTime, or null when absent.</summary>
    public DateTime? GetDateTime(string key) => GetDateTimeOffset(key)?.UtcDateTime;

    /// <summary>The property as a Guid, or null when absent.</summary>
    public Guid? GetGuid(string key) => Get<Guid>(key);

    /// <summary>The property as bytes, or null when absent.</summary>
    public byte[]? GetBinary(string key) => TryGetRaw(key, out var value) ? value switch
    {
        byte[] bytes => bytes,
        BinaryData data => data.ToArray(),
        _ => throw Mismatch<byte[]>(key, value),
    } : null;

    /// <summary>The property as BinaryData, or null when absent.</summary>
    public BinaryData? GetBinaryData(string key) => TryGetRaw(key, out var value) ? value switch
    {
        BinaryData data => data,
        byte[] bytes => new BinaryData(bytes),
        _ => throw Mismatch<BinaryData>(key, value),
    } : null;

    private T? Get<T>(string key) where T : struct =>
        TryGetRaw(key, out var value) ? value is T typed ? typed : throw Mismatch<T>(key, value) : null;

    /// <summary>True and a non-null value when the property is present and not null.</summary>
    private bool TryGetRaw(string key, [NotNullWhen(true)] out object? value) =>
        _properties.TryGetValue(key, out value) && value is not null;

    private static InvalidOperationException Mismatch<T>(string key, object value) =>
        new($"Property '{key}' holds a {value.GetType().Name}, which cannot be read as {typeof(T).Name}.");

    // IDictionary / IReadOnlyDictionary, forwarded to the inner dictionary.

    /// <inheritdoc />
    public ICollection<string> Keys => _properties.Keys;

    /// <inheritdoc />
    public ICollection<object?> Values => _properties.Values;

    IEnumerable<string> IReadOnlyDictionary<string, object?>.Keys => _properties.Keys;

    IEnumerable<object?> IReadOnlyDictionary<string, object?>.Values => _properties.Values;

    /// <inheritdoc />
    public int Count => _properties.Count;

    bool ICollection<KeyValuePair<string, object?>>.IsReadOnly => false;

    /// <inheritdoc />
    public void Add(string key, object? value) => _properties.Add(key, value);

    /// <inheritdoc />
    public bool ContainsKey(string key) => _properties.ContainsKey(key);

    /// <inheritdoc />
    public bool Remove(string key) => _properties.Remove(key);

    /// <inheritdoc />
    public bool TryGetValue(string key, out object? value) => _properties.TryGetValue(key, out value);

    /// <inheritdoc />
    public void Clear() => _properties.Clear();

    void ICollection<KeyValuePair<string, object?>>.Add(KeyValuePair<string, object?> item) =>
        ((ICollection<KeyValuePair<string, object?>>)_properties).Add(item);

    bool ICollection<KeyValuePair<string, object?>>.Contains(KeyValuePair<string, object?> item) =>
        ((ICollection<KeyValuePair<string, object?>>)_properties).Contains(item);

    void ICollection<KeyValuePair<string, object?>>.CopyTo(KeyValuePair<string, object?>[] array, int arrayIndex) =>
        ((ICollection<KeyValuePair<string, object?>>)_properties).CopyTo(array, arrayIndex);

    bool ICollection<KeyValuePair<string, object?>>.Remove(KeyValuePair<string, object?> item) =>
        ((ICollection<KeyValuePair<string, object?>>)_properties).Remove(item);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _properties.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
