namespace Lowbit.Testing;

/// <summary>Finds the shared datasets (CIFAR-10, Penn Treebank, ...) that tests may read but the product never needs.</summary>
public static class SharedData
{
    /// <summary>The machine-wide copy, used when the repository is cloned elsewhere (CI clones into a temporary folder).</summary>
    public const string MachineFolder = "/work/shared/data";

    /// <summary>
    /// The folder of <paramref name="dataset"/> (e.g. "cifar10"): shared/data beside the repository, else
    /// <see cref="MachineFolder"/>; when neither exists, the path beside the repository (so skip messages name it).
    /// </summary>
    public static string Folder(string repositoryRoot, string dataset)
    {
        ArgumentNullException.ThrowIfNull(repositoryRoot);
        ArgumentNullException.ThrowIfNull(dataset);
        string beside = Path.GetFullPath(Path.Combine(repositoryRoot, "..", "shared", "data", dataset));
        string machine = Path.Combine(MachineFolder, dataset);
        return Directory.Exists(beside) || !Directory.Exists(machine) ? beside : machine;
    }
}
