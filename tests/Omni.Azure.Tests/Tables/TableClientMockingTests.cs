using Azure;
using Moq;
using Omni.Azure.Tables;

namespace Omni.Azure.Tests.Tables;

/// <summary>The clients are mockable the way Azure SDK clients are: protected constructor, virtual methods.</summary>
public sealed class TableClientMockingTests
{
    [Fact]
    public async Task TableClient_Mocked_ReturnsConfiguredEntity()
    {
        var table = new Mock<TableClient>(MockBehavior.Strict);
        var contact = new Contact { PartitionKey = "p", RowKey = "r", Name = "Ada" };
        table.Setup(t => t.GetEntityIfExistsAsync<Contact>("p", "r", null, It.IsAny<CancellationToken>()))
            .ReturnsAsync(Response.FromValue(contact, Mock.Of<Response>()));

        var found = await LookUpNameAsync(table.Object, "p", "r");

        Assert.Equal("Ada", found);
        table.VerifyAll();
    }

    [Fact]
    public async Task TableClient_MockedConcurrencyFailure_CanBeCaughtByStatus()
    {
        var table = new Mock<TableClient>();
        table.Setup(t => t.UpdateEntityAsync(It.IsAny<Contact>(), It.IsAny<ETag>(), TableUpdateMode.Replace, It.IsAny<CancellationToken>()))
            .ThrowsAsync(new RequestFailedException(412, "stale", "UpdateConditionNotSatisfied", null));

        var saved = await TrySaveAsync(table.Object, new Contact { PartitionKey = "p", RowKey = "r", ETag = new ETag("W/\"1\"") });

        Assert.False(saved);
    }

    [Fact]
    public void TableServiceClient_Mocked_HandsOutMockedTableClient()
    {
        var table = new Mock<TableClient>();
        table.SetupGet(t => t.Name).Returns("messages");
        var service = new Mock<TableServiceClient>();
        service.Setup(s => s.GetTableClient("messages")).Returns(table.Object);

        Assert.Equal("messages", service.Object.GetTableClient("messages").Name);
    }

    private static async Task<string?> LookUpNameAsync(TableClient table, string pk, string rk)
    {
        var result = await table.GetEntityIfExistsAsync<Contact>(pk, rk);
        return result.HasValue ? result.Value!.Name : null;
    }

    private static async Task<bool> TrySaveAsync(TableClient table, Contact contact)
    {
        try
        {
            await table.UpdateEntityAsync(contact, contact.ETag, TableUpdateMode.Replace);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return false;
        }
    }
}
