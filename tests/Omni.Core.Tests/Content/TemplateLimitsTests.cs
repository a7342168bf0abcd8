using System.Diagnostics;
using System.Text.Json;
using Omni.Core.Contacts;
using Omni.Core.Content;
using Omni.Core.Messages;

namespace Omni.Core.Tests.Content;

/// <summary>Rendering is bounded by construction (docs/templates.md#limits): static limits on save, runtime limits on every render.</summary>
public sealed class TemplateLimitsTests
{
    /// <summary>The security review's template: six nested loops over one list (64 million characters from 20 items).</summary>
    public static readonly string SixNestedLoops =
        string.Concat(Enumerable.Repeat("{{#each @root.a}}", 6)) + "x" + string.Concat(Enumerable.Repeat("{{/each}}", 6));

    /// <summary>Within the static limits, but the data makes it explode: two nested loops writing a paragraph per pair.</summary>
    private const string PairsHtml = "{{#each a}}{{#each @root.a}}<p>{{this}} and {{../this}} go together well, as the data says.</p>{{/each}}{{/each}}";

    private static readonly ContentComposer Composer = new(BrandVariables.Empty);

    private static Template EmailOnly(string html) => new()
    {
        Id = "pairs",
        DefaultLocale = "en",
        Locales = new Dictionary<string, IReadOnlyDictionary<string, TemplatePart>>
        {
            ["en"] = new Dictionary<string, TemplatePart> { ["email"] = new(Subject: "Pairs", Html: html) },
        },
    };

    private static MessageContentRequest WithItems(int count) => new()
    {
        Template = new TemplateReference
        {
            Id = "pairs",
            Data = JsonDocument.Parse($$"""{"a":[{{string.Join(',', Enumerable.Range(0, count))}}]}""").RootElement.Clone(),
        },
    };

    public static TheoryData<string, string> TooComplex => new()
    {
        { SixNestedLoops, "Loops ({{#each}} or a section over a list) are nested 3 deep; at most 2" },
        { "{{#items}}{{#each lines}}{{#each options}}{{/each}}{{/each}}{{/items}}", "nested 3 deep" },
        { string.Concat(Enumerable.Repeat("{{#if x}}", 9)) + string.Concat(Enumerable.Repeat("{{/if}}", 9)), "Blocks are nested 9 deep; at most 8" },
    };

    [Theory]
    [MemberData(nameof(TooComplex))]
    public void Inspect_BeyondStaticLimits_SaysWhyAndWhatIsAllowed(string source, string expected)
    {
        Assert.Contains(expected, TemplateLimits.Inspect(source));
    }

    [Theory]
    [InlineData("{{#each orders}}{{#each lines}}{{name}}{{/each}}{{/each}}")]
    [InlineData("{{#each a}}{{/each}}{{#each b}}{{#with c}}{{#if d}}{{/if}}{{/with}}{{/each}}{{#each e}}{{/each}}")]
    [InlineData("{{!-- {{#each a}}{{#each b}}{{#each c}} --}}{{#each a}}x{{else}}none{{/each}}")]
    [InlineData("Hi {{name}}, {{#if vip}}welcome back{{else if new}}welcome{{/if}}")]
    public void Inspect_WithinStaticLimits_IsNull(string source)
    {
        Assert.Null(TemplateLimits.Inspect(source));
    }

    [Fact]
    public void Validate_SixNestedLoops_GoesToLimitsNotErrors()
    {
        var errors = new ValidationErrors();
        var limits = new ValidationErrors();

        TemplateRules.Validate(EmailOnly(SixNestedLoops), errors, limits: limits);

        Assert.True(errors.IsValid);
        Assert.Contains("at most 2", Assert.Single(limits.ToDictionary()["locales.en.email.html"]));
    }

    [Fact]
    public void Compose_DataThatExplodesTheOutput_StopsAtTheLimitFastWithFlatMemory()
    {
        var template = EmailOnly(PairsHtml);
        Composer.Compose(WithItems(1), template, null, [Channel.Email]); // compiles: the measurement is the render only

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var composed = Composer.Compose(WithItems(900), template, null, [Channel.Email]);
        clock.Stop();
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        var failure = composed.Failure!;
        Assert.Equal(ContentFailureReason.RenderError, failure.Reason);
        Assert.Equal($"locales.en.email.html: the template's output passed {MessageRequestValidator.MaxHtmlLength} characters; rendering stopped.", failure.Detail);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.True(allocated < 16 * 1024 * 1024, $"allocated {allocated / 1024} KiB");
    }

    [Fact]
    public void Compose_LoopsOverLoopsWritingNothing_StopAtTheItemBudget()
    {
        var composed = Composer.Compose(WithItems(900), EmailOnly("{{#each a}}{{#each @root.a}}{{/each}}{{/each}}done"), null, [Channel.Email]);

        Assert.Equal($"locales.en.email.html: the loops read more than {TemplateLimits.MaxItemsPerMessage} items; rendering stopped.", composed.Failure!.Detail);
    }

    [Fact]
    public void TryRender_LongList_StopsPastItemsPerLoop()
    {
        var model = TemplateRenderer.CreateModel(WithItems(TemplateLimits.MaxItemsPerLoop + 1).Template!.Data, null);

        Assert.False(TemplateRenderer.Shared.TryRender("{{#each a}}.{{/each}}", false, model, out _, out var error));
        Assert.Equal($"a loop passed {TemplateLimits.MaxItemsPerLoop} items; rendering stopped.", error);
    }

    [Fact]
    public void TryRender_TimeSpent_StopsWithTheReason()
    {
        var model = TemplateRenderer.CreateModel(WithItems(10).Template!.Data, null);

        Assert.False(TemplateRenderer.Shared.TryRender("{{#each a}}{{this}}{{/each}}", false, model, out _, out var error, budget: new RenderBudget(TimeSpan.Zero)));
        Assert.Equal("rendering took longer than 0 ms; rendering stopped.", error);
    }

    [Fact]
    public void TryRender_ListsWithinLimits_RenderAsBefore()
    {
        var model = TemplateRenderer.CreateModel(WithItems(3).Template!.Data, null);

        Assert.True(TemplateRenderer.Shared.TryRender("{{#each a}}{{@index}}:{{this}}{{#if @last}}.{{else}},{{/if}}{{/each}} {{a.length}} {{a.[1]}}", false, model, out var output, out _));
        Assert.Equal("0:0,1:1,2:2. 3 1", output);
    }

    [Fact]
    public void TryRender_ListMembers_CountLookupAndMissingIndex()
    {
        var model = TemplateRenderer.CreateModel(WithItems(3).Template!.Data, null);

        Assert.True(TemplateRenderer.Shared.TryRender("{{a.count}}|{{a.Length}}|{{lookup a 2}}|{{a.[7]}}|{{a.nothing}}|{{#each a}}{{@first}}{{/each}}", false, model, out var output, out var error), error);
        Assert.Equal("3|3|2|||TrueFalseFalse", output);
    }
}
