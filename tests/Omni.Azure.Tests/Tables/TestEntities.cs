using System.Runtime.Serialization;
using Azure;
using Omni.Azure.Tables;

namespace Omni.Azure.Tests.Tables;

public enum Channel
{
    Sms,
    Email,
    WhatsApp,
}

/// <summary>An entity class with one property of every mapped type, plus nullable forms.</summary>
public sealed class TypedEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? Text { get; set; }
    public int Count { get; set; }
    public long Big { get; set; }
    public double Ratio { get; set; }
    public double Whole { get; set; }
    public bool Flag { get; set; }
    public DateTime When { get; set; }
    public DateTimeOffset WhenOffset { get; set; }
    public Guid Id { get; set; }
    public byte[]? Bin { get; set; }
    public Channel Channel { get; set; }

    public int? MaybeCount { get; set; }
    public long? MaybeBig { get; set; }
    public double? MaybeRatio { get; set; }
    public bool? MaybeFlag { get; set; }
    public DateTime? MaybeWhen { get; set; }
    public DateTimeOffset? MaybeWhenOffset { get; set; }
    public Guid? MaybeId { get; set; }
    public Channel? MaybeChannel { get; set; }

    [IgnoreDataMember]
    public string? NotStored { get; set; }

    public string Computed => "never stored";
}

/// <summary>A small entity for CRUD tests.</summary>
public sealed class Contact : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? Name { get; set; }
    public string? Phone { get; set; }
    public int Messages { get; set; }
}
