using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Moq;
using Omni.Azure.ServiceBus;

namespace Omni.Functions.Tests;

/// <summary>
/// The handler in-process. Service Bus is the network edge here, so the client is a mock that records sends;
/// Table Storage points at a closed port unless a test says otherwise.
/// </summary>
public sealed class FunctionAppFactory : WebApplicationFactory<Program>
{
    public Mock<ServiceBusSender> Sender { get; } = new();

    public Mock<ServiceBusClient> ServiceBus { get; } = new();

    public string StorageConnectionString { get; init; } =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;";

    public FunctionAppFactory()
    {
        ServiceBus.Setup(c => c.CreateSender(It.IsAny<string>())).Returns(Sender.Object);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("AzureWebJobsStorage", StorageConnectionString);
        builder.UseSetting("ServiceBusConnection", "Endpoint=sb://127.0.0.1:9/;SharedAccessKeyName=k;SharedAccessKey=a2V5;UseDevelopmentEmulator=true");
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<ServiceBusClient>();
            services.AddSingleton(ServiceBus.Object);
        });
    }
}
