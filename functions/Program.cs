using Omni.Functions.Echo;
using Omni.Functions.Health;
using Omni.Functions.Hosting;
using Omni.Functions.Infrastructure;

var builder = WebApplication.CreateSlimBuilder(args);
builder.AddCustomHandlerHosting();
builder.Services.AddAzureConnections();
builder.Services.AddServiceBusFunction<EchoFunction>(EchoFunction.Name);

var app = builder.Build();
app.MapReadiness();
app.MapHealthApi();
app.MapServiceBusFunctions();
app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
