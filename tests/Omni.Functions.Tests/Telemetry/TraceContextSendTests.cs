using System.Diagnostics;
using System.Net;
using Azure.Core.Pipeline;
using Omni.Azure.ServiceBus;

namespace Omni.Functions.Tests.Telemetry;

/// <summary>Omni's Service Bus sends carry the current trace as <c>Diagnostic-Id</c>, over the real REST wire format.</summary>
public sealed class TraceContextSendTests
{
    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.Created));
        }
    }

    private static (ServiceBusSender Sender, RecordingHandler Http) CreateSender()
    {
        var http = new RecordingHandler();
        var options = new ServiceBusClientOptions { Transport = new HttpClientTransport(new HttpClient(http)) };
        var client = new ServiceBusClient("Endpoint=sb://omni-test.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=a2V5", options);
        return (client.CreateSender("send-sms"), http);
    }

    private static string? DiagnosticId(HttpRequestMessage request) =>
        request.Headers.TryGetValues(ServiceBusSender.DiagnosticIdProperty, out var values) ? values.Single().Trim('"') : null;

    [Fact]
    public async Task SendInsideAnActivity_CarriesItsTraceparent()
    {
        var (sender, http) = CreateSender();
        using var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();

        await sender.SendMessageAsync(new ServiceBusMessage("hi"));

        Assert.Equal(activity.Id, DiagnosticId(Assert.Single(http.Requests)));
        Assert.StartsWith($"00-{activity.TraceId.ToHexString()}-{activity.SpanId.ToHexString()}-", activity.Id);
    }

    [Fact]
    public async Task SendWithItsOwnDiagnosticId_KeepsIt()
    {
        var (sender, http) = CreateSender();
        using var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
        var message = new ServiceBusMessage("hi");
        message.ApplicationProperties[ServiceBusSender.DiagnosticIdProperty] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

        await sender.SendMessageAsync(message);

        Assert.Equal("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", DiagnosticId(Assert.Single(http.Requests)));
    }

    [Fact]
    public async Task SendOutsideAnyActivity_AddsNoProperty()
    {
        var (sender, http) = CreateSender();
        Activity.Current = null;

        await sender.SendMessageAsync(new ServiceBusMessage("hi"));

        Assert.Null(DiagnosticId(Assert.Single(http.Requests)));
    }
}
