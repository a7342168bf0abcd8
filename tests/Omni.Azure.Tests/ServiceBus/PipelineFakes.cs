using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Omni.Azure.Core;

namespace Omni.Azure.Tests.Fakes;

// Test doubles shared by the ServiceBus and Communication client tests: a fake HTTP transport that records exactly
// what went over the wire, a settable clock, and a retry delay that records instead of sleeping.

/// <summary>A request as the transport received it: method, URL, every header (request and content), body bytes.</summary>
internal sealed record SentRequest(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;
}

/// <summary>One scripted reply.</summary>
internal sealed record FakeReply(int Status, string? Body = null, IReadOnlyDictionary<string, string>? Headers = null,
    string ContentType = "application/json", Exception? Throw = null, bool HangUntilCancelled = false);

/// <summary>Replies from a script (the last reply repeats) and records every request.</summary>
internal sealed class FakeHttpHandler : HttpMessageHandler
{
    private readonly List<FakeReply> _script = new();

    public List<SentRequest> Requests { get; } = new();

    /// <summary>Runs before each reply (e.g. to move a clock).</summary>
    public Action<SentRequest>? OnRequest { get; set; }

    public FakeHttpHandler Reply(int status, string? body = null, params (string Name, string Value)[] headers)
    {
        _script.Add(new FakeReply(status, body, headers.ToDictionary(h => h.Name, h => h.Value)));
        return this;
    }

    public FakeHttpHandler Fail(Exception exception)
    {
        _script.Add(new FakeReply(0, Throw: exception));
        return this;
    }

    public FakeHttpHandler Hang()
    {
        _script.Add(new FakeReply(0, HangUntilCancelled: true));
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (KeyValuePair<string, IEnumerable<string>> header in request.Headers)
        {
            headers[header.Key] = string.Join(",", header.Value);
        }

        byte[] body = Array.Empty<byte>();
        if (request.Content is not null)
        {
            foreach (KeyValuePair<string, IEnumerable<string>> header in request.Content.Headers)
            {
                headers[header.Key] = string.Join(",", header.Value);
            }

            body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
        }

        var sent = new SentRequest(request.Method, request.RequestUri!, headers, body);
        Requests.Add(sent);
        OnRequest?.Invoke(sent);

        if (_script.Count == 0)
        {
            throw new InvalidOperationException("No reply scripted.");
        }

        FakeReply reply = _script[Math.Min(Requests.Count - 1, _script.Count - 1)];
        if (reply.Throw is not null)
        {
            throw reply.Throw;
        }

        if (reply.HangUntilCancelled)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        var response = new HttpResponseMessage((HttpStatusCode)reply.Status)
        {
            Content = new ByteArrayContent(reply.Body is null ? Array.Empty<byte>() : Encoding.UTF8.GetBytes(reply.Body)),
        };
        if (reply.Body is not null)
        {
            response.Content.Headers.TryAddWithoutValidation("Content-Type", reply.ContentType);
        }

        foreach ((string name, string value) in reply.Headers ?? new Dictionary<string, string>())
        {
            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return response;
    }
}

/// <summary>A clock that only moves when told to.</summary>
internal sealed class FakeClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>Records the delays the retry policy chose; optionally moves a clock by them; never sleeps.</summary>
internal sealed class RecordedDelays(FakeClock? clock = null)
{
    public List<TimeSpan> Delays { get; } = new();

    public Task Wait(TimeSpan delay, CancellationToken cancellationToken)
    {
        Delays.Add(delay);
        clock?.Advance(delay);
        return Task.CompletedTask;
    }
}

/// <summary>Returns a fixed token and remembers the scopes asked for.</summary>
internal sealed class StaticTokenCredential(string token) : TokenCredential
{
    public List<string> Scopes { get; } = new();

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Scopes.AddRange(requestContext.Scopes);
        return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}

internal static class FakePipeline
{
    /// <summary>Routes <paramref name="options"/> through the fake transport and a retry policy that records delays.</summary>
    public static T Use<T>(this T options, FakeHttpHandler handler, RecordedDelays delays, TimeProvider? clock = null)
        where T : ClientOptions
    {
        options.Transport = new HttpClientTransport(handler);
        options.RetryPolicy = new TransientRetryPolicy(options.Retry, clock ?? TimeProvider.System, delays.Wait);
        return options;
    }

    /// <summary>Structural JSON equality (property order ignored), with both texts in the failure message.</summary>
    public static void JsonEqual(string expected, string actual)
    {
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)),
            $"JSON differs.\nExpected: {expected}\nActual:   {actual}");
    }
}
