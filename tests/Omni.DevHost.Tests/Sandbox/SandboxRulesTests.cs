using System.Net;
using System.Text;
using System.Text.Json;
using Omni.DevHost.Sandbox;

namespace Omni.DevHost.Tests.Sandbox;

public sealed class SandboxRulesTests : IAsyncLifetime
{
    private readonly SandboxFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();

    public Task DisposeAsync() => _f.DisposeAsync();

    [Fact]
    public void Evaluate_NoRules_IsOkWithADeliveredReportAfter500Ms()
    {
        var decision = new SandboxRules().Evaluate("acs", "sms", "+14255550123");

        Assert.Equal(new SandboxDecision(SandboxResponse.Ok, TimeSpan.Zero, SandboxReport.Delivered, TimeSpan.FromMilliseconds(500), null), decision);
    }

    [Fact]
    public void Evaluate_FirstMatchingRuleDecides()
    {
        var rules = new SandboxRules();
        rules.Replace([
            new SandboxRule { Provider = "twilio", Response = SandboxResponse.Transient },
            new SandboxRule { Channel = "sms", To = "+14255550123", Response = SandboxResponse.Permanent },
            new SandboxRule { Channel = "sms", Report = SandboxReport.Failed, ReportDelayMs = 10 },
        ]);

        Assert.Equal((SandboxResponse.Transient, (int?)0), Pick(rules.Evaluate("twilio", "sms", "+14255550123")));
        Assert.Equal((SandboxResponse.Permanent, (int?)1), Pick(rules.Evaluate("acs", "sms", "+14255550123")));
        var other = rules.Evaluate("acs", "sms", "+14255550999");
        Assert.Equal((SandboxResponse.Ok, (int?)2, SandboxReport.Failed, TimeSpan.FromMilliseconds(10)), (other.Response, other.Rule, other.Report, other.ReportDelay));
        Assert.Null(rules.Evaluate("acs", "email", "a@b.example").Rule);
    }

    [Fact]
    public void Evaluate_FailureRateWithPermanentResponse_FailsPermanently()
    {
        var rules = new SandboxRules();
        rules.Replace([new SandboxRule { FailureRate = 1, Response = SandboxResponse.Permanent }]);

        Assert.Equal(SandboxResponse.Permanent, rules.Evaluate("acs", "sms", "+14255550123").Response);
    }

    [Theory]
    [InlineData("""[{"provider":"meta"}]""", "provider")]
    [InlineData("""[{"channel":"fax"}]""", "channel")]
    [InlineData("""[{"failureRate":1.5}]""", "failureRate")]
    [InlineData("""[{"latencyMs":-1}]""", "latencyMs")]
    [InlineData("""[{"response":"maybe"}]""", "JSON")]
    [InlineData("""{"response":"ok"}""", "JSON")]
    public async Task Put_InvalidRules_Is400ProblemAndKeepsTheOldRules(string json, string mentioned)
    {
        _f.Sandbox.Rules.Replace([new SandboxRule { Channel = "email" }]);

        using var response = await _f.Http.PutAsync(new Uri(_f.SandboxBase, "_devhost/sandbox/rules"), new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(mentioned, await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("email", Assert.Single(_f.Sandbox.Rules.Current).Channel);
    }

    [Fact]
    public async Task Put_UnknownField_Is400NamingItAndTheFields()
    {
        using var response = await _f.Http.PutAsync(new Uri(_f.SandboxBase, "_devhost/sandbox/rules"),
            new StringContent("""[{"to":"+14255550123","response":"ok"},{"to":"+14255550123","respons":"permanent"}]""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var detail = problem.RootElement.GetProperty("detail").GetString();
        Assert.StartsWith("Rule 1: unknown field 'respons'; the fields are provider, channel, to, response, ", detail);
        Assert.Empty(_f.Sandbox.Rules.Current);
    }

    [Fact]
    public async Task Put_PhoneInNationalFormat_Is400SayingItWouldNeverMatch()
    {
        using var response = await _f.Http.PutAsync(new Uri(_f.SandboxBase, "_devhost/sandbox/rules"),
            new StringContent("""[{"to":"07400 123456","response":"permanent"}]""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("to '07400 123456' is a phone number in national format", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("+1 (425) 555-0123", "acs", "sms", "+14255550123")]
    [InlineData("0014255550123", "twilio", "sms", "+14255550123")]
    [InlineData("14255550123", "acs", "sms", "+14255550123")]
    [InlineData("14255550123", "acs", "whatsapp", "14255550123")]
    [InlineData("+14255550123", "acs", "whatsapp", "14255550123")]
    [InlineData("+14255550123", "twilio", "whatsapp", "whatsapp:+14255550123")]
    [InlineData("Jane@Example.COM", "acs", "email", "Jane@example.com")]
    public void Replace_RuleAddressInAnotherForm_MatchesTheSendAsOmniWritesIt(string ruleTo, string provider, string channel, string sentTo)
    {
        var rules = new SandboxRules();
        rules.Replace([new SandboxRule { To = ruleTo, Response = SandboxResponse.Permanent }]);

        Assert.Equal(SandboxResponse.Permanent, rules.Evaluate(provider, channel, sentTo).Response);
        Assert.Equal(SandboxResponse.Ok, rules.Evaluate(provider, channel, "+14255550999").Response);
    }

    [Fact]
    public async Task PutThenGet_RoundTripsTheRulesInCamelCase()
    {
        var json = """[{"provider":"acs","channel":"sms","to":"+14255550123","response":"transient","failureRate":0.25,"seed":7,"latencyMs":20,"report":"none","reportDelayMs":0}]""";

        using var put = await _f.Http.PutAsync(new Uri(_f.SandboxBase, "_devhost/sandbox/rules"), new StringContent(json, Encoding.UTF8, "application/json"));
        var got = await _f.Http.GetStringAsync(new Uri(_f.SandboxBase, "_devhost/sandbox/rules"));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var rule = Assert.Single(_f.Sandbox.Rules.Current);
        Assert.Equal((SandboxResponse.Transient, 0.25, SandboxReport.None), (rule.Response, rule.FailureRate, rule.Report));
        using var document = JsonDocument.Parse(got);
        var item = Assert.Single(document.RootElement.EnumerateArray().ToList());
        Assert.Equal("transient", item.GetProperty("response").GetString());
        Assert.Equal("none", item.GetProperty("report").GetString());
    }

    [Fact]
    public async Task Calls_FilterByToAndDelete()
    {
        _f.Sandbox.Calls.Add(new SandboxCall { Provider = "acs", Channel = "sms", Recipient = "+14255550001", Time = DateTimeOffset.UtcNow, ResponseStatus = 202 });
        _f.Sandbox.Calls.Add(new SandboxCall { Provider = "twilio", Channel = "sms", Recipient = "+14255550002", Time = DateTimeOffset.UtcNow, ResponseStatus = 201 });

        using var filtered = JsonDocument.Parse(await _f.Http.GetStringAsync(new Uri(_f.SandboxBase, "_devhost/sandbox/calls?to=%2B14255550002")));
        using var deleted = await _f.Http.DeleteAsync(new Uri(_f.SandboxBase, "_devhost/sandbox/calls"));
        using var after = JsonDocument.Parse(await _f.Http.GetStringAsync(new Uri(_f.SandboxBase, "_devhost/sandbox/calls")));

        var only = Assert.Single(filtered.RootElement.EnumerateArray().ToList());
        Assert.Equal("twilio", only.GetProperty("provider").GetString());
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(0, after.RootElement.GetArrayLength());
    }

    private static (SandboxResponse, int?) Pick(SandboxDecision decision) => (decision.Response, decision.Rule);
}
