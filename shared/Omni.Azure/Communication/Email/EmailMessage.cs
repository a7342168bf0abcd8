namespace Omni.Azure.Communication.Email;

/// <summary>An email to send through ACS (attachments are not supported by this client).</summary>
public class EmailMessage
{
    /// <summary>An email to a single recipient.</summary>
    public EmailMessage(string senderAddress, string recipientAddress, EmailContent content)
        : this(senderAddress, new EmailRecipients(new[] { new EmailAddress(recipientAddress) }), content)
    {
    }

    /// <summary>An email to the given recipients.</summary>
    public EmailMessage(string senderAddress, EmailRecipients recipients, EmailContent content)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(senderAddress);
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(content);
        SenderAddress = senderAddress;
        Recipients = recipients;
        Content = content;
    }

    /// <summary>The sender, an address of a domain connected to the ACS resource (e.g. <c>DoNotReply@contoso.com</c>).</summary>
    public string SenderAddress { get; }

    /// <summary>Subject and bodies.</summary>
    public EmailContent Content { get; }

    /// <summary>Recipients.</summary>
    public EmailRecipients Recipients { get; }

    /// <summary>Where replies should go.</summary>
    public IList<EmailAddress> ReplyTo { get; } = new List<EmailAddress>();

    /// <summary>Custom headers, e.g. <c>List-Unsubscribe</c> and <c>List-Unsubscribe-Post</c>.</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Turns off open/click tracking for this email.</summary>
    public bool UserEngagementTrackingDisabled { get; set; }
}
