namespace Lowbit.Cli;

/// <summary>
/// Locations of files shipped with the CLI: the configs next to the executable (a build, or the installed .NET tool), else
/// configs/ in the working folder or a parent of it (a clone of the repository).
/// </summary>
public static class Paths
{
    /// <summary>The default experiment: the BinaryNet MLP on MNIST.</summary>
    public const string DefaultConfig = "mnist-binarynet.json";

    /// <summary>Folders that may hold the shipped configs, in search order (existing or not).</summary>
    public static IEnumerable<string> ConfigFolders()
    {
        yield return Path.Combine(AppContext.BaseDirectory, "configs");
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            yield return Path.Combine(dir.FullName, "configs");
    }

    /// <summary>The first folder of <see cref="ConfigFolders"/> that holds configs, or null.</summary>
    public static string? ShippedConfigFolder() =>
        ConfigFolders().FirstOrDefault(d => Directory.Exists(d) && Directory.EnumerateFiles(d, "*.json").Any());

    /// <summary>Finds a shipped config by file name ("mnist-mlp-float.json" or "mnist-mlp-float").</summary>
    /// <exception cref="UserException">No shipped config has that name.</exception>
    public static string ShippedConfig(string fileName)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        string name = fileName.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? fileName : fileName + ".json";
        return ConfigFolders().Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists)
            ?? throw new UserException($"config '{fileName}' is neither a file nor a shipped config (lowbit configs lists them); pass --config PATH.");
    }

    /// <summary>
    /// The config file a --config value names: an existing file as given, else (a bare name without folders) the shipped
    /// config of that name; null means the default config.
    /// </summary>
    /// <exception cref="UserException">Neither exists.</exception>
    public static string ResolveConfig(string? config)
    {
        if (config is null) return ShippedConfig(DefaultConfig);
        if (File.Exists(config)) return config;
        if (Directory.Exists(config)) throw new UserException($"config file '{config}' is a folder; give a JSON config file.");
        bool bareName = config.IndexOfAny([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar]) < 0;
        if (bareName) return ShippedConfig(config);
        throw new UserException($"config file '{config}' does not exist.");
    }
}
