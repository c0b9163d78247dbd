namespace Lowbit.Cli;

/// <summary>Locations of files shipped with the CLI (configs next to the executable, or in the repository).</summary>
public static class Paths
{
    /// <summary>The default experiment: the BinaryNet MLP on MNIST.</summary>
    public const string DefaultConfig = "mnist-binarynet.json";

    /// <summary>Finds a shipped config by file name: next to the executable, then configs/ in a parent of the working folder.</summary>
    public static string ShippedConfig(string fileName)
    {
        var candidates = new List<string> { Path.Combine(AppContext.BaseDirectory, "configs", fileName) };
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            candidates.Add(Path.Combine(dir.FullName, "configs", fileName));
        return candidates.FirstOrDefault(File.Exists) ?? throw new UserException($"shipped config '{fileName}' not found next to the executable or in a configs/ folder; pass --config FILE.");
    }
}
