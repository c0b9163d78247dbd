using System.IO.Compression;

namespace Lowbit.Data.Formats;

/// <summary>
/// A labelled image dataset in a NumPy .npz archive (numpy.savez or savez_compressed) with Keras's array names:
/// x_train, y_train, x_test, y_test. Images are uint8, [N, H, W] (one channel) or [N, H, W, C] / [N, C, H, W]
/// (<see cref="Layouts"/>); labels are integers 0..255, one per image; the class count is the largest label + 1.
/// </summary>
public static class NpzDataset
{
    /// <summary>The array names looked for.</summary>
    public static readonly string[] ArrayNames = ["x_train", "y_train", "x_test", "y_test"];

    /// <summary>How rank-4 image arrays are laid out: "nhwc" (NumPy, Keras, PIL), "nchw" (PyTorch) or "auto".</summary>
    /// <remarks>
    /// "auto" takes the axis (last or second) whose size is 1, 3 or 4 as the channels when exactly one of them is, and
    /// asks for an explicit layout otherwise.
    /// </remarks>
    public static readonly string[] Layouts = ["auto", "nhwc", "nchw"];

    /// <summary>Loads the training and test sets.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">An array is missing, malformed, of another dtype, or the shapes disagree.</exception>
    public static TrainTestSets Load(string path, string layout = "auto")
    {
        using var zip = Open(path);
        string file = Path.GetFileName(path);
        var xTrain = Array(zip, file, "x_train", header: false);
        var yTrain = Array(zip, file, "y_train", header: false);
        var xTest = Array(zip, file, "x_test", header: false);
        var yTest = Array(zip, file, "y_test", header: false);
        var trainShape = ImageShape(xTrain, layout);
        var testShape = ImageShape(xTest, layout);
        if (!trainShape.AsSpan().SequenceEqual(testShape))
            throw new InvalidDataException($"{file}: x_train images are {Format(trainShape)} but x_test images are {Format(testShape)} (channels x height x width).");
        var trainLabels = Labels(yTrain, xTrain.Shape[0]);
        var testLabels = Labels(yTest, xTest.Shape[0]);
        int classes = Math.Max(trainLabels.DefaultIfEmpty().Max(), testLabels.DefaultIfEmpty().Max()) + 1;
        var name = Path.GetFileNameWithoutExtension(path);
        return new TrainTestSets(
            new ImageDataset(name + "-train", trainShape[0], trainShape[1], trainShape[2], Pixels(xTrain, layout, trainShape), trainLabels, classes),
            new ImageDataset(name + "-test", testShape[0], testShape[1], testShape[2], Pixels(xTest, layout, testShape), testLabels, classes));
    }

    /// <summary>The per-example image shape [C, H, W] of x_train, reading only its header.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">x_train is missing or not a uint8 image array.</exception>
    public static int[] ImageShape(string path, string layout = "auto")
    {
        using var zip = Open(path);
        return ImageShape(Array(zip, Path.GetFileName(path), "x_train", header: true), layout);
    }

    private static ZipArchive Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"npz file not found: '{Path.GetFullPath(path)}' (data.path names the .npz file).", path);
        try
        {
            return ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{Path.GetFileName(path)}: not a .npz archive (a zip of .npy arrays, as numpy.savez writes): {e.Message}", e);
        }
    }

    private static NpyArray Array(ZipArchive zip, string file, string name, bool header)
    {
        var entry = zip.GetEntry(name + ".npy") ?? throw new InvalidDataException(
            $"{file}: no array '{name}'; a dataset .npz holds {string.Join(", ", ArrayNames)} (numpy.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)); this one holds {string.Join(", ", zip.Entries.Select(e => Path.GetFileNameWithoutExtension(e.FullName)))}.");
        using var stream = entry.Open();
        return header ? NpyArray.ReadHeader(stream, $"{file}/{entry.FullName}") : NpyArray.Read(stream, $"{file}/{entry.FullName}");
    }

    /// <summary>[C, H, W] of an image array.</summary>
    private static int[] ImageShape(NpyArray x, string layout)
    {
        if (x.Kind != 'u' || x.ItemSize != 1)
            throw new InvalidDataException($"{x.Name}: images must be uint8 (0..255) but the dtype is {x.DType}; convert with .astype(numpy.uint8) after scaling to 0..255.");
        var s = x.Shape;
        if (s.Length == 3) return [1, s[1], s[2]];
        if (s.Length != 4) throw new InvalidDataException($"{x.Name}: images must be [N, H, W] or [N, H, W, C] / [N, C, H, W] but the shape is ({string.Join(", ", s)}).");
        return ChannelsLast(x, layout) ? [s[3], s[1], s[2]] : [s[1], s[2], s[3]];
    }

    private static bool ChannelsLast(NpyArray x, string layout)
    {
        if (layout == "nhwc") return true;
        if (layout == "nchw") return false;
        if (layout != "auto") throw new ArgumentException($"Layout '{layout}' is not one of {string.Join(", ", Layouts)}.", nameof(layout));
        static bool Channels(int d) => d is 1 or 3 or 4;
        var s = x.Shape;
        if (Channels(s[3]) && !Channels(s[1])) return true;
        if (Channels(s[1]) && !Channels(s[3])) return false;
        throw new InvalidDataException($"{x.Name}: shape ({string.Join(", ", s)}) could be [N, H, W, C] or [N, C, H, W]; set data.layout to \"nhwc\" or \"nchw\".");
    }

    /// <summary>Pixels in Lowbit's [N, C, H, W] order.</summary>
    private static byte[] Pixels(NpyArray x, string layout, int[] chw)
    {
        if (x.Shape.Length == 3 || !ChannelsLast(x, layout)) return x.Data;
        int n = x.Shape[0], c = chw[0], plane = chw[1] * chw[2], size = c * plane;
        var pixels = new byte[x.Data.Length];
        for (int i = 0; i < n; i++)
            for (int p = 0; p < plane; p++)
                for (int k = 0; k < c; k++)
                    pixels[i * size + k * plane + p] = x.Data[i * size + p * c + k];
        return pixels;
    }

    private static byte[] Labels(NpyArray y, int images)
    {
        if (y.Kind is not ('u' or 'i') || y.Shape.Length != 1 && !(y.Shape.Length == 2 && y.Shape[1] == 1))
            throw new InvalidDataException($"{y.Name}: labels must be integers of shape (N,) or (N, 1) but are {y.DType} of shape ({string.Join(", ", y.Shape)}).");
        if (y.Shape[0] != images) throw new InvalidDataException($"{y.Name}: {y.Shape[0]} labels for {images} images.");
        var labels = new byte[images];
        for (int i = 0; i < images; i++)
        {
            long label = y.Integer(i);
            if (label is < 0 or > 255) throw new InvalidDataException($"{y.Name}: label {label} at index {i} is outside 0..255 (class indices).");
            labels[i] = (byte)label;
        }
        return labels;
    }

    private static string Format(int[] shape) => string.Join("x", shape);
}
