using System.Security.Cryptography;
using System.Text;

namespace Omni.Core.Contacts;

/// <summary>
/// Contact ids are the app's choice, and an app may use an e-mail address or a phone number. Wherever an id leaves its
/// owner's data (logs, trace attributes, the dead-letter view), <see cref="Redact"/> replaces one that looks like either
/// with a stable opaque form, so lines about the same contact can still be matched.
/// </summary>
public static class ContactIds
{
    /// <summary>The prefix of a redacted id: <c>~</c> cannot start a contact id.</summary>
    public const string RedactedPrefix = "~";

    /// <summary>Digits from which an id made of phone characters counts as a phone number (E.164 numbers are 8–15).</summary>
    private const int PhoneDigits = 7;

    /// <summary>True for an id with an <c>@</c>, or made of phone characters (digits, <c>+ - . ( )</c>, spaces) with 7+ digits.</summary>
    public static bool LooksPersonal(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return false;
        }
        if (id.Contains('@'))
        {
            return true;
        }
        var digits = 0;
        foreach (var c in id)
        {
            if (char.IsAsciiDigit(c))
            {
                digits++;
            }
            else if (c is not ('+' or '-' or '.' or '(' or ')' or ' '))
            {
                return false;
            }
        }
        return digits >= PhoneDigits;
    }

    /// <summary>
    /// The id as is, or for one that <see cref="LooksPersonal"/>: <c>~</c> + the first 16 hex characters of its SHA-256
    /// (the same id always gives the same text). Null stays null.
    /// </summary>
    public static string? Redact(string? id) =>
        LooksPersonal(id) ? RedactedPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id!)))[..16] : id;

    /// <summary>A URL path with every segment that (unescaped) <see cref="LooksPersonal"/> redacted: <c>/api/contacts/ada%40example.org</c> → <c>/api/contacts/~…</c>.</summary>
    public static string RedactPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = Uri.UnescapeDataString(segments[i]);
            if (LooksPersonal(segment))
            {
                segments[i] = Redact(segment)!;
            }
        }
        return string.Join('/', segments);
    }
}
