using Omni.Perf;

// Omni's measurements beyond the micro-benchmarks (docs/performance.md):
//   dotnet run -c Release --project tools/Omni.Perf -- <command> [options]
var command = args.Length > 0 ? args[0] : "help";
var rest = args.Skip(1).ToArray();
return command switch
{
    "handler" => await HandlerThroughput.RunAsync(rest),
    "coldstart" => await ColdStart.RunAsync(rest),
    "e2e" => await EndToEnd.RunAsync(rest),
    "storage-cost" => await StorageCost.RunAsync(rest),
    "load" => await LoadTest.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.WriteLine("""
        usage: dotnet run -c Release --project tools/Omni.Perf -- <command> [options]
          handler       webhook ack (AcsEvents) and SendSms against a minimal endpoint on the same Kestrel: req/s, p50/p99, ratio
          coldstart     process start to first 200 on GET / for the published handler and a plain web app published the same way
          e2e           N messages (default 10,000) POST /api/messages → delivered through the DevHost, and Azurite's raw insert rate
          storage-cost  Table transactions and Service Bus operations per single-channel delivered message
          load          a fixed request rate through the full local stack for a fixed time: errors, memory, p99
        """);
    return 2;
}
