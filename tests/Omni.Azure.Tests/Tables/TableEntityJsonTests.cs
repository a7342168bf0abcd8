using System.Buffers;
using System.Text;
using System.Text.Json;
using Azure;
using Omni.Azure.Tables;

namespace Omni.Azure.Tests.Tables;

public sealed class TableEntityJsonTests
{
    private static string Write(ITableEntity entity)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, TableEntityJson.WriterOptions))
        {
            TableEntityJson.WriteEntity(writer, entity);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static TableEntity Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        return TableEntityJson.ReadTableEntity(document.RootElement);
    }

    [Fact]
    public void WriteEntity_EveryType_UsesTheODataTypeAnnotations()
    {
        var entity = new TableEntity("p", "r")
        {
            ["S"] = "s",
            ["I"] = 1,
            ["L"] = 9223372036854775807L,
            ["D"] = 1.0,
            ["B"] = true,
            ["T"] = new DateTimeOffset(2024, 1, 1, 1, 0, 0, TimeSpan.FromHours(1)),
            ["G"] = Guid.Parse("c9da6455-213d-42c9-9a79-3e9149a57833"),
            ["X"] = new byte[] { 1, 2, 3 },
            ["E"] = Channel.Sms,
            ["N"] = null,
            ["Timestamp"] = DateTimeOffset.UnixEpoch,
            ["odata.etag"] = "W/\"x\"",
        };

        Assert.Equal(
            """{"PartitionKey":"p","RowKey":"r","S":"s","I":1,"L@odata.type":"Edm.Int64","L":"9223372036854775807","D@odata.type":"Edm.Double","D":1,"B":true,"T@odata.type":"Edm.DateTime","T":"2024-01-01T00:00:00.0000000Z","G@odata.type":"Edm.Guid","G":"c9da6455-213d-42c9-9a79-3e9149a57833","X@odata.type":"Edm.Binary","X":"AQID","E":"Sms"}""",
            Write(entity));
    }

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    public void WriteEntity_NonFiniteDouble_IsAnnotatedString(double value, string expected)
    {
        var json = Write(new TableEntity("p", "r") { ["D"] = value });

        Assert.Contains($"\"D@odata.type\":\"Edm.Double\",\"D\":\"{expected}\"", json);
    }

    [Fact]
    public void WriteEntity_UnspecifiedDateTime_IsTreatedAsUtc()
    {
        var json = Write(new TableEntity("p", "r") { ["T"] = new DateTime(2024, 1, 1, 12, 0, 0, DateTimeKind.Unspecified) });

        Assert.Contains("\"T\":\"2024-01-01T12:00:00.0000000Z\"", json);
    }

    [Fact]
    public void WriteEntity_UnsupportedValueType_ThrowsNotSupportedNamingTheProperty()
    {
        var error = Assert.Throws<NotSupportedException>(() => Write(new TableEntity("p", "r") { ["Price"] = 1.5m }));

        Assert.Contains("Price", error.Message);
        Assert.Contains("Decimal", error.Message);
    }

    [Fact]
    public void WriteEntity_ClassWithUnsupportedProperty_ThrowsNotSupported()
    {
        var error = Assert.Throws<NotSupportedException>(() => Write(new UnsupportedEntity { PartitionKey = "p", RowKey = "r" }));

        Assert.Contains("Tags", error.Message);
    }

    [Fact]
    public void ReadTableEntity_AzuriteMinimalMetadataSample_RecoversEveryType()
    {
        // provider-specs.md §9.4, as Azurite returned it.
        var entity = Read("""
            {"odata.metadata":"http://127.0.0.1:10002/devstoreaccount1/$metadata#vecb0fc82/@Element","odata.etag":"W/\"datetime'2026-11-22T10%3A07%3A05.5323908Z'\"","PartitionKey":"p1","RowKey":"r1","Text":"héllo","Count":1,"Big@odata.type":"Edm.Int64","Big":"9223372036854775807","When@odata.type":"Edm.DateTime","When":"2024-01-01T00:00:00Z","Id@odata.type":"Edm.Guid","Id":"c9da6455-213d-42c9-9a79-3e9149a57833","Bin@odata.type":"Edm.Binary","Bin":"AQID","Ratio":1.5,"Whole":2,"Flag":true,"Timestamp":"2026-11-22T10:07:05.5323908Z"}
            """);

        Assert.Equal("p1", entity.PartitionKey);
        Assert.Equal("r1", entity.RowKey);
        Assert.Equal(new ETag("W/\"datetime'2026-11-22T10%3A07%3A05.5323908Z'\""), entity.ETag);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 10, 7, 5, TimeSpan.Zero).AddTicks(5323908), entity.Timestamp);
        Assert.Equal("héllo", entity["Text"]);
        Assert.Equal(1, entity["Count"]);
        Assert.Equal(long.MaxValue, entity["Big"]);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), entity["When"]);
        Assert.Equal(Guid.Parse("c9da6455-213d-42c9-9a79-3e9149a57833"), entity["Id"]);
        Assert.Equal(new byte[] { 1, 2, 3 }, entity["Bin"]);
        Assert.Equal(1.5, entity["Ratio"]);
        Assert.Equal(2, entity["Whole"]);
        Assert.Equal(true, entity["Flag"]);
        Assert.False(entity.ContainsKey("odata.metadata"));
        Assert.False(entity.ContainsKey("Big@odata.type"));
    }

    [Fact]
    public void ReadTableEntity_UnannotatedNumbers_IntegralIsInt32AndFractionIsDouble()
    {
        var entity = Read("""{"PartitionKey":"p","RowKey":"r","A":2,"B":2.0,"C":3000000000,"D":-1e3}""");

        Assert.IsType<int>(entity["A"]);
        Assert.IsType<double>(entity["B"]);
        Assert.IsType<double>(entity["C"]);
        Assert.Equal(-1000.0, entity["D"]);
    }

    [Fact]
    public void ReadTableEntity_AnnotationAfterValue_IsStillApplied()
    {
        var entity = Read("""{"PartitionKey":"p","RowKey":"r","L":"42","L@odata.type":"Edm.Int64","D":"NaN","D@odata.type":"Edm.Double"}""");

        Assert.Equal(42L, entity["L"]);
        Assert.True(double.IsNaN((double)entity["D"]!));
    }

    [Fact]
    public void ReadTableEntity_MalformedTypedValue_ThrowsFormatExceptionNamingTheProperty()
    {
        var error = Assert.Throws<FormatException>(() => Read("""{"PartitionKey":"p","RowKey":"r","G@odata.type":"Edm.Guid","G":"not-a-guid"}"""));

        Assert.Contains("'G'", error.Message);
    }

    [Fact]
    public void ReadEntity_TypedClass_ConvertsByPropertyTypeAndIgnoresUnknownProperties()
    {
        using var document = JsonDocument.Parse("""
            {"odata.etag":"W/\"e\"","PartitionKey":"p","RowKey":"r","Count":3,"Big@odata.type":"Edm.Int64","Big":"-9007199254740993","Whole":2.0,"MaybeRatio":4,
             "When@odata.type":"Edm.DateTime","When":"2024-01-01T00:00:00.1234567Z","Channel":"Email","MaybeChannel":null,"Unknown":"x","Timestamp":"2024-01-02T00:00:00Z"}
            """);

        var entity = TableEntityJson.ReadEntity<TypedEntity>(document.RootElement);

        Assert.Equal(new ETag("W/\"e\""), entity.ETag);
        Assert.Equal(3, entity.Count);
        Assert.Equal(-9007199254740993L, entity.Big);
        Assert.Equal(2.0, entity.Whole);
        Assert.Equal(4.0, entity.MaybeRatio);
        Assert.Equal(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(1234567), entity.When);
        Assert.Equal(DateTimeKind.Utc, entity.When.Kind);
        Assert.Equal(Channel.Email, entity.Channel);
        Assert.Null(entity.MaybeChannel);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 0, 0, 0, TimeSpan.Zero), entity.Timestamp);
    }

    [Fact]
    public void ReadEntity_WrongJsonTypeForProperty_ThrowsFormatException()
    {
        using var document = JsonDocument.Parse("""{"PartitionKey":"p","RowKey":"r","Count":"many"}""");

        var error = Assert.Throws<FormatException>(() => TableEntityJson.ReadEntity<TypedEntity>(document.RootElement));

        Assert.Contains("Count", error.Message);
    }

    [Fact]
    public void WriteAndRead_MappedName_IsTheStoredProperty()
    {
        var json = Write(new RenamedEntity { PartitionKey = "p", RowKey = "r", Phone = "+44" });
        using var document = JsonDocument.Parse(json);
        var read = TableEntityJson.ReadEntity<RenamedEntity>(document.RootElement);

        Assert.Equal("""{"PartitionKey":"p","RowKey":"r","msisdn":"+44"}""", json);
        Assert.Equal("+44", read.Phone);
    }

    [Fact]
    public void WriteAndRead_UnmappedClass_ThrowsNotSupportedNamingTheInterface()
    {
        var write = Assert.Throws<NotSupportedException>(() => Write(new UnmappedEntity { PartitionKey = "p", RowKey = "r" }));
        using var document = JsonDocument.Parse("""{"PartitionKey":"p","RowKey":"r"}""");
        var read = Assert.Throws<NotSupportedException>(() => TableEntityJson.ReadEntity<UnmappedEntity>(document.RootElement));

        Assert.Contains(nameof(IMappedTableEntity), write.Message);
        Assert.Contains(nameof(IMappedTableEntity), read.Message);
    }

    private sealed class RenamedEntity : IMappedTableEntity
    {
        public string PartitionKey { get; set; } = "";
        public string RowKey { get; set; } = "";
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }

        public string? Phone { get; set; }

        public void WriteTo(TableEntity row) => row["msisdn"] = Phone;

        public void ReadFrom(TableEntity row) => Phone = row.GetString("msisdn");
    }

    private sealed class UnsupportedEntity : IMappedTableEntity
    {
        public string PartitionKey { get; set; } = "";
        public string RowKey { get; set; } = "";
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }
        public List<string> Tags { get; set; } = [];

        public void WriteTo(TableEntity row) => row[nameof(Tags)] = Tags;

        public void ReadFrom(TableEntity row) => throw new NotSupportedException();
    }

    private sealed class UnmappedEntity : ITableEntity
    {
        public string PartitionKey { get; set; } = "";
        public string RowKey { get; set; } = "";
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }
    }
}
