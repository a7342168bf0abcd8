namespace Omni.Functions.Hosting;

/// <summary>
/// HMAC keys set shorter than <see cref="MinimumLength"/> characters. A short shared secret can be guessed or brute-forced
/// offline from one signed request, so <see cref="Mask"/> makes it read as unset: each reader's "not configured" path
/// applies (the webhook answers 401, outbound signing refuses) and <c>/api/health</c> names the setting. Names only, never values.
/// </summary>
public sealed class ShortSecrets
{
    /// <summary>32 characters: at least 128 bits even for hex, and what <c>openssl rand -hex 16</c> gives.</summary>
    public const int MinimumLength = 32;

    /// <summary>The configuration keys (<c>Section:Key</c>) of the HMAC secrets this check covers.</summary>
    public static readonly IReadOnlyList<string> CheckedKeys = ["AcsEvents:Secret", "Chat:Secret", "Webhooks:SigningSecret"];

    public ShortSecrets(IEnumerable<string> keys) =>
        Keys = keys.Order(StringComparer.OrdinalIgnoreCase).ToArray();

    /// <summary>Configuration keys whose secret was set but too short, sorted.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>The same keys as app setting names (<c>Section__Key</c>).</summary>
    public IEnumerable<string> SettingNames => Keys.Select(k => k.Replace(":", "__", StringComparison.Ordinal));

    /// <summary>Whether <paramref name="value"/> is set (not blank) but shorter than the minimum once trimmed.</summary>
    public static bool IsTooShort(string? value) =>
        value?.Trim() is { Length: > 0 and < MinimumLength };

    /// <summary>
    /// Adds a last configuration source mapping every too-short secret to null (as <see cref="UnresolvedReferences.Mask"/>
    /// does for references) and returns their names.
    /// </summary>
    public static ShortSecrets Mask(ConfigurationManager configuration)
    {
        var keys = CheckedKeys.Where(k => IsTooShort(configuration[k])).ToArray();
        if (keys.Length > 0)
        {
            configuration.AddInMemoryCollection(keys.Select(k => new KeyValuePair<string, string?>(k, null)));
        }
        return new ShortSecrets(keys);
    }
}
