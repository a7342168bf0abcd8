namespace Omni.Infra.Tests;

/// <summary>Paths into the working copy the tests run from (found by walking up to Omni.Functions.sln).</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(PathOf(parts));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Omni.Functions.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Omni.Functions.sln not found above " + AppContext.BaseDirectory);
    }
}
