using System.Text.Json.Nodes;

namespace Lowbit.Api;

/// <summary>
/// Which data a <see cref="LowbitModel"/> trains and evaluates on: a config's <c>"data"</c> section in C# (docs/DATA.md).
/// Fields left null take the config defaults, so a model trains on exactly what <c>lowbit train</c> would read.
/// </summary>
/// <param name="Dataset">mnist, fashion-mnist, cifar10, npz or image_folder.</param>
/// <param name="Path">The dataset's folder (the .npz file for npz), or null for the default (bundled MNIST; Debian's Fashion-MNIST).</param>
public sealed record DataSource(string Dataset, string? Path = null)
{
    /// <summary>Images held out from the end of the training set for validation (config default 10,000).</summary>
    public int? Validation { get; init; }

    /// <summary>zero_one, plus_minus_one or standardize (config default plus_minus_one).</summary>
    public string? Normalize { get; init; }

    /// <summary>Train on the first N training images only.</summary>
    public int? TrainLimit { get; init; }

    /// <summary>Test on the first N test images only.</summary>
    public int? TestLimit { get; init; }

    /// <summary>MNIST from <paramref name="folder"/>, or the bundled copy.</summary>
    public static DataSource Mnist(string? folder = null) => new("mnist", folder);

    /// <summary>Fashion-MNIST from <paramref name="folder"/>, or Debian's dataset-fashion-mnist folder.</summary>
    public static DataSource FashionMnist(string? folder = null) => new("fashion-mnist", folder);

    /// <summary>CIFAR-10 binary batches in <paramref name="folder"/>.</summary>
    public static DataSource Cifar10(string folder) => new("cifar10", folder ?? throw new ArgumentNullException(nameof(folder)));

    /// <summary>For npz: "auto" (default), "nhwc" or "nchw" layout of rank-4 image arrays.</summary>
    public string? Layout { get; init; }

    /// <summary>
    /// Your own images as a NumPy archive with Keras's names (numpy.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)):
    /// uint8 images [N, H, W], [N, H, W, C] or [N, C, H, W], integer labels 0..255 (docs/DATA.md).
    /// </summary>
    public static DataSource Npz(string file) => new("npz", file ?? throw new ArgumentNullException(nameof(file)));

    /// <summary>Your own images as PGM/PPM files in class folders: ROOT/train/CLASS/*.pgm and ROOT/test/CLASS/*.pgm (docs/DATA.md).</summary>
    public static DataSource ImageFolder(string root) => new("image_folder", root ?? throw new ArgumentNullException(nameof(root)));

    /// <summary>The config's "data" section.</summary>
    internal JsonObject ToJson()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Dataset);
        var data = new JsonObject { ["dataset"] = Dataset };
        if (Path is not null) data["path"] = System.IO.Path.GetFullPath(Path);
        if (Validation is { } validation) data["validation"] = validation;
        if (Normalize is not null) data["normalize"] = Normalize;
        if (TrainLimit is { } train) data["train_limit"] = train;
        if (TestLimit is { } test) data["test_limit"] = test;
        if (Layout is not null) data["layout"] = Layout;
        return data;
    }
}
