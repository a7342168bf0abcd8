namespace Omni.Functions.Hosting;

/// <summary>
/// Settings that hold a value Omni must not use, made to read as unset: a last configuration source maps each key to
/// null (the last provider wins, and a null value reads as unset), so every reader takes its "not configured" path.
/// Holds the names only, never the values; <c>/api/health</c> reports them.
/// </summary>
public abstract class MaskedSettings
{
    protected MaskedSettings(IEnumerable<string> keys) =>
        Keys = keys.Order(StringComparer.OrdinalIgnoreCase).ToArray();

    /// <summary>The masked configuration keys (<c>Section:Key</c>), sorted.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>The same keys as app setting names (<c>Section__Key</c>), the way operators set them.</summary>
    public IEnumerable<string> SettingNames => Keys.Select(k => k.Replace(":", "__", StringComparison.Ordinal));

    /// <summary>Adds the source that makes <paramref name="keys"/> read as unset, and returns them.</summary>
    protected static string[] MaskKeys(ConfigurationManager configuration, IEnumerable<string> keys)
    {
        var masked = keys.ToArray();
        if (masked.Length > 0)
        {
            configuration.AddInMemoryCollection(masked.Select(k => new KeyValuePair<string, string?>(k, null)));
        }
        return masked;
    }
}
