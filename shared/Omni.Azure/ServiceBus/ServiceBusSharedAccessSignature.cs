using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Omni.Azure.ServiceBus;

/// <summary>
/// Service Bus shared access signatures:
/// <c>SharedAccessSignature sr={enc(uri)}&amp;sig={enc(base64(HMAC-SHA256(key, enc(uri) + "\n" + expiry)))}&amp;se={expiry}&amp;skn={keyName}</c>,
/// where <c>enc</c> is URL encoding with upper-case hex (<see cref="WebUtility.UrlEncode(string)"/>), <c>expiry</c> is
/// Unix seconds and the HMAC key is the UTF-8 text of the shared access key (not its base64 decoding).
/// </summary>
/// <remarks>Used by the client to sign requests and by the DevHost to check tokens with the same algorithm.</remarks>
public sealed class ServiceBusSharedAccessSignature
{
    private const string Scheme = "SharedAccessSignature";

    private readonly string _encodedResource;
    private readonly string _expiry;
    private readonly string _signature;

    private ServiceBusSharedAccessSignature(string encodedResource, string signature, string expiry, string keyName, DateTimeOffset expiresOn)
    {
        _encodedResource = encodedResource;
        _signature = signature;
        _expiry = expiry;
        KeyName = keyName;
        ExpiresOn = expiresOn;
    }

    /// <summary>The signed resource URI (the decoded <c>sr</c>), e.g. <c>https://contoso.servicebus.windows.net/orders</c>.</summary>
    public string Resource => WebUtility.UrlDecode(_encodedResource);

    /// <summary>The shared access policy name (<c>skn</c>).</summary>
    public string KeyName { get; }

    /// <summary>When the token stops being valid (<c>se</c>).</summary>
    public DateTimeOffset ExpiresOn { get; }

    /// <summary>Builds the full token, <c>SharedAccessSignature sr=...&amp;sig=...&amp;se=...&amp;skn=...</c>.</summary>
    /// <param name="resourceUri">The URI the token grants access to, signed exactly as given (callers normalise it).</param>
    /// <param name="keyName">The shared access policy name.</param>
    /// <param name="key">The shared access key text.</param>
    /// <param name="expiresOn">Expiry; sub-second parts are truncated.</param>
    public static string Create(string resourceUri, string keyName, string key, DateTimeOffset expiresOn)
    {
        ArgumentException.ThrowIfNullOrEmpty(resourceUri);
        ArgumentException.ThrowIfNullOrEmpty(keyName);
        ArgumentException.ThrowIfNullOrEmpty(key);

        string encodedResource = WebUtility.UrlEncode(resourceUri);
        string expiry = expiresOn.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        string signature = Sign(key, encodedResource, expiry);
        return $"{Scheme} sr={encodedResource}&sig={WebUtility.UrlEncode(signature)}&se={expiry}&skn={WebUtility.UrlEncode(keyName)}";
    }

    /// <summary>
    /// Parses a token (with or without the leading <c>SharedAccessSignature </c>); fields may come in any order.
    /// Parsing does not check the signature or the expiry: see <see cref="IsSignatureValid"/> and <see cref="ExpiresOn"/>.
    /// </summary>
    public static bool TryParse(string? token, [NotNullWhen(true)] out ServiceBusSharedAccessSignature? signature)
    {
        signature = null;
        if (string.IsNullOrWhiteSpace(token))
        {
            return false;
        }

        string text = token.Trim();
        if (text.StartsWith(Scheme + " ", StringComparison.OrdinalIgnoreCase))
        {
            text = text[(Scheme.Length + 1)..].TrimStart();
        }

        string? sr = null, sig = null, se = null, skn = null;
        foreach (string field in text.Split('&'))
        {
            int equals = field.IndexOf('=');
            if (equals <= 0)
            {
                return false;
            }

            string value = field[(equals + 1)..];
            switch (field[..equals])
            {
                case "sr": sr = value; break;
                case "sig": sig = value; break;
                case "se": se = value; break;
                case "skn": skn = value; break;
            }
        }

        if (string.IsNullOrEmpty(sr) || string.IsNullOrEmpty(sig) || string.IsNullOrEmpty(skn) ||
            !long.TryParse(se, NumberStyles.None, CultureInfo.InvariantCulture, out long unixSeconds) ||
            unixSeconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return false;
        }

        signature = new ServiceBusSharedAccessSignature(
            sr, WebUtility.UrlDecode(sig), se!, WebUtility.UrlDecode(skn), DateTimeOffset.FromUnixTimeSeconds(unixSeconds));
        return true;
    }

    /// <summary>
    /// Whether the token was signed with <paramref name="key"/>. The signature is recomputed over the <c>sr</c> and
    /// <c>se</c> exactly as they appear in the token and compared in constant time.
    /// </summary>
    public bool IsSignatureValid(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        byte[] expected = Convert.FromBase64String(Sign(key, _encodedResource, _expiry));
        Span<byte> actual = stackalloc byte[64];
        return Convert.TryFromBase64String(_signature, actual, out int written) &&
            CryptographicOperations.FixedTimeEquals(expected, actual[..written]);
    }

    private static string Sign(string key, string encodedResource, string expiry)
    {
        byte[] stringToSign = Encoding.UTF8.GetBytes(encodedResource + "\n" + expiry);
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), stringToSign));
    }
}
