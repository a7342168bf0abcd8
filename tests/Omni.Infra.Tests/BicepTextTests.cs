namespace Omni.Infra.Tests;

public sealed class BicepTextTests
{
    [Fact]
    public void Resources_LoopWithFilterAndBracesInStrings_SplitsTheDeclaration()
    {
        const string text = """
            // resource fake 'A/b@1' = { }
            resource loop 'Microsoft.X/things@2024-01-01' = [for role in filter(roles, r => r.scope == 'a:b'): {
              name: guid('{', role.id)
              properties: {
                value: '${concat('}', '{')} /* not a comment */'
              }
            }]
            resource one 'Microsoft.X/other@2024-01-01' existing = {
              name: 'x'
            }
            """;

        var resources = BicepText.Resources(text);

        Assert.Equal(["loop", "one"], resources.Select(r => r.Symbol));
        Assert.Equal("role", resources[0].LoopVariable);
        Assert.Equal("filter(roles, r => r.scope == 'a:b')", resources[0].LoopSource);
        Assert.Equal("'${concat('}', '{')} /* not a comment */'", BicepText.Property(BicepText.PropertyBlock(resources[0].Body, "properties")!, "value"));
        Assert.True(resources[1].Existing);
    }

    [Fact]
    public void Modules_ConditionalModule_KeepsTheCondition()
    {
        var modules = BicepText.Modules("module m 'app/x.bicep' = if (deploy) {\n  name: 'm'\n  params: {\n    a: b\n  }\n}\n");

        var module = Assert.Single(modules);
        Assert.Equal("(deploy)", module.Condition);
        Assert.Equal("b", BicepText.Property(module.Body, "a"));
    }

    [Fact]
    public void Variable_ArrayOfObjects_ReturnsEachItem()
    {
        var value = BicepText.Variable("var list = [\n  {\n    id: 'a'\n  }\n  {\n    id: 'b' // b\n  }\n]\nvar next = 1\n", "list")!;

        Assert.Equal(["'a'", "'b'"], BicepText.ObjectItems(value).Select(i => BicepText.Property(i, "id")));
        Assert.Equal("1", BicepText.Variable("var list = []\nvar next = 1\n", "next"));
    }
}
