using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Omni.Azure.Tables;
using Omni.Core.Contacts;
using Omni.Core.Stats;

namespace Omni.Storage.Stats;

/// <summary>Options of <see cref="TableStatsStore"/>.</summary>
public sealed record TableStatsStoreOptions
{
    /// <summary>The table of stat events (default <see cref="TableStatsStore.StatsTable"/>).</summary>
    public string TableName { get; init; } = TableStatsStore.StatsTable;

    /// <summary>How many day scans run at once when a period is read.</summary>
    public int ReadParallelism { get; init; } = 8;
}

/// <summary>
/// <see cref="IStatsStore"/> on Azure Table Storage: one row per stat event in <c>channelstats</c>,
/// PartitionKey = <c>{UTC yyyyMMddHH of At}|{shard 00–15}</c> (shard = first byte of SHA-256(key) mod 16), RowKey = the
/// event key (its SHA-256 hex, prefixed <c>h|</c>, when the key has characters Table keys forbid or is long). Writes are
/// upserts, so recording an event again rewrites the same row (exact, idempotent), and the writes of one hour spread over
/// 16 partitions. A period is read as PartitionKey range scans per UTC day, in parallel. See docs/stats.md.
/// </summary>
public sealed class TableStatsStore : IStatsStore
{
    /// <summary>Default table name (in infra/tables.json).</summary>
    public const string StatsTable = "channelstats";

    /// <summary>Partitions per hour.</summary>
    public const int Shards = 16;

    private const int MaxVerbatimKeyLength = 255;

    private static readonly string[] Columns =
        ["Key", "At", "Kind", "Channel", "Provider", "Attempt", "Cost", "Currency", "Segments", "LatencyMs", "ResponseMs", "Score"];

    private readonly TableStatsStoreOptions _options;
    private readonly TableClient _table;
    private readonly TablesOnce _ensure;

    public TableStatsStore(TableServiceClient tables, TableStatsStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tables);
        _options = options ?? new TableStatsStoreOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.ReadParallelism, 1);
        _table = tables.GetTableClient(_options.TableName);
        _ensure = new TablesOnce(tables, _options.TableName);
    }

    /// <summary>The shard (0–15) of an event key: the first byte of its UTF-8 SHA-256, mod 16. Stable across processes.</summary>
    public static int Shard(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SHA256.HashData(Encoding.UTF8.GetBytes(key))[0] % Shards;
    }

    /// <summary><c>{yyyyMMddHH}|{shard:D2}</c>.</summary>
    public static string PartitionKey(StatEvent statEvent)
    {
        ArgumentNullException.ThrowIfNull(statEvent);
        return HourKey(statEvent.At) + "|" + Shard(statEvent.Key).ToString("D2", CultureInfo.InvariantCulture);
    }

    /// <summary>The key itself when it is a valid RowKey of at most 255 characters, else <c>h|</c> + SHA-256 hex.</summary>
    public static string RowKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var verbatim = key.Length <= MaxVerbatimKeyLength && !key.StartsWith("h|", StringComparison.Ordinal)
            && key.All(c => c is not ('/' or '\\' or '#' or '?') && !char.IsControl(c));
        return verbatim ? key : "h|" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    /// <summary>Creates the table if needed; once per instance.</summary>
    public Task EnsureTableAsync(CancellationToken cancellationToken) => _ensure.EnsureAsync(cancellationToken);

    public async Task WriteAsync(StatEvent statEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statEvent);
        ArgumentException.ThrowIfNullOrEmpty(statEvent.Key);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(PartitionKey(statEvent), RowKey(statEvent.Key))
        {
            ["Key"] = statEvent.Key,
            ["At"] = statEvent.At.ToUniversalTime(),
            ["Kind"] = statEvent.Kind.Name(),
        };
        Put(entity, "Channel", statEvent.Channel?.Name());
        Put(entity, "Provider", statEvent.Provider);
        Put(entity, "Attempt", statEvent.Attempt);
        // Decimal has no Table type; a string keeps the amount exact.
        Put(entity, "Cost", statEvent.Cost?.ToString(CultureInfo.InvariantCulture));
        Put(entity, "Currency", statEvent.Currency);
        Put(entity, "Segments", statEvent.Segments);
        Put(entity, "LatencyMs", statEvent.LatencyMs);
        Put(entity, "ResponseMs", statEvent.ResponseMs);
        Put(entity, "Score", statEvent.Score);
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StatEvent>> ReadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        if (to <= from)
        {
            return [];
        }
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        // One PartitionKey range per UTC day, clipped to the period's hours: [first hour, hour after the last).
        var firstHour = Hour(from);
        var endHour = Hour(to) == to.ToUniversalTime() ? Hour(to) : Hour(to).AddHours(1);
        var ranges = new List<(string Low, string High)>();
        for (var start = firstHour; start < endHour;)
        {
            var dayEnd = new DateTimeOffset(start.Year, start.Month, start.Day, 0, 0, 0, TimeSpan.Zero).AddDays(1);
            var end = dayEnd < endHour ? dayEnd : endHour;
            ranges.Add((HourKey(start), HourKey(end)));
            start = end;
        }

        using var gate = new SemaphoreSlim(_options.ReadParallelism);
        var scans = ranges.Select(async range =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var filter = TableClient.CreateQueryFilter(
                    $"PartitionKey ge {range.Low} and PartitionKey lt {range.High} and At ge {from.ToUniversalTime()} and At lt {to.ToUniversalTime()}");
                var found = new List<StatEvent>();
                await foreach (var entity in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: Columns, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    if (ToEvent(entity) is { } statEvent && statEvent.At >= from && statEvent.At < to)
                    {
                        found.Add(statEvent);
                    }
                }
                return found;
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        var results = await Task.WhenAll(scans).ConfigureAwait(false);
        return [.. results.SelectMany(r => r)];
    }

    private static StatEvent? ToEvent(TableEntity entity)
    {
        if (entity.GetString("Key") is not { Length: > 0 } key || entity.GetDateTimeOffset("At") is not { } at
            || !StatKinds.TryParse(entity.GetString("Kind"), out var kind))
        {
            return null; // not a row this store wrote
        }
        Channel? channel = Channels.TryParse(entity.GetString("Channel"), out var c) ? c : null;
        return new StatEvent
        {
            Key = key,
            At = at,
            Kind = kind,
            Channel = channel,
            Provider = entity.GetString("Provider"),
            Attempt = entity.GetString("Attempt"),
            Cost = decimal.TryParse(entity.GetString("Cost"), NumberStyles.Number, CultureInfo.InvariantCulture, out var cost) ? cost : null,
            Currency = entity.GetString("Currency"),
            Segments = entity.GetInt32("Segments"),
            LatencyMs = entity.GetInt64("LatencyMs"),
            ResponseMs = entity.GetInt64("ResponseMs"),
            Score = entity.GetInt32("Score"),
        };
    }

    private static void Put(TableEntity entity, string name, object? value)
    {
        if (value is not null)
        {
            entity[name] = value;
        }
    }

    private static DateTimeOffset Hour(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    private static string HourKey(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyyMMddHH", CultureInfo.InvariantCulture);
}
