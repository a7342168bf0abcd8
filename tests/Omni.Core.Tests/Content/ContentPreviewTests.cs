using Omni.Core.Content;

namespace Omni.Core.Tests.Content;

public sealed class ContentPreviewTests
{
    [Theory]
    [InlineData("Your code is 123456", "Your code is ######")]
    [InlineData("Line one\r\n  line two", "Line one line two")]
    [InlineData("Order 42 of 7 items, total 19.99 EUR, arrives Monday", "Order ## of # items, total ##.## EUR, ar…")]
    public void Mask_Text_IsOneLineWithDigitsHiddenAndCut(string text, string expected)
    {
        Assert.Equal(expected, ContentPreview.Mask(text));
    }

    [Fact]
    public void Describe_Transactional_ShowsKindHashAndMaskedSubjectAndText()
    {
        var described = ContentPreview.Describe(new RenderedContent("Code 4821 for order 7", "Order 7", "<p>Code 4821</p>"), "transactional");

        Assert.Equal(new SentContent("text+html", ContentPreview.Hash("Code 4821 for order 7"), "Order #", "Code #### for order #"), described);
        Assert.Equal(16, described.Hash.Length);
    }

    [Fact]
    public void Describe_Security_ShowsOnlyKindAndHash()
    {
        var described = ContentPreview.Describe(new RenderedContent("Your code is 4821", "Your code 4821"), "security");

        Assert.Equal(new SentContent("text", ContentPreview.Hash("Your code is 4821"), null, null), described);
    }

    [Fact]
    public void Describe_HtmlOnly_PreviewsTheReadableText_AndHashesTheHtml()
    {
        var described = ContentPreview.Describe(new RenderedContent(null, "Invoice", "<p>Invoice <b>12</b> is ready.</p>"), "support");

        Assert.Equal(("html", "Invoice ## is ready.", ContentPreview.Hash("<p>Invoice <b>12</b> is ready.</p>")), (described.Kind, described.Preview, described.Hash));
    }
}
