using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Omni.EndToEnd.Tests;

/// <summary>
/// Records every line the handler writes, at every level: the DevHost relays the handler's stdout and stderr under
/// <c>Host.Function.Console</c>, as the Functions host does in Azure (where those lines reach Application Insights).
/// </summary>
public sealed class HandlerOutputCapture : ILoggerProvider
{
    public const string Category = "Host.Function.Console";

    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => categoryName == Category ? new Logger(_lines) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(formatter(state, exception));
    }
}
