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
public sealed class TypedEntity : IMappedTableEntity
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

    /// <summary>Not mapped: never stored.</summary>
    public string? NotStored { get; set; }

    public string Computed => "never stored";

    public void WriteTo(TableEntity row)
    {
        row[nameof(Text)] = Text;
        row[nameof(Count)] = Count;
        row[nameof(Big)] = Big;
        row[nameof(Ratio)] = Ratio;
        row[nameof(Whole)] = Whole;
        row[nameof(Flag)] = Flag;
        row[nameof(When)] = When;
        row[nameof(WhenOffset)] = WhenOffset;
        row[nameof(Id)] = Id;
        row[nameof(Bin)] = Bin;
        row[nameof(Channel)] = Channel;
        row[nameof(MaybeCount)] = MaybeCount;
        row[nameof(MaybeBig)] = MaybeBig;
        row[nameof(MaybeRatio)] = MaybeRatio;
        row[nameof(MaybeFlag)] = MaybeFlag;
        row[nameof(MaybeWhen)] = MaybeWhen;
        row[nameof(MaybeWhenOffset)] = MaybeWhenOffset;
        row[nameof(MaybeId)] = MaybeId;
        row[nameof(MaybeChannel)] = MaybeChannel;
    }

    public void ReadFrom(TableEntity row)
    {
        Text = row.GetString(nameof(Text));
        Count = row.GetInt32(nameof(Count)) ?? 0;
        Big = row.GetInt64(nameof(Big)) ?? 0;
        Ratio = row.GetDouble(nameof(Ratio)) ?? 0;
        Whole = row.GetDouble(nameof(Whole)) ?? 0;
        Flag = row.GetBoolean(nameof(Flag)) ?? false;
        When = row.GetDateTime(nameof(When)) ?? default;
        WhenOffset = row.GetDateTimeOffset(nameof(WhenOffset)) ?? default;
        Id = row.GetGuid(nameof(Id)) ?? default;
        Bin = row.GetBinary(nameof(Bin));
        Channel = row.GetString(nameof(Channel)) is { } channel ? Enum.Parse<Channel>(channel) : default;
        MaybeCount = row.GetInt32(nameof(MaybeCount));
        MaybeBig = row.GetInt64(nameof(MaybeBig));
        MaybeRatio = row.GetDouble(nameof(MaybeRatio));
        MaybeFlag = row.GetBoolean(nameof(MaybeFlag));
        MaybeWhen = row.GetDateTime(nameof(MaybeWhen));
        MaybeWhenOffset = row.GetDateTimeOffset(nameof(MaybeWhenOffset));
        MaybeId = row.GetGuid(nameof(MaybeId));
        MaybeChannel = row.GetString(nameof(MaybeChannel)) is { } maybe ? Enum.Parse<Channel>(maybe) : null;
    }
}

/// <summary>A small entity for CRUD tests.</summary>
public sealed class Contact : IMappedTableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? Name { get; set; }
    public string? Phone { get; set; }
    public int Messages { get; set; }

    public void WriteTo(TableEntity row)
    {
        row[nameof(Name)] = Name;
        row[nameof(Phone)] = Phone;
        row[nameof(Messages)] = Messages;
    }

    public void ReadFrom(TableEntity row)
    {
        Name = row.GetString(nameof(Name));
        Phone = row.GetString(nameof(Phone));
        Messages = row.GetInt32(nameof(Messages)) ?? 0;
    }
}
