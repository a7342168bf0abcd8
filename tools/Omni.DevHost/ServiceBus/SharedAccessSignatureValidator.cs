using System.Security.Cryptography;
using System.Text;

namespace Omni.DevHost.ServiceBus;

/// <summary>
/// Checks a Service Bus SAS token the way the broker does: the key name is known, the token has not expired,
/// its resource covers the entity addressed, and its signature is HMAC-SHA256 over "{sr}\n{se}" with the key.
/// </summary>
public sealed class SharedAccessSignatureValidator(string keyName, string key, TimeProvider time)
{
    private const string Prefix = "SharedAccessSignature ";

    /// <summary>Null when the token grants access to <paramref name="resource"/>; otherwise why not.</summary>
    public string? Validate(string? authorization, Uri resource)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return "The request has no Authorization header.";
        }
        if (!authorization.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return "Only SharedAccessSignature authorization is accepted by the DevHost (Entra tokens cannot be checked locally).";
        }
        var fields = authorization[Prefix.Length..].Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("sr", out var sr) || !fields.TryGetValue("sig", out var sig) ||
            !fields.TryGetValue("se", out var se) || !fields.TryGetValue("skn", out var skn))
        {
            return "The SAS token must carry sr, sig, se and skn.";
        }
        if (!string.Equals(Uri.UnescapeDataString(skn), keyName, StringComparison.Ordinal))
        {
            return $"Unknown key name '{Uri.UnescapeDataString(skn)}'.";
        }
        if (!long.TryParse(se, out var expiry) || DateTimeOffset.FromUnixTimeSeconds(expiry) <= time.GetUtcNow())
        {
            return "The SAS token has expired.";
        }
        if (!Covers(Uri.UnescapeDataString(sr), resource))
        {
            return $"The SAS token's resource '{Uri.UnescapeDataString(sr)}' does not cover '{resource}'.";
        }
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(sr + "\n" + se));
        byte[] presented;
        try
        {
            presented = Convert.FromBase64String(Uri.UnescapeDataString(sig));
        }
        catch (FormatException)
        {
            return "The SAS signature is not base64.";
        }
        return CryptographicOperations.FixedTimeEquals(expected, presented) ? null : "The SAS signature does not match.";
    }

    /// <summary>The token's resource covers the entity when it is the same path or a parent of it; the scheme does not matter.</summary>
    private static bool Covers(string tokenResource, Uri resource)
    {
        if (!Uri.TryCreate(tokenResource, UriKind.Absolute, out var granted))
        {
            return false;
        }
        if (!string.Equals(granted.Authority, resource.Authority, StringComparison.OrdinalIgnoreCase) &&
            !string.Equals(granted.Host, resource.Host, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var grantedPath = granted.AbsolutePath.TrimEnd('/') + "/";
        var requestedPath = resource.AbsolutePath.TrimEnd('/') + "/";
        return requestedPath.StartsWith(grantedPath, StringComparison.OrdinalIgnoreCase);
    }
}
