using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Omni.Azure.Core;

namespace Omni.Azure.Communication;

/// <summary>
/// Signs every attempt (per-retry slot) with <see cref="CommunicationHmacSignature"/>, so each retry carries a
/// fresh <c>x-ms-date</c>. The key is read from the credential at signing time, so key rotation takes effect at once.
/// </summary>
internal sealed class HmacAuthenticationPolicy : HttpPipelinePolicy
{
    private readonly AzureKeyCredential _credential;
    private readonly TimeProvider _timeProvider;

    public HmacAuthenticationPolicy(AzureKeyCredential credential, TimeProvider timeProvider)
    {
        _credential = credential;
        _timeProvider = timeProvider;
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        string contentHash;
        if (message.Request.Content is null)
        {
            contentHash = CommunicationHmacSignature.ComputeContentHash(ReadOnlySpan<byte>.Empty);
        }
        else
        {
            using var buffer = new MemoryStream();
            await message.Request.Content.WriteToAsync(buffer, message.CancellationToken).ConfigureAwait(false);
            contentHash = CommunicationHmacSignature.ComputeContentHash(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }

        Sign(message, contentHash);
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        using var buffer = new MemoryStream();
        message.Request.Content?.WriteTo(buffer, message.CancellationToken);
        Sign(message, CommunicationHmacSignature.ComputeContentHash(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        ProcessNext(message, pipeline);
    }

    private void Sign(HttpMessage message, string contentHash)
    {
        string date = HttpDate.Format(_timeProvider.GetUtcNow());
        string authorization = CommunicationHmacSignature.CreateAuthorizationHeader(
            _credential.Key, message.Request.Method.Method, message.Request.Uri.ToUri(), date, contentHash);

        message.Request.Headers.SetValue("x-ms-date", date);
        message.Request.Headers.SetValue("x-ms-content-sha256", contentHash);
        message.Request.Headers.SetValue(HttpHeader.Names.Authorization, authorization);
    }
}
