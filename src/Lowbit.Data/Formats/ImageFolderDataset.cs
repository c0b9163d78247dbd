namespace Lowbit.Data.Formats;

/// <summary>
/// A labelled image dataset as folders, torchvision's ImageFolder layout: ROOT/train/CLASS/*.pgm|ppm|pnm and
/// ROOT/test/CLASS/*. Classes are the train subfolders in ordinal name order (label 0 is the first); every image has
/// the size and channel count of the first one. Images are read in ordinal file-name order within each class.
/// </summary>
public static class ImageFolderDataset
{
    private static readonly string[] s_extensions = [".pgm", ".ppm", ".pnm"];

    /// <summary>Loads ROOT/train and ROOT/test.</summary>
    /// <exception cref="DirectoryNotFoundException">The root, train or test folder does not exist.</exception>
    /// <exception cref="InvalidDataException">An image is malformed, sizes differ, or a test class is not a train class.</exception>
    public static TrainTestSets Load(string root)
    {
        var classes = ClassNames(root);
        return new TrainTestSets(Part(root, "train", classes), Part(root, "test", classes));
    }

    /// <summary>The per-example shape [C, H, W] of the first training image.</summary>
    /// <exception cref="DirectoryNotFoundException">The folders do not exist.</exception>
    /// <exception cref="InvalidDataException">There is no image, or the first is malformed.</exception>
    public static int[] ImageShape(string root)
    {
        var classes = ClassNames(root);
        string first = Images(Path.Combine(root, "train", classes[0])).FirstOrDefault()
            ?? throw new InvalidDataException($"image folder '{Path.GetFullPath(root)}': train/{classes[0]} holds no .pgm/.ppm/.pnm image.");
        var image = NetpbmImage.Read(first);
        return [image.Channels, image.Height, image.Width];
    }

    private static string[] ClassNames(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        string train = Path.Combine(root, "train");
        if (!Directory.Exists(train))
            throw new DirectoryNotFoundException($"image folder '{Path.GetFullPath(root)}': no train/ folder (expected ROOT/train/CLASS/*.pgm and ROOT/test/CLASS/*.pgm).");
        var classes = Directory.GetDirectories(train).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        if (classes.Length is 0 or > 256)
            throw new InvalidDataException($"image folder '{Path.GetFullPath(train)}': {classes.Length} class folders; 1..256 are supported.");
        return classes!;
    }

    private static IEnumerable<string> Images(string folder) =>
        Directory.EnumerateFiles(folder).Where(f => s_extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal);

    private static ImageDataset Part(string root, string part, string[] classes)
    {
        string folder = Path.Combine(root, part);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"image folder '{Path.GetFullPath(root)}': no {part}/ folder.");
        foreach (string dir in Directory.GetDirectories(folder))
            if (!classes.Contains(Path.GetFileName(dir), StringComparer.Ordinal))
                throw new InvalidDataException($"image folder '{Path.GetFullPath(root)}': {part}/{Path.GetFileName(dir)} is not a class of train/ ({string.Join(", ", classes)}).");
        var pixels = new List<byte>();
        var labels = new List<byte>();
        int[]? shape = null;
        for (int label = 0; label < classes.Length; label++)
        {
            string classFolder = Path.Combine(folder, classes[label]);
            if (!Directory.Exists(classFolder)) continue;
            foreach (string file in Images(classFolder))
            {
                var image = NetpbmImage.Read(file);
                shape ??= [image.Channels, image.Height, image.Width];
                if (image.Channels != shape[0] || image.Height != shape[1] || image.Width != shape[2])
                    throw new InvalidDataException($"{file}: {image.Channels}x{image.Height}x{image.Width} (channels x height x width) but the first image is {shape[0]}x{shape[1]}x{shape[2]}; every image needs the same size.");
                pixels.AddRange(image.Pixels);
                labels.Add((byte)label);
            }
        }
        if (shape is null) throw new InvalidDataException($"image folder '{Path.GetFullPath(folder)}': no .pgm/.ppm/.pnm image in any class folder.");
        return new ImageDataset($"{Path.GetFileName(Path.GetFullPath(root))}-{part}", shape[0], shape[1], shape[2], pixels.ToArray(), labels.ToArray(), classes.Length);
    }
}
