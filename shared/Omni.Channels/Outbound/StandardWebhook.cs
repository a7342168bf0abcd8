using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Omni.Channels.Outbound;

/// <summary>
/// Symmetric signatures of the Standard Webhooks specification (v1.0.0, https://www.standardwebhooks.com):
/// <c>webhook-id</c>, <c>webhook-timestamp</c> (unix seconds) and <c>webhook-signature: v1,{base64 HMAC-SHA256(key,
/// "{id}.{timestamp}.{body}")}</c>, space-separated when several secrets sign (rotation). A secret is <c>whsec_{base64 key}</c>;
/// any other string is taken as its UTF-8 bytes, so secrets set before this scheme keep working.
/// A setting holds one secret, or the current and the previous one separated by a space while rotating.
/// </summary>
public static class StandardWebhook
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    /// <summary>Deprecated: Omni's own header (<see cref="WebhookSender.ComputeSignature"/>), still sent for one release.</summary>
    public const string LegacySignatureHeader = "X-Omni-Signature";

    public const string SecretPrefix = "whsec_";

    // Domain separation: a derived secret is only ever a contact-webhook key, never a key of another purpose.
    private const string TargetLabel = "omni-webhook:";

    /// <summary>The secrets of a setting, current first: one, or "current previous" during a rotation; none when unset.</summary>
    public static IReadOnlyList<string> Secrets(string? setting) =>
        setting?.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    /// <summary>The HMAC key of <paramref name="secret"/>: the base64-decoded part of a <c>whsec_</c> secret, else its UTF-8 bytes.</summary>
    /// <exception cref="FormatException">A <c>whsec_</c> secret whose rest is not base64 (the message never quotes it).</exception>
    public static byte[] Key(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return Encoding.UTF8.GetBytes(secret);
        }

        try
        {
            return Convert.FromBase64String(secret[SecretPrefix.Length..]);
        }
        catch (FormatException)
        {
            throw new FormatException("A whsec_ signing secret must continue with base64.");
        }
    }

    /// <summary>Throws unless every secret of <paramref name="setting"/> yields a key; names the setting, never the value.</summary>
    public static string? Validated(string? setting, string name)
    {
        foreach (string secret in Secrets(setting))
        {
            try
            {
                Key(secret);
            }
            catch (FormatException)
            {
                throw new InvalidOperationException($"Setting {name} holds a whsec_ secret that is not base64.");
            }
        }

        return Secrets(setting).Count == 0 ? null : setting!.Trim();
    }

    /// <summary>
    /// The per-target secret of a contact webhook: <c>whsec_</c> + base64 HMAC-SHA256(key of <paramref name="masterSecret"/>,
    /// "omni-webhook:" + <see cref="NormaliseTarget"/>). Each URL gets its own, nothing is stored, and the app can ask for it again.
    /// </summary>
    public static string DeriveTargetSecret(string masterSecret, Uri target)
    {
        byte[] label = Encoding.UTF8.GetBytes(TargetLabel + NormaliseTarget(target));
        return SecretPrefix + Convert.ToBase64String(HMACSHA256.HashData(Key(masterSecret), label));
    }

    /// <summary>The URL a derived secret is bound to: scheme, host (lower case), non-default port, path and query; no user info or fragment.</summary>
    public static string NormaliseTarget(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.GetComponents(UriComponents.HttpRequestUrl, UriFormat.UriEscaped);
    }

    /// <summary>The <c>webhook-signature</c> value: one <c>v1,{base64}</c> per secret, space-separated.</summary>
    public static string Sign(IEnumerable<string> secrets, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        byte[] signed = SignedContent(id, timestamp.ToString(CultureInfo.InvariantCulture), body);
        return string.Join(' ', secrets.Select(secret => "v1," + Convert.ToBase64String(HMACSHA256.HashData(Key(secret), signed))));
    }

    /// <summary>
    /// What a receiver does: true when one <c>v1</c> entry of <paramref name="signatureHeader"/> is the signature of
    /// <paramref name="secret"/>, compared in constant time. The timestamp tolerance is the caller's (the spec suggests minutes).
    /// </summary>
    public static bool Verify(string secret, string id, string timestamp, string signatureHeader, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(signatureHeader);
        byte[] expected = HMACSHA256.HashData(Key(secret), SignedContent(id, timestamp, body));
        bool found = false;
        foreach (string entry in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            byte[] given = new byte[expected.Length];
            found |= entry.StartsWith("v1,", StringComparison.Ordinal)
                && Convert.TryFromBase64String(entry[3..], given, out int written) && written == expected.Length
                && CryptographicOperations.FixedTimeEquals(given, expected);
        }

        return found;
    }

    /// <summary>
    /// Signs one POST for one receiver: the three Standard Webhooks headers with every secret (current first), and the
    /// deprecated <c>X-Omni-Signature</c> with the current one.
    /// </summary>
    public static void AddHeaders(HttpRequestMessage message, IReadOnlyList<string> secrets, string id, long timestamp, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(secrets);
        message.Headers.TryAddWithoutValidation(IdHeader, id);
        message.Headers.TryAddWithoutValidation(TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        message.Headers.TryAddWithoutValidation(SignatureHeader, Sign(secrets, id, timestamp, body));
        message.Headers.TryAddWithoutValidation(LegacySignatureHeader, WebhookSender.ComputeSignature(secrets[0], timestamp, body));
    }

    /// <summary>The UTF-8 bytes of <paramref name="prefix"/> followed by <paramref name="body"/>: what an HMAC signs.</summary>
    internal static byte[] Prefixed(string prefix, ReadOnlySpan<byte> body)
    {
        byte[] head = Encoding.UTF8.GetBytes(prefix);
        byte[] signed = new byte[head.Length + body.Length];
        head.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(head.Length));
        return signed;
    }

    private static byte[] SignedContent(string id, string timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(timestamp);
        return Prefixed(id + "." + timestamp + ".", body);
    }
}
