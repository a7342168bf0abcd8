using System.Collections.Concurrent;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Omni.Azure.ServiceBus;

/// <summary>
/// Signs each attempt (per-retry slot) with a SAS token for the entity the sender targets. Tokens are cached per
/// resource and replaced shortly before they expire, so a retry never carries a token about to lapse.
/// </summary>
internal sealed class ServiceBusSasPolicy : HttpPipelinePolicy
{
    /// <summary>Message property holding the resource URI to sign (set by <see cref="ServiceBusSender"/>).</summary>
    internal const string ResourceProperty = "Omni.ServiceBus.SasResource";

    internal static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);
    internal static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(5);

    private readonly AzureNamedKeyCredential _credential;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<string, CachedToken> _tokens = new(StringComparer.Ordinal);

    public ServiceBusSasPolicy(AzureNamedKeyCredential credential, TimeProvider timeProvider)
    {
        _credential = credential;
        _timeProvider = timeProvider;
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Authorize(message);
        return ProcessNextAsync(message, pipeline);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Authorize(message);
        ProcessNext(message, pipeline);
    }

    private void Authorize(HttpMessage message)
    {
        if (!message.TryGetProperty(ResourceProperty, out object? value) || value is not string resource)
        {
            throw new InvalidOperationException("The request does not say which Service Bus resource to sign.");
        }

        message.Request.Headers.SetValue(HttpHeader.Names.Authorization, GetToken(resource));
    }

    private string GetToken(string resource)
    {
        DateTimeOffset now = _timeProvider.GetUtcNow();
        (string name, string key) = _credential;
        if (_tokens.TryGetValue(resource, out CachedToken? cached) &&
            cached.KeyName == name && cached.Key == key && cached.ExpiresOn - RenewBefore > now)
        {
            return cached.Token;
        }

        DateTimeOffset expiresOn = now + TokenLifetime;
        string token = ServiceBusSharedAccessSignature.Create(resource, name, key, expiresOn);
        _tokens[resource] = new CachedToken(token, expiresOn, name, key);
        return token;
    }

    private sealed record CachedToken(string Token, DateTimeOffset ExpiresOn, string KeyName, string Key);
}
