namespace Omni.Functions.Hosting;

/// <summary>
/// App settings that still hold an unresolved platform reference. When App Service cannot resolve
/// <c>@Microsoft.KeyVault(…)</c> or <c>@Microsoft.AppConfiguration(…)</c> (no secret yet, no access) the setting keeps the
/// literal text, which anyone can guess: used as an HMAC key or password it would let a forger in. <see cref="Mask"/>
/// makes every such setting read as unset, so each reader's "not configured" path applies. Holds names only, never values.
/// </summary>
public sealed class UnresolvedReferences : MaskedSettings
{
    private static readonly string[] Prefixes = ["@Microsoft.KeyVault(", "@Microsoft.AppConfiguration("];

    public UnresolvedReferences(IEnumerable<string> keys)
        : base(keys)
    {
    }

    /// <summary>Whether <paramref name="value"/> is a platform reference the platform left unresolved.</summary>
    public static bool IsReference(string? value)
    {
        var trimmed = value.AsSpan().Trim();
        foreach (var prefix in Prefixes)
        {
            if (trimmed.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Adds a last configuration source that maps every setting now holding a reference to null (the last provider wins,
    /// and a null value reads as unset) and returns their names. Call it once the platform's sources are in.
    /// </summary>
    public static UnresolvedReferences Mask(ConfigurationManager configuration) =>
        new(MaskKeys(configuration, configuration.AsEnumerable().Where(e => IsReference(e.Value)).Select(e => e.Key).ToArray()));
}
