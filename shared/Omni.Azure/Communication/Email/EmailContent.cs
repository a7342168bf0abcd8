namespace Omni.Azure.Communication.Email;

/// <summary>Subject and bodies of an email; at least one of <see cref="PlainText"/> and <see cref="Html"/> should be set.</summary>
public class EmailContent
{
    /// <summary>Creates content with a subject.</summary>
    public EmailContent(string subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        Subject = subject;
    }

    /// <summary>The subject line.</summary>
    public string Subject { get; }

    /// <summary>The plain-text body.</summary>
    public string? PlainText { get; set; }

    /// <summary>The HTML body.</summary>
    public string? Html { get; set; }
}
