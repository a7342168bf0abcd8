using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Omni.DevHost.Sandbox;

/// <summary>
/// Checks ACS access-key (HMAC-SHA256) authentication as the service does
/// (https://learn.microsoft.com/rest/api/communication/authentication): <c>x-ms-content-sha256</c> must be the body's
/// Base64 SHA-256, <c>x-ms-date</c> within <see cref="MaxClockSkew"/> of now, and the signature the HMAC of
/// <c>VERB\nPathAndQuery\nDate;Host;ContentHash</c> keyed with the decoded access key. PathAndQuery is the request
/// target exactly as received, so a client whose endpoint has a path prefix (<c>http://127.0.0.1:7071/_sandbox/acs/</c>)
/// must sign the prefix too — as Omni's clients (and the official SDKs, which sign <c>Uri.PathAndQuery</c>) do.
/// </summary>
/// <remarks>
/// The same computation as <c>Omni.Azure.Communication.CommunicationHmacSignature</c>; the DevHost does not
/// reference Omni.Azure, so it is restated here. The tests drive it with Omni.Azure's real clients, which keeps the
/// two in agreement.
/// </remarks>
public sealed class AcsRequestAuthenticator(string accessKey, TimeProvider time)
{
    public const string SignedHeaders = "x-ms-date;host;x-ms-content-sha256";

    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(15);

    private readonly byte[] _key = Convert.FromBase64String(accessKey);

    /// <summary>Null when the request is authentic, otherwise why not (never containing a secret).</summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="pathAndQuery">The request target exactly as received (percent-encoding untouched).</param>
    /// <param name="host">The Host header.</param>
    /// <param name="headers">The request headers.</param>
    /// <param name="body">The exact body bytes.</param>
    public string? Check(string method, string pathAndQuery, string host, IHeaderDictionary headers, ReadOnlySpan<byte> body)
    {
        var authorization = headers.Authorization.ToString();
        const string scheme = "HMAC-SHA256 ";
        if (authorization.Length == 0)
        {
            return "The Authorization header is missing.";
        }
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return "The Authorization scheme is not HMAC-SHA256.";
        }
        string? signedHeaders = null, signature = null;
        foreach (var part in authorization[scheme.Length..].Split('&', StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0)
            {
                continue;
            }
            var name = part[..equals];
            if (name.Equals("SignedHeaders", StringComparison.OrdinalIgnoreCase))
            {
                signedHeaders = part[(equals + 1)..];
            }
            else if (name.Equals("Signature", StringComparison.OrdinalIgnoreCase))
            {
                signature = part[(equals + 1)..];
            }
        }
        if (!string.Equals(signedHeaders, SignedHeaders, StringComparison.OrdinalIgnoreCase))
        {
            return $"SignedHeaders must be '{SignedHeaders}'.";
        }
        if (string.IsNullOrEmpty(signature))
        {
            return "The Authorization header has no Signature.";
        }

        var date = headers["x-ms-date"].ToString();
        if (!DateTimeOffset.TryParseExact(date, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var sent))
        {
            return "x-ms-date is missing or not an RFC 1123 date.";
        }
        if ((time.GetUtcNow() - sent).Duration() > MaxClockSkew)
        {
            return $"x-ms-date is more than {MaxClockSkew.TotalMinutes} minutes away from the server's clock.";
        }

        var contentHash = headers["x-ms-content-sha256"].ToString();
        var actualHash = Convert.ToBase64String(SHA256.HashData(body));
        if (!FixedTimeEquals(contentHash, actualHash))
        {
            return "x-ms-content-sha256 does not match the body.";
        }

        var stringToSign = $"{method}\n{pathAndQuery}\n{date};{host};{contentHash}";
        var expected = Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(stringToSign)));
        return FixedTimeEquals(signature, expected)
            ? null
            : "The signature does not match (signed: method, path and query as sent, x-ms-date, host, x-ms-content-sha256).";
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
