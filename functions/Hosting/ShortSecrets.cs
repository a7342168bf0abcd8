namespace Omni.Functions.Hosting;

/// <summary>
/// HMAC keys set shorter than <see cref="MinimumLength"/> characters. A short shared secret can be guessed or brute-forced
/// offline from one signed request, so <see cref="Mask"/> makes it read as unset: each reader's "not configured" path
/// applies (the webhook answers 401, outbound signing refuses) and <c>/api/health</c> names the setting. Names only, never values.
/// </summary>
public sealed class ShortSecrets : MaskedSettings
{
    /// <summary>32 characters: at least 128 bits even for hex, and what <c>openssl rand -hex 16</c> gives.</summary>
    public const int MinimumLength = 32;

    /// <summary>The configuration keys (<c>Section:Key</c>) of the HMAC secrets this check covers.</summary>
    public static readonly IReadOnlyList<string> CheckedKeys = ["AcsEvents:Secret", "Chat:Secret", "Webhooks:SigningSecret"];

    public ShortSecrets(IEnumerable<string> keys)
        : base(keys)
    {
    }

    /// <summary>Whether <paramref name="value"/> is set (not blank) but shorter than the minimum once trimmed.</summary>
    public static bool IsTooShort(string? value) =>
        value?.Trim() is { Length: > 0 and < MinimumLength };

    /// <summary>
    /// Adds a last configuration source mapping every too-short secret to null (as <see cref="UnresolvedReferences.Mask"/>
    /// does for references) and returns their names.
    /// </summary>
    public static ShortSecrets Mask(ConfigurationManager configuration) =>
        new(MaskKeys(configuration, CheckedKeys.Where(k => IsTooShort(configuration[k]))));
}
