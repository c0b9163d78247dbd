using System.Text;
using Lowbit.Data.Formats;

namespace Lowbit.Data.Tests.Formats;

/// <summary>Datasets from folders of PGM/PPM images (binary and plain, comments, maximum values below 255).</summary>
public sealed class ImageFolderDatasetTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "lowbit-images-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private void Write(string relative, byte[] bytes)
    {
        string path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    private static byte[] Binary(string header, params byte[] pixels) => [.. Encoding.ASCII.GetBytes(header), .. pixels];

    [Fact]
    public void Load_ClassesInNameOrder_BinaryAndPlainPgm_ScaledMaximum()
    {
        Write("train/cat/a.pgm", Binary("P5\n# a comment\n2 1\n255\n", 0, 255));
        Write("train/cat/b.pgm", Encoding.ASCII.GetBytes("P2 2 1 15 15 0\n"));   // maximum 15: 15 -> 255
        Write("train/ant/c.pgm", Binary("P5 2 1 255 ", 7, 8));
        Write("test/cat/d.pgm", Binary("P5\n2 1\n255\n", 1, 2));
        Write("train/cat/notes.txt", Encoding.ASCII.GetBytes("ignored"));
        var sets = ImageFolderDataset.Load(_root);
        Assert.Equal((3, 1, 1, 2, 2), (sets.Train.Count, sets.Train.Channels, sets.Train.Height, sets.Train.Width, sets.Train.Classes));
        Assert.Equal(new byte[] { 0, 1, 1 }, sets.Train.Labels);                 // ant = 0, cat = 1
        Assert.Equal(new byte[] { 7, 8, 0, 255, 255, 0 }, sets.Train.Pixels);
        Assert.Equal(new byte[] { 1 }, sets.Test.Labels);
        Assert.Equal([1, 1, 2], ImageFolderDataset.ImageShape(_root));
    }

    [Fact]
    public void Load_Ppm_RgbToChannelPlanes()
    {
        Write("train/x/a.ppm", Binary("P6\n2 1\n255\n", 1, 2, 3, 4, 5, 6));
        Write("test/x/b.ppm", Encoding.ASCII.GetBytes("P3\n1 1\n255\n9 8 7\n"));
        var sets = ImageFolderDataset.Load(_root);
        Assert.Equal(new byte[] { 1, 4, 2, 5, 3, 6 }, sets.Train.Pixels);
        Assert.Equal(new byte[] { 9, 8, 7 }, sets.Test.Pixels);
        Assert.Equal(3, sets.Train.Channels);
    }

    [Theory]
    [InlineData("size", "b.pgm: 1x1x3 (channels x height x width) but the first image is 1x1x2")]
    [InlineData("class", "test/dog is not a class of train/ (cat)")]
    [InlineData("deep", "maximum value 1023 is not supported")]
    [InlineData("short", "truncated: 2 pixel bytes expected from byte 11, 1 present")]
    [InlineData("magic", "not a PGM or PPM image (expected P2, P3, P5 or P6 at byte 0)")]
    public void BadImages_OneLineErrors(string damage, string expected)
    {
        Write("train/cat/a.pgm", Binary("P5\n2 1\n255\n", 0, 1));
        Write("test/cat/c.pgm", Binary("P5\n2 1\n255\n", 0, 1));
        switch (damage)
        {
            case "size": Write("train/cat/b.pgm", Binary("P5\n3 1\n255\n", 0, 1, 2)); break;
            case "class": Write("test/dog/d.pgm", Binary("P5\n2 1\n255\n", 0, 1)); break;
            case "deep": Write("train/cat/b.pgm", Binary("P5\n2 1\n1023\n", 0, 1, 2, 3)); break;
            case "short": Write("train/cat/b.pgm", Binary("P5\n2 1\n255\n", 0)); break;
            default: Write("train/cat/b.pgm", Encoding.ASCII.GetBytes("GIF89a")); break;
        }
        var e = Assert.Throws<InvalidDataException>(() => ImageFolderDataset.Load(_root));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void MissingTrainFolder_NamesTheLayout()
    {
        Directory.CreateDirectory(_root);
        var e = Assert.Throws<DirectoryNotFoundException>(() => ImageFolderDataset.Load(_root));
        Assert.Contains("no train/ folder (expected ROOT/train/CLASS/*.pgm and ROOT/test/CLASS/*.pgm)", e.Message);
    }
}
