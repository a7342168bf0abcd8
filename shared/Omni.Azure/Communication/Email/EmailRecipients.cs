namespace Omni.Azure.Communication.Email;

/// <summary>To, CC and BCC recipients (ACS allows at most 50 in total).</summary>
public class EmailRecipients
{
    /// <summary>Creates the recipient lists.</summary>
    public EmailRecipients(IEnumerable<EmailAddress>? to = null, IEnumerable<EmailAddress>? cc = null, IEnumerable<EmailAddress>? bcc = null)
    {
        To = to?.ToList() ?? new List<EmailAddress>();
        CC = cc?.ToList() ?? new List<EmailAddress>();
        BCC = bcc?.ToList() ?? new List<EmailAddress>();
    }

    /// <summary>Primary recipients; at least one is required.</summary>
    public IList<EmailAddress> To { get; }

    /// <summary>Carbon-copy recipients.</summary>
    public IList<EmailAddress> CC { get; }

    /// <summary>Blind carbon-copy recipients.</summary>
    public IList<EmailAddress> BCC { get; }
}
