// The sender benchmark of docs/clients/servicebus.md, published with Native AOT twice: Sdk/ (Azure.Messaging.ServiceBus,
// AMQP) and Rest/ (Omni.Azure.ServiceBus, REST). Prints one JSON line: milliseconds from process start to the first
// acknowledged send, then sends/s sequentially and with N concurrent senders.
//   sender <connection string | namespace> <queue> <sequential count> <concurrent count> <concurrency>
using System.Diagnostics;
using System.Globalization;
#if REST
using Omni.Azure.ServiceBus;
#else
using Azure.Messaging.ServiceBus;
#endif

var connectionString = args[0];
var queue = args[1];
var sequential = int.Parse(args[2], CultureInfo.InvariantCulture);
var concurrentTotal = int.Parse(args[3], CultureInfo.InvariantCulture);
var concurrency = int.Parse(args[4], CultureInfo.InvariantCulture);
using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(5));

// A connection string (SAS), else a namespace with Entra ID, as in Azure: both clients carry Azure.Identity.
await using var client = connectionString.Contains("SharedAccessKey", StringComparison.Ordinal)
    ? new ServiceBusClient(connectionString)
    : new ServiceBusClient(connectionString, new Azure.Identity.DefaultAzureCredential());
var sender = client.CreateSender(queue);
var run = Guid.NewGuid().ToString("N");
// No MessageId: the emulator's duplicate detection would otherwise grow with every run and skew later runs.
ServiceBusMessage Make(int i) => new("{\"run\":\"" + run + "\",\"n\":" + i + "}") { ContentType = "application/json" };

await sender.SendMessageAsync(Make(0), bound.Token);
var firstSend = DateTime.Now - Process.GetCurrentProcess().StartTime;

var watch = Stopwatch.StartNew();
for (var i = 1; i <= sequential; i++)
{
    await sender.SendMessageAsync(Make(i), bound.Token);
}
var sequentialRate = sequential / watch.Elapsed.TotalSeconds;

var next = sequential;
watch.Restart();
await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
{
    int i;
    while ((i = Interlocked.Increment(ref next)) <= sequential + concurrentTotal)
    {
        await sender.SendMessageAsync(Make(i), bound.Token);
    }
}));
var concurrentRate = concurrentTotal / watch.Elapsed.TotalSeconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"firstSendMs\":{firstSend.TotalMilliseconds:F0},\"sequentialPerSec\":{sequentialRate:F0},\"concurrentPerSec\":{concurrentRate:F0}}}"));
