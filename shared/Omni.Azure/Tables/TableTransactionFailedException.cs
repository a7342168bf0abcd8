using Azure;
using Azure.Core;

namespace Omni.Azure.Tables;

/// <summary>
/// An entity group transaction was rejected; nothing in it was applied. <see cref="FailedTransactionActionIndex"/>
/// says which action (zero-based, in submission order) the service refused, when it said so.
/// </summary>
public class TableTransactionFailedException : RequestFailedException
{
    /// <summary>Wraps a failure whose failing action is unknown.</summary>
    public TableTransactionFailedException(RequestFailedException requestFailedException)
        : base(requestFailedException?.Status ?? 0, requestFailedException?.Message ?? "The transaction failed.", requestFailedException?.ErrorCode, requestFailedException)
    {
    }

    internal TableTransactionFailedException(Response failedResponse, int? failedTransactionActionIndex, RequestFailedDetailsParser parser)
        : base(failedResponse, null, parser)
    {
        FailedTransactionActionIndex = failedTransactionActionIndex;
    }

    /// <summary>The zero-based index of the action that failed, or null when the service did not identify one.</summary>
    public int? FailedTransactionActionIndex { get; }
}
