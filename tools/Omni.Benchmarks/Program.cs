using BenchmarkDotNet.Running;

namespace Omni.Benchmarks;

/// <summary>
/// Runs the benchmarks chosen on the command line. Benchmarks need Release:
/// <c>dotnet run -c Release --project tools/Omni.Benchmarks -- --filter '*'</c> (add <c>--job short</c> for a quick run).
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
