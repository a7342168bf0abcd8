namespace Omni.Azure.Communication.Messages;

/// <summary>The receipts ACS returns for an accepted notification, one per recipient.</summary>
public class SendMessageResult
{
    /// <summary>Creates a result (for tests and mocks).</summary>
    public SendMessageResult(IEnumerable<MessageReceipt> receipts)
    {
        ArgumentNullException.ThrowIfNull(receipts);
        Receipts = receipts.ToList();
    }

    /// <summary>One receipt per recipient.</summary>
    public IReadOnlyList<MessageReceipt> Receipts { get; }
}

/// <summary>ACS's message id for one recipient (matches later delivery-status events).</summary>
public class MessageReceipt
{
    /// <summary>Creates a receipt (for tests and mocks).</summary>
    public MessageReceipt(string messageId, string to)
    {
        MessageId = messageId;
        To = to;
    }

    /// <summary>ACS's message id.</summary>
    public string MessageId { get; }

    /// <summary>The recipient.</summary>
    public string To { get; }
}
