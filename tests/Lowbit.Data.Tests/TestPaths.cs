namespace Lowbit.Data.Tests;

/// <summary>Locates bundled and shared data relative to the repository root (the folder holding Lowbit.slnx).</summary>
internal static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Mnist => Path.Combine(RepositoryRoot, "data", "mnist");

    /// <summary>shared/data/cifar10 beside the repository, else the machine-wide copy (see <see cref="Lowbit.Testing.SharedData"/>).</summary>
    public static string Cifar10 => Lowbit.Testing.SharedData.Folder(RepositoryRoot, "cifar10");

    /// <summary>Installed by the Debian package dataset-fashion-mnist.</summary>
    public const string FashionMnist = "/usr/share/datasets/fashion-mnist";

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Lowbit.slnx")))
            {
                return dir.FullName;
            }
        }

        // Built with --artifacts-path outside the tree: fall back to the source location of this file.
        return Path.GetFullPath(Path.Combine(SourceDirectory(), "..", ".."));
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetDirectoryName(path)!;
}

/// <summary>A fact that is skipped, with the reason, when a data folder is missing.</summary>
internal sealed class RequiresFolderFactAttribute : FactAttribute
{
    public RequiresFolderFactAttribute(string dataset)
    {
        string folder = dataset switch
        {
            "cifar10" => TestPaths.Cifar10,
            "fashion-mnist" => TestPaths.FashionMnist,
            _ => throw new ArgumentOutOfRangeException(nameof(dataset), dataset, "Expected cifar10 or fashion-mnist."),
        };
        Skip = SkipReason(dataset, folder);
    }

    /// <summary>Null when <paramref name="folder"/> exists, else the message shown for the skipped test.</summary>
    public static string? SkipReason(string dataset, string folder)
    {
        if (Directory.Exists(folder))
        {
            return null;
        }

        return dataset == "cifar10"
            ? $"CIFAR-10 batches not found at '{Path.GetFullPath(folder)}' (shared/data/cifar10 beside the repository) " +
              $"nor in {Lowbit.Testing.SharedData.MachineFolder}/cifar10."
            : $"Fashion-MNIST not found at '{folder}'; install it with 'apt-get install dataset-fashion-mnist'.";
    }
}
