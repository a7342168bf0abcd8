using Azure;
using Omni.Azure.Tables;

namespace Omni.Azure.Tests.Tables;

public sealed class TableEntityTests
{
    [Fact]
    public void Constructor_Keys_AreStoredAsProperties()
    {
        var entity = new TableEntity("p", "r");

        Assert.Equal("p", entity.PartitionKey);
        Assert.Equal("r", entity["RowKey"]);
        Assert.Equal(2, entity.Count);
    }

    [Fact]
    public void Constructor_Dictionary_CopiesValues()
    {
        var source = new Dictionary<string, object?> { ["PartitionKey"] = "p", ["RowKey"] = "r", ["A"] = 1 };

        var entity = new TableEntity(source);
        source["A"] = 2;

        Assert.Equal(1, entity.GetInt32("A"));
        Assert.Equal("p", entity.PartitionKey);
    }

    [Fact]
    public void TypedGetters_MatchingTypes_ReturnValues()
    {
        var id = Guid.NewGuid();
        var when = DateTimeOffset.UtcNow;
        var entity = new TableEntity("p", "r")
        {
            ["S"] = "s",
            ["I"] = 1,
            ["L"] = 2L,
            ["D"] = 3.5,
            ["B"] = true,
            ["T"] = when,
            ["G"] = id,
            ["X"] = new byte[] { 1 },
        };

        Assert.Equal("s", entity.GetString("S"));
        Assert.Equal(1, entity.GetInt32("I"));
        Assert.Equal(2L, entity.GetInt64("L"));
        Assert.Equal(3.5, entity.GetDouble("D"));
        Assert.Equal(true, entity.GetBoolean("B"));
        Assert.Equal(when, entity.GetDateTimeOffset("T"));
        Assert.Equal(when.UtcDateTime, entity.GetDateTime("T"));
        Assert.Equal(id, entity.GetGuid("G"));
        Assert.Equal(new byte[] { 1 }, entity.GetBinary("X"));
        Assert.Equal(new byte[] { 1 }, entity.GetBinaryData("X")!.ToArray());
    }

    [Fact]
    public void TypedGetters_MissingOrNull_ReturnNull()
    {
        var entity = new TableEntity("p", "r") { ["Null"] = null };

        Assert.Null(entity.GetString("Missing"));
        Assert.Null(entity.GetInt32("Missing"));
        Assert.Null(entity.GetInt64("Null"));
        Assert.Null(entity.GetDouble("Null"));
        Assert.Null(entity.GetBoolean("Missing"));
        Assert.Null(entity.GetDateTimeOffset("Missing"));
        Assert.Null(entity.GetGuid("Missing"));
        Assert.Null(entity.GetBinary("Missing"));
    }

    [Fact]
    public void TypedGetters_LosslessWidening_IsAllowed()
    {
        var entity = new TableEntity("p", "r")
        {
            ["I"] = 5,
            ["L"] = 6L,
            ["Dt"] = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            ["Bd"] = new BinaryData(new byte[] { 9 }),
        };

        Assert.Equal(5L, entity.GetInt64("I"));
        Assert.Equal(5.0, entity.GetDouble("I"));
        Assert.Equal(6.0, entity.GetDouble("L"));
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), entity.GetDateTimeOffset("Dt"));
        Assert.Equal(new byte[] { 9 }, entity.GetBinary("Bd"));
    }

    [Fact]
    public void TypedGetters_WrongType_ThrowInvalidOperationNamingTheProperty()
    {
        var entity = new TableEntity("p", "r") { ["L"] = 6L, ["S"] = "12" };

        var narrowing = Assert.Throws<InvalidOperationException>(() => entity.GetInt32("L"));
        Assert.Throws<InvalidOperationException>(() => entity.GetInt32("S"));
        Assert.Throws<InvalidOperationException>(() => entity.GetGuid("S"));
        Assert.Throws<InvalidOperationException>(() => entity.GetString("L"));

        Assert.Contains("'L'", narrowing.Message);
    }

    [Fact]
    public void DictionaryOperations_AddRemoveEnumerate_Work()
    {
        var entity = new TableEntity("p", "r");

        entity.Add("A", 1);
        Assert.Throws<ArgumentException>(() => entity.Add("A", 2));
        Assert.True(entity.ContainsKey("A"));
        Assert.True(entity.Remove("A"));
        Assert.False(entity.TryGetValue("A", out _));
        Assert.Throws<KeyNotFoundException>(() => entity["A"]);
        Assert.Equal(["PartitionKey", "RowKey"], entity.Select(p => p.Key).Order());
    }

    [Fact]
    public void PropertyNames_AreCaseSensitive()
    {
        var entity = new TableEntity("p", "r") { ["name"] = "lower", ["Name"] = "upper" };

        Assert.Equal("lower", entity.GetString("name"));
        Assert.Equal("upper", entity.GetString("Name"));
    }

    [Fact]
    public void ETagAndTimestamp_AreSettable()
    {
        var entity = new TableEntity("p", "r") { ETag = new ETag("W/\"x\""), Timestamp = DateTimeOffset.UnixEpoch };

        Assert.Equal("W/\"x\"", entity.ETag.ToString());
        Assert.Equal(DateTimeOffset.UnixEpoch, entity.Timestamp);
    }
}
