using Azure;
using Azure.Core;

namespace Omni.Azure.Core;

/// <summary>Turns unexpected responses into <see cref="RequestFailedException"/>.</summary>
internal static class ResponseErrors
{
    /// <summary>
    /// An exception carrying the status, the error code (from the body's <c>{"error":{"code":...}}</c>, the
    /// <c>x-ms-error-code</c> header, or <paramref name="parser"/>) and the raw response.
    /// </summary>
    public static RequestFailedException Create(Response response, RequestFailedDetailsParser? parser = null) =>
        parser is null ? new RequestFailedException(response) : new RequestFailedException(response, null, parser);
}
