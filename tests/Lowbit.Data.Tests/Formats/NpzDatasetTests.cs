using System.Diagnostics;
using System.IO.Compression;
using Lowbit.Data.Formats;
using Lowbit.Testing;

namespace Lowbit.Data.Tests.Formats;

/// <summary>Datasets from .npz archives: hand-built arrays, numpy's own files, layouts, and one-line errors.</summary>
public sealed class NpzDatasetTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lowbit-npz-" + Guid.NewGuid().ToString("N"));

    public NpzDatasetTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Archive(string name, byte[] xTrain, byte[] yTrain, byte[] xTest, byte[] yTest, CompressionLevel level = CompressionLevel.NoCompression)
    {
        string path = Path.Combine(_dir, name);
        NpyWriter.Npz(path, [("x_train", xTrain), ("y_train", yTrain), ("x_test", xTest), ("y_test", yTest)], level);
        return path;
    }

    [Theory]
    [InlineData(CompressionLevel.NoCompression)]
    [InlineData(CompressionLevel.Optimal)]
    public void Load_GrayImages_Int64Labels(CompressionLevel level)
    {
        byte[] train = Enumerable.Range(0, 3 * 2 * 4).Select(i => (byte)(i * 10)).ToArray();
        string path = Archive("gray.npz",
            NpyWriter.Npy("|u1", [3, 2, 4], train), NpyWriter.Npy("<i8", [3], NpyWriter.Int64([0, 4, 2])),
            NpyWriter.Npy("|u1", [1, 2, 4], new byte[8]), NpyWriter.Npy("<i8", [1], NpyWriter.Int64([1])), level);
        var sets = NpzDataset.Load(path);
        Assert.Equal((3, 1, 2, 4, 5), (sets.Train.Count, sets.Train.Channels, sets.Train.Height, sets.Train.Width, sets.Train.Classes));
        Assert.Equal(train, sets.Train.Pixels);
        Assert.Equal(new byte[] { 0, 4, 2 }, sets.Train.Labels);
        Assert.Equal(new byte[] { 1 }, sets.Test.Labels);
        Assert.Equal([1, 2, 4], NpzDataset.ImageShape(path));
    }

    [Fact]
    public void Load_ChannelsLast_TransposedToChannelPlanes_AutoAndExplicit()
    {
        // One 2x2 RGB image, [N, H, W, C]: pixel p has channels (10p, 10p+1, 10p+2).
        byte[] nhwc = [0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32];
        byte[] planes = [0, 10, 20, 30, 1, 11, 21, 31, 2, 12, 22, 32];
        string path = Archive("rgb.npz", NpyWriter.Npy("|u1", [1, 2, 2, 3], nhwc), NpyWriter.Npy("|u1", [1], [0]),
            NpyWriter.Npy("|u1", [1, 2, 2, 3], nhwc), NpyWriter.Npy("|u1", [1], [0]));
        Assert.Equal(planes, NpzDataset.Load(path).Train.Pixels);
        Assert.Equal(planes, NpzDataset.Load(path, "nhwc").Test.Pixels);
        Assert.Equal([3, 2, 2], NpzDataset.ImageShape(path));
        // The same bytes read as [N, C, H, W] (explicit nchw: 2 channels of 2x3) are kept as they are.
        Assert.Equal([2, 2, 3], NpzDataset.ImageShape(path, "nchw"));
        Assert.Equal(nhwc, NpzDataset.Load(path, "nchw").Train.Pixels);
    }

    [Fact]
    public void AmbiguousLayout_AsksForDataLayout()
    {
        string path = Archive("amb.npz", NpyWriter.Npy("|u1", [1, 3, 3, 3], new byte[27]), NpyWriter.Npy("|u1", [1], [0]),
            NpyWriter.Npy("|u1", [1, 3, 3, 3], new byte[27]), NpyWriter.Npy("|u1", [1], [0]));
        var e = Assert.Throws<InvalidDataException>(() => NpzDataset.Load(path));
        Assert.Equal("amb.npz/x_train.npy: shape (1, 3, 3, 3) could be [N, H, W, C] or [N, C, H, W]; set data.layout to \"nhwc\" or \"nchw\".", e.Message);
    }

    [Theory]
    [InlineData("float", "amb.npz/x_train.npy: dtype '<f4' is not supported; images must be uint8 (0..255)")]
    [InlineData("missing", "no array 'y_test'; a dataset .npz holds x_train, y_train, x_test, y_test")]
    [InlineData("label", "y_train.npy: label 300 at index 1 is outside 0..255")]
    [InlineData("count", "y_train.npy: 1 labels for 2 images")]
    [InlineData("fortran", "the array is in Fortran order")]
    [InlineData("truncated", "x_train.npy: truncated data: shape (2, 2, 2) of |u1 needs 8 bytes")]
    [InlineData("sizes", "x_train images are 1x2x2 but x_test images are 1x3x3")]
    public void BadArrays_OneLineErrorsNamingTheArray(string damage, string expected)
    {
        byte[] x = NpyWriter.Npy("|u1", [2, 2, 2], new byte[8]);
        byte[] y = NpyWriter.Npy("<i8", [2], NpyWriter.Int64([0, 1]));
        byte[] xTest = x;
        var arrays = new List<(string, byte[])>();
        switch (damage)
        {
            case "float": x = NpyWriter.Npy("<f4", [2, 2, 2], new byte[32]); break;
            case "label": y = NpyWriter.Npy("<i8", [2], NpyWriter.Int64([0, 300])); break;
            case "count": y = NpyWriter.Npy("<i8", [1], NpyWriter.Int64([0])); break;
            case "fortran": x = NpyWriter.Npy("|u1", [2, 2, 2], new byte[8], fortran: true); break;
            case "truncated": x = NpyWriter.Npy("|u1", [2, 2, 2], new byte[5]); break;
            case "sizes": xTest = NpyWriter.Npy("|u1", [2, 3, 3], new byte[18]); break;
        }
        string path = Path.Combine(_dir, "amb.npz");
        arrays.AddRange([("x_train", x), ("y_train", y), ("x_test", xTest)]);
        if (damage != "missing") arrays.Add(("y_test", NpyWriter.Npy("<i8", [2], NpyWriter.Int64([1, 0]))));
        NpyWriter.Npz(path, arrays);
        var e = Assert.Throws<InvalidDataException>(() => NpzDataset.Load(path));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Version2Header_AndBigEndianLabels()
    {
        byte[] labels = [0, 0, 0, 3, 0, 0, 0, 1];   // >i4: 3, 1
        string path = Archive("v2.npz", NpyWriter.Npy("|u1", [2, 1, 1], [5, 6], version: 2), NpyWriter.Npy(">i4", [2], labels),
            NpyWriter.Npy("|u1", [1, 1, 1], [7]), NpyWriter.Npy("|u1", [1], [2]));
        var sets = NpzDataset.Load(path);
        Assert.Equal(new byte[] { 3, 1 }, sets.Train.Labels);
        Assert.Equal(4, sets.Train.Classes);
    }

    [Fact]
    public void NumpysOwnFiles_SavezCompressed_ReadAsNumpyHasThem()
    {
        string path = Path.Combine(_dir, "numpy.npz");
        const string Script = """
            import sys, numpy as np
            rng = np.random.default_rng(0)
            x = rng.integers(0, 256, size=(5, 6, 5, 3), dtype=np.uint8)
            y = np.array([0, 1, 2, 1, 0])
            np.savez_compressed(sys.argv[1], x_train=x, y_train=y, x_test=x[:2], y_test=y[:2])
            print(" ".join(str(v) for v in x.transpose(0, 3, 1, 2).reshape(-1)))
            """;
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(path);
        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.WriteLine($"SKIPPED numpy interop: {e.Message}");
            return;
        }
        string expected = process!.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            Console.WriteLine($"SKIPPED numpy interop (python3 with numpy needed): {error}");
            return;
        }
        var sets = NpzDataset.Load(path);
        Assert.Equal((5, 3, 6, 5, 3), (sets.Train.Count, sets.Train.Channels, sets.Train.Height, sets.Train.Width, sets.Train.Classes));
        Assert.Equal(expected.Trim().Split(' ').Select(byte.Parse).ToArray(), sets.Train.Pixels);
        Assert.Equal(new byte[] { 0, 1, 2, 1, 0 }, sets.Train.Labels);
    }
}
