using Omni.Functions.Http;
using Omni.Functions.Contacts;
using Omni.Functions.Echo;
using Omni.Functions.Health;
using Omni.Functions.Inbound;
using Omni.Functions.Hosting;
using Omni.Functions.Infrastructure;
using Omni.Functions.Templates;
using Omni.Functions.Webhooks;
using Omni.Functions.Messages;
using Omni.Functions.Operations;
using Omni.Functions.Stats;

var builder = WebApplication.CreateSlimBuilder(args);
builder.AddCustomHandlerHosting();
builder.AddOmniTelemetry();
builder.Services.AddAzureConnections();
builder.Services.AddOmniStores();
builder.Services.AddProblemDetails();
// Storage or Service Bus unreachable → 503 problem+json with Retry-After, never a 500 (functions/Http/DependencyUnavailableHandler.cs).
builder.Services.AddExceptionHandler<DependencyUnavailableHandler>();
// Every body the API reads or writes is source-generated (ApiJsonContext, CoreJsonContext): no reflection resolver, so a
// type missing from the contexts fails loudly. ASP.NET Core appends its own problem-details context to this chain.
builder.Services.ConfigureHttpJsonOptions(o => Omni.Functions.Http.ApiJson.UseSourceGeneration(o.SerializerOptions));
// A query value that does not bind (e.g. ?pageSize=abc) is a 400 problem in every environment, never a developer 500.
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = false);
builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
{
    document.Info = new() { Title = "Omni API", Version = "v1", Description = "Contacts, consent and messaging. Function keys: the x-functions-key header; in Entra ID mode an Entra ID bearer token whose app roles fit the endpoint (SECURITY.md)." };
    document.Servers = []; // relative to wherever the app is served
    return Task.CompletedTask;
}));
builder.Services.AddServiceBusFunction<EchoFunction>(EchoFunction.Name);
builder.Services.AddMessaging(builder.Configuration);
// Who may call what: the host's function keys, or Entra ID app roles behind App Service authentication (SECURITY.md).
builder.Services.AddCallerAuth();

var app = builder.Build();
app.LogClockOffset();
app.UseExceptionHandler();
// Errors the framework answers itself (404, 405, 415 from routing) get a problem+json body too, saying what to send.
app.UseStatusCodePages(StatusCodePages.WriteAsync);
app.UseAuthentication();
app.UseAuthorization();
app.MapReadiness();
app.MapHealthApi();
app.MapContactsApi();
app.MapTemplatesApi();
app.MapWebhooks();
app.MapMessagesApi();
app.MapUnsubscribeApi();
app.MapTimelineApi();
app.MapOperationsApi();
app.MapWebhookSecretsApi();
app.MapStatsApi();
app.MapOpenApi("/api/openapi.json");
app.MapServiceBusFunctions();
app.MapPayloadModeGuard();
app.MapBenchmarkBaseline();
app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
