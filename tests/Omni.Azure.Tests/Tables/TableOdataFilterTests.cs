using Omni.Azure.Tables;

namespace Omni.Azure.Tests.Tables;

public sealed class TableOdataFilterTests
{
    [Fact]
    public void CreateQueryFilter_String_IsQuoted()
    {
        var tenant = "contoso";

        Assert.Equal("PartitionKey eq 'contoso'", TableClient.CreateQueryFilter($"PartitionKey eq {tenant}"));
    }

    [Fact]
    public void CreateQueryFilter_SingleQuotes_AreDoubled()
    {
        var name = "O'Brien's";

        Assert.Equal("Name eq 'O''Brien''s'", TableClient.CreateQueryFilter($"Name eq {name}"));
    }

    [Theory]
    [InlineData("x' or PartitionKey eq 'secret", "PartitionKey eq 'x'' or PartitionKey eq ''secret'")]
    [InlineData("x') or (true", "PartitionKey eq 'x'') or (true'")]
    [InlineData("'", "PartitionKey eq ''''")]
    [InlineData("''", "PartitionKey eq ''''''")]
    [InlineData("x' or 1 eq 1 or 'y", "PartitionKey eq 'x'' or 1 eq 1 or ''y'")]
    public void CreateQueryFilter_InjectionAttempt_StaysInsideOneStringLiteral(string attack, string expected)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {attack}");

        Assert.Equal(expected, filter);
        // Whatever follows "eq " is exactly one literal: undoubling its inside gives the attack text back.
        var literal = filter["PartitionKey eq ".Length..];
        Assert.StartsWith("'", literal);
        Assert.EndsWith("'", literal);
        Assert.Equal(attack, literal[1..^1].Replace("''", "'"));
        Assert.DoesNotContain("'", literal[1..^1].Replace("''", ""));
    }

    [Fact]
    public void CreateQueryFilter_TypedArguments_UseODataLiteralSyntax()
    {
        var id = Guid.Parse("c9da6455-213d-42c9-9a79-3e9149a57833");
        var when = new DateTimeOffset(2024, 1, 1, 2, 0, 0, TimeSpan.FromHours(2)).AddTicks(1);
        var utc = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        long big = 9_007_199_254_740_993;
        int small = -5;
        double ratio = 1.5, whole = 2.0, large = 1e20;
        byte[] bytes = [0x0a, 0xff];

        var filter = TableClient.CreateQueryFilter(
            $"Id eq {id} and When ge {when} and Utc lt {utc} and Big eq {big} and Small eq {small} and Ratio eq {ratio} and Whole eq {whole} and Large eq {large} and Flag eq {true} and Off eq {false} and Bin eq {bytes} and Missing eq {null} and C eq {Channel.WhatsApp}");

        Assert.Equal(
            "Id eq guid'c9da6455-213d-42c9-9a79-3e9149a57833' and When ge datetime'2024-01-01T00:00:00.0000001Z' and Utc lt datetime'2024-05-06T07:08:09.0000000Z' " +
            "and Big eq 9007199254740993L and Small eq -5 and Ratio eq 1.5 and Whole eq 2.0 and Large eq 1E+20 and Flag eq true and Off eq false " +
            "and Bin eq X'0aff' and Missing eq null and C eq 'WhatsApp'",
            filter);
    }

    [Fact]
    public void CreateQueryFilter_FormatSpecifierInTemplate_CannotUnquoteAString()
    {
        var value = "a'b";

        Assert.Equal("P eq 'a''b'", TableClient.CreateQueryFilter($"P eq {value:G}"));
    }

    [Fact]
    public void CreateQueryFilter_BracesInTemplateAndArguments_ArePreserved()
    {
        var value = "{0}";

        Assert.Equal("P eq '{0}' and Q eq '{x}'", TableClient.CreateQueryFilter($"P eq {value} and Q eq '{{x}}'"));
    }

    [Fact]
    public void CreateQueryFilter_UnsupportedArgumentType_ThrowsArgumentException()
    {
        var value = new Uri("https://example.com");

        var error = Assert.Throws<ArgumentException>(() => TableClient.CreateQueryFilter($"P eq {value}"));

        Assert.Contains("Uri", error.Message);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void CreateQueryFilter_NonFiniteDouble_ThrowsArgumentException(double value)
    {
        Assert.Throws<ArgumentException>(() => TableClient.CreateQueryFilter($"P eq {value}"));
    }

    [Fact]
    public void CreateQueryFilter_ServiceClient_BuildsTheSameFilter()
    {
        var name = "a'b";

        Assert.Equal(TableClient.CreateQueryFilter($"TableName eq {name}"), TableServiceClient.CreateQueryFilter($"TableName eq {name}"));
    }
}
