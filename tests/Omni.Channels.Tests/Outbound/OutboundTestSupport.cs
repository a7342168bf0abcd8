using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Azure;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;
using Omni.Azure.Communication;
using Omni.Channels;
using Omni.Core.Content;
using Omni.Core.Contacts;
using Omni.Core.Routing;

namespace Omni.Channels.Tests.Outbound;

/// <summary>One request as it reached the network edge.</summary>
internal sealed record RecordedRequest(HttpMethod Method, Uri Uri, Dictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;
}

/// <summary>An <see cref="HttpMessageHandler"/> standing in for a provider: records each request and answers with a scripted response.</summary>
internal sealed class FakeProvider : HttpMessageHandler
{
    private readonly Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>> _respond;

    public FakeProvider(Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>> respond) => _respond = respond;

    public FakeProvider(Func<RecordedRequest, HttpResponseMessage> respond)
        : this((request, _) => Task.FromResult(respond(request)))
    {
    }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public static HttpResponseMessage Json(HttpStatusCode status, string json, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach ((string name, string value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        byte[] body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in request.Headers)
        {
            headers[header.Key] = string.Join(",", header.Value);
        }

        if (request.Content is not null)
        {
            foreach (var header in request.Content.Headers)
            {
                headers[header.Key] = string.Join(",", header.Value);
            }
        }

        var recorded = new RecordedRequest(request.Method, request.RequestUri!, headers, body);
        Requests.Enqueue(recorded);
        return await _respond(recorded, cancellationToken);
    }
}

/// <summary>Collects every formatted log line (and its structured values) so tests can check what reaches the logs.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public string All => string.Join("\n", Lines);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var line = new StringBuilder(formatter(state, exception));
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
        {
            foreach ((string key, object? value) in values)
            {
                line.Append(' ').Append(key).Append('=').Append(value);
            }
        }

        if (exception is not null)
        {
            line.Append(' ').Append(exception);
        }

        Lines.Enqueue(line.ToString());
    }
}

internal static class Acs
{
    public static readonly string AccessKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("omni-test-access-key-0123456789abcdef"));
    public static readonly Uri Endpoint = new("https://omni-test.communication.azure.com/");

    public static TOptions WithTransport<TOptions>(TOptions options, HttpMessageHandler handler)
        where TOptions : global::Azure.Core.ClientOptions
    {
        options.Transport = new HttpClientTransport(handler);
        options.Retry.MaxRetries = 0;
        return options;
    }

    /// <summary>Checks the request carries a valid ACS HMAC-SHA256 signature, recomputed with Omni.Azure's helper.</summary>
    public static void AssertSigned(RecordedRequest request)
    {
        string date = request.Header("x-ms-date") ?? throw new Xunit.Sdk.XunitException("x-ms-date missing");
        string hash = request.Header("x-ms-content-sha256") ?? throw new Xunit.Sdk.XunitException("x-ms-content-sha256 missing");
        Assert.Equal(CommunicationHmacSignature.ComputeContentHash(request.Body), hash);
        string expected = CommunicationHmacSignature.CreateAuthorizationHeader(AccessKey, request.Method.Method, request.Uri, date, hash);
        Assert.Equal(expected, request.Header("Authorization"));
    }

    public static AzureKeyCredential Key => new(AccessKey);
}

internal static class Requests
{
    public const string Phone = "+14255550123";
    public const string Email = "jane.doe@example.com";
    public const string SecretText = "Your verification code is 481516";

    public static ChannelSendRequest Sms(string text = SecretText, string messageId = "msg-0001", int step = 0) =>
        new(messageId, step, Channel.Sms, Phone, new RenderedContent(text), "security", Urgency.High, "contact-42", "corr-1", ["otp"]);
}

/// <summary>
/// Flat key/value configuration (keys as IConfiguration sees them: <c>Section:Key</c>, which environment variables
/// <c>Section__Key</c> become). The test project has only the configuration abstractions, not ConfigurationBuilder.
/// </summary>
internal sealed class FlatConfiguration(Dictionary<string, string?> values) : Microsoft.Extensions.Configuration.IConfiguration
{
    private readonly Dictionary<string, string?> _values = new(values, StringComparer.OrdinalIgnoreCase);

    public string? this[string key]
    {
        get => _values.TryGetValue(key, out string? value) ? value : null;
        set => _values[key] = value;
    }

    public IEnumerable<Microsoft.Extensions.Configuration.IConfigurationSection> GetChildren() => [];

    public Microsoft.Extensions.Primitives.IChangeToken GetReloadToken() => NullChangeToken.Instance;

    public Microsoft.Extensions.Configuration.IConfigurationSection GetSection(string key) =>
        throw new NotSupportedException("The senders read flat keys only.");

    private sealed class NullChangeToken : Microsoft.Extensions.Primitives.IChangeToken
    {
        public static readonly NullChangeToken Instance = new();

        public bool HasChanged => false;

        public bool ActiveChangeCallbacks => false;

        public IDisposable RegisterChangeCallback(Action<object?> callback, object? state) => new MemoryStream();
    }
}
