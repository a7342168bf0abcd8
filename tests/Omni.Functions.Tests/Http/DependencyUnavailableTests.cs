using System.Net;
using System.Text;
using Omni.Functions.Http;

namespace Omni.Functions.Tests.Http;

/// <summary>Table Storage unreachable (the factory's default: a closed port) → 503 problem+json with Retry-After, never a 500.</summary>
public sealed class DependencyUnavailableTests : IDisposable
{
    private readonly FunctionAppFactory _factory = new();
    private readonly HttpClient _http;

    public DependencyUnavailableTests() => _http = _factory.CreateClient();

    public void Dispose()
    {
        _http.Dispose();
        _factory.Dispose();
    }

    [Theory]
    [InlineData("POST", "/api/messages", """{"contactId":"c-unreachable","category":"transactional","content":{"text":"Your code is 123456"}}""")]
    [InlineData("GET", "/api/contacts/c-unreachable", null)]
    [InlineData("GET", "/api/messages/msg_01M84FBXPWD1JK7T267TYMNZK6", null)]
    public async Task StorageUnreachable_Is503ProblemWithRetryAfter(string method, string path, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(DependencyUnavailableHandler.RetryAfterSeconds), response.Headers.RetryAfter?.Delta);
        Assert.Contains("Retry later", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(_factory.Sender.Invocations);
    }

    [Fact]
    public void OnlyOutagesAreUnavailable_NotRefusalsOrBugs()
    {
        var none = CancellationToken.None;
        Assert.True(DependencyUnavailableHandler.IsUnavailable(new global::Azure.RequestFailedException(0, "connection refused"), none));
        Assert.True(DependencyUnavailableHandler.IsUnavailable(new global::Azure.RequestFailedException(503, "busy"), none));
        Assert.True(DependencyUnavailableHandler.IsUnavailable(new global::Azure.RequestFailedException(429, "throttled"), none));
        Assert.True(DependencyUnavailableHandler.IsUnavailable(new HttpRequestException("reset"), none));
        Assert.False(DependencyUnavailableHandler.IsUnavailable(new global::Azure.RequestFailedException(404, "not found"), none));
        Assert.False(DependencyUnavailableHandler.IsUnavailable(new global::Azure.RequestFailedException(412, "etag"), none));
        Assert.False(DependencyUnavailableHandler.IsUnavailable(new InvalidOperationException("bug"), none));
        Assert.False(DependencyUnavailableHandler.IsUnavailable(new OperationCanceledException(), new CancellationToken(canceled: true)));
    }
}
