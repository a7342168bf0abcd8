namespace Omni.Core.Content;

/// <summary>
/// The brand a template sees under <c>brand</c>: configuration <c>Brand__Name</c>, <c>Brand__SupportUrl</c>,
/// <c>Brand__SupportEmail</c>, <c>Brand__LogoUrl</c> and any other <c>Brand__*</c> setting. Names are exposed in camelCase
/// (<c>{{brand.name}}</c>, <c>{{brand.supportUrl}}</c>) and looked up case-insensitively, so <c>{{brand.Name}}</c> works
/// too. A nested setting (<c>Brand__Social__Twitter</c>, key "Social:Twitter") becomes <c>{{brand.social.twitter}}</c>.
/// </summary>
public sealed class BrandVariables
{
    private readonly Dictionary<string, object?> _root;

    public static BrandVariables Empty { get; } = new([]);

    /// <param name="settings">Keys relative to the Brand section ("Name", "SupportUrl", "Social:Twitter") → values.</param>
    public BrandVariables(IEnumerable<KeyValuePair<string, string?>> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _root = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in settings)
        {
            if (string.IsNullOrEmpty(key) || value is null)
            {
                continue; // a section without a value of its own
            }
            var names = key.Split(':', StringSplitOptions.RemoveEmptyEntries);
            if (names.Length == 0)
            {
                continue;
            }
            var node = _root;
            foreach (var name in names[..^1])
            {
                var camel = CamelCase(name);
                if (!node.TryGetValue(camel, out var child) || child is not Dictionary<string, object?> childMap)
                {
                    childMap = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                    node[camel] = childMap;
                }
                node = childMap;
            }
            var leaf = CamelCase(names[^1]);
            if (!node.TryGetValue(leaf, out var existing) || existing is not Dictionary<string, object?>)
            {
                node[leaf] = value;
            }
        }
    }

    /// <summary>The value of a top-level brand variable (case-insensitive), e.g. "name".</summary>
    public string? this[string name] => _root.TryGetValue(name, out var value) ? value as string : null;

    /// <summary>A fresh copy of the variables for a template model (templates cannot change the shared one).</summary>
    internal Dictionary<string, object?> ToModel() => Copy(_root);

    private static Dictionary<string, object?> Copy(Dictionary<string, object?> source) =>
        source.ToDictionary(e => e.Key, e => e.Value is Dictionary<string, object?> child ? Copy(child) : e.Value, StringComparer.OrdinalIgnoreCase);

    private static string CamelCase(string name) =>
        name.Length == 0 || char.IsLower(name[0]) ? name : char.ToLowerInvariant(name[0]) + name[1..];
}
