using Lowbit.Data.Formats;

namespace Lowbit.Data.Tests.Formats;

public sealed class IdxReaderTests : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static byte[] Ramp(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_RoundTrip_ReturnsHeaderAndPixels(bool gzip)
    {
        byte[] pixels = Ramp(3 * 4 * 5);
        string path = _files.Write("images", IdxTestFiles.Images(3, 4, 5, pixels), gzip);

        IdxImages images = IdxReader.ReadImages(path);

        Assert.Equal((3, 4, 5), (images.Count, images.Height, images.Width));
        Assert.Equal(pixels, images.Pixels);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadLabels_RoundTrip_ReturnsLabels(bool gzip)
    {
        byte[] labels = [0, 9, 3, 3, 7];
        string path = _files.Write("labels.bin", IdxTestFiles.Labels(labels), gzip);

        Assert.Equal(labels, IdxReader.ReadLabels(path, 10));
    }

    [Fact]
    public void ReadImages_GzipNamedWithoutExtension_DetectedByMagic()
    {
        string path = _files.Write("looks-raw-idx3-ubyte", IdxTestFiles.Images(1, 2, 2, [1, 2, 3, 4]), gzip: true);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, IdxReader.ReadImages(path).Pixels);
    }

    [Fact]
    public void ReadDataset_MatchingFiles_BuildsSingleChannelDataset()
    {
        string images = _files.Write("i", IdxTestFiles.Images(2, 2, 3, Ramp(12)), gzip: false);
        string labels = _files.Write("l", IdxTestFiles.Labels([4, 1]), gzip: true);

        ImageDataset dataset = IdxReader.ReadDataset(images, labels, 10, "tiny");

        Assert.Equal((2, 1, 2, 3, 10), (dataset.Count, dataset.Channels, dataset.Height, dataset.Width, dataset.Classes));
        Assert.Equal(new byte[] { 4, 1 }, dataset.Labels);
        Assert.Equal(Ramp(12)[6..], dataset.GetImage(1).ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_WrongMagic_NamesFileExpectedFoundAndOffset(bool gzip)
    {
        byte[] content = IdxTestFiles.Images(1, 2, 2, [1, 2, 3, 4]);
        content[0] = 0x12; content[1] = 0x34; content[2] = 0x56; content[3] = 0x78;
        string path = _files.Write("t10k-images-idx3-ubyte.gz", content, gzip);

        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains("t10k-images-idx3-ubyte.gz", ex.Message, StringComparison.Ordinal);
        Assert.Contains("expected magic 0x00000803 (unsigned-byte images), found 0x12345678 at byte 0", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0L, ex.Data[DataFormatError.ByteOffsetKey]);
        Assert.Equal("magic", ex.Data[DataFormatError.FieldKey]);
    }

    [Fact]
    public void ReadImages_LabelFileGiven_RejectsLabelMagic()
    {
        string path = _files.Write("labels", IdxTestFiles.Labels([1, 2]), gzip: false);
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains("found 0x00000801", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadLabels_FloatTypeMagic_Rejected()
    {
        byte[] content = [.. IdxTestFiles.Header(0x00000D01, 1), 0, 0, 0, 0];
        string path = _files.Write("float-labels", content, gzip: false);
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path, 10));
        Assert.Contains("expected magic 0x00000801 (unsigned-byte labels), found 0x00000D01", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_TruncatedPayload_NamesExpectedAndActualBytes(bool gzip)
    {
        byte[] content = IdxTestFiles.Images(2, 3, 3, Ramp(18))[..^5];
        string path = _files.Write("cut", content, gzip);

        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains("cut: payload: truncated: expected 18 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Contains("found 13", ex.Message, StringComparison.Ordinal);
        Assert.Equal(16L, ex.Data[DataFormatError.ByteOffsetKey]);
    }

    [Fact]
    public void ReadImages_TrailingBytes_Rejected()
    {
        byte[] content = [.. IdxTestFiles.Images(1, 2, 2, [1, 2, 3, 4]), 9, 9, 9];
        string path = _files.Write("long", content, gzip: true);

        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Contains("found 3 extra bytes at byte 20", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "magic", 0L)]
    [InlineData(3, "magic", 0L)]
    [InlineData(4, "image count", 4L)]
    [InlineData(9, "rows", 8L)]
    [InlineData(15, "columns", 12L)]
    public void ReadImages_ShortHeader_NamesField(int length, string field, long offset)
    {
        byte[] content = IdxTestFiles.Images(1, 2, 2, [1, 2, 3, 4])[..length];
        string path = _files.Write("short", content, gzip: false);

        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.Equal(field, ex.Data[DataFormatError.FieldKey]);
        Assert.Equal(offset, ex.Data[DataFormatError.ByteOffsetKey]);
        Assert.StartsWith(path + ": " + field, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImages_ZeroRows_Rejected()
    {
        string path = _files.Write("zero", IdxTestFiles.Images(1, 0, 2, []), gzip: false);
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains("rows: expected a size in 1..", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImages_HugeDimensions_RejectedBeforeAllocating()
    {
        string path = _files.Write("huge", IdxTestFiles.Images(int.MaxValue, 60000, 60000, []), gzip: false);
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Equal("dimensions", ex.Data[DataFormatError.FieldKey]);
    }

    [Fact]
    public void ReadLabels_LabelOutOfRange_NamesValueIndexAndOffset()
    {
        string path = _files.Write("labels", IdxTestFiles.Labels([1, 2, 10, 3]), gzip: false);

        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path, 10));

        Assert.Contains("label: expected a class in 0..9, found 10 (label 2) at byte 10", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDataset_CountMismatch_NamesBothFiles()
    {
        string images = _files.Write("imgs", IdxTestFiles.Images(3, 1, 1, [1, 2, 3]), gzip: false);
        string labels = _files.Write("lbls", IdxTestFiles.Labels([1, 2]), gzip: false);

        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadDataset(images, labels, 10, "x"));

        Assert.Contains("lbls: label count: expected 3 (the image count in '" + images + "'), found 2 at byte 4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImages_MissingFile_FileNotFoundNamesPath()
    {
        string path = Path.Combine(_files.Folder, "absent-idx3-ubyte");
        var ex = Assert.Throws<FileNotFoundException>(() => IdxReader.ReadImages(path));
        Assert.Equal(path, ex.FileName);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImages_CorruptGzip_ReportsFile()
    {
        byte[] valid = File.ReadAllBytes(_files.Write("ok", IdxTestFiles.Images(4, 8, 8, Ramp(256)), gzip: true));
        for (int i = 12; i < valid.Length - 8; i++)
        {
            valid[i] ^= 0x5A;
        }

        string path = _files.Write("corrupt.gz", valid, gzip: false);
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains("corrupt.gz", ex.Message, StringComparison.Ordinal);
        Assert.Equal("gzip stream", ex.Data[DataFormatError.FieldKey]);
        Assert.IsType<InvalidDataException>(ex.InnerException);
    }
}
