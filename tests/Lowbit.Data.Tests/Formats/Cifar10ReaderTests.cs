using Lowbit.Data.Formats;

namespace Lowbit.Data.Tests.Formats;

public sealed class Cifar10ReaderTests : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static byte[] Records(params byte[] labels)
    {
        var data = new byte[labels.Length * Cifar10Reader.RecordSize];
        for (int i = 0; i < labels.Length; i++)
        {
            int offset = i * Cifar10Reader.RecordSize;
            data[offset] = labels[i];
            for (int j = 1; j < Cifar10Reader.RecordSize; j++)
            {
                data[offset + j] = (byte)(i + j);
            }
        }

        return data;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadBatch_RoundTrip_SplitsLabelsAndPlanes(bool gzip)
    {
        string path = _files.Write("batch.bin", Records(3, 8), gzip);

        ImageDataset batch = Cifar10Reader.ReadBatch(path);

        Assert.Equal((2, 3, 32, 32, 10), (batch.Count, batch.Channels, batch.Height, batch.Width, batch.Classes));
        Assert.Equal(new byte[] { 3, 8 }, batch.Labels);
        ReadOnlySpan<byte> second = batch.GetImage(1);
        Assert.Equal((byte)(1 + 1), second[0]);          // red (0,0) is record byte 1
        Assert.Equal(unchecked((byte)(1 + 1025)), second[1024]);    // green plane starts at record byte 1025
        Assert.Equal(unchecked((byte)(1 + 3072)), second[3071]);    // blue (31,31) is the last record byte
    }

    [Fact]
    public void ReadBatch_SizeNotMultipleOfRecord_NamesSizeAndLeftover()
    {
        string path = _files.Write("short.bin", Records(1, 2)[..^10], gzip: true);

        var ex = Assert.Throws<InvalidDataException>(() => Cifar10Reader.ReadBatch(path));

        Assert.Contains("short.bin: record: expected a positive multiple of 3073-byte records", ex.Message, StringComparison.Ordinal);
        Assert.Contains("found 6136 bytes: 1 whole records and 3063 bytes left over at byte 3073", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadBatch_Empty_Rejected()
    {
        string path = _files.Write("empty.bin", [], gzip: false);
        Assert.Throws<InvalidDataException>(() => Cifar10Reader.ReadBatch(path));
    }

    [Fact]
    public void ReadBatch_LabelAboveNine_NamesRecordAndOffset()
    {
        string path = _files.Write("bad.bin", Records(1, 2, 10), gzip: false);
        var ex = Assert.Throws<InvalidDataException>(() => Cifar10Reader.ReadBatch(path));
        Assert.Contains("label: expected a class in 0..9, found 10 (record 2) at byte 6146", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadBatches_TwoFiles_ConcatenatesInOrder()
    {
        string a = _files.Write("a.bin", Records(1, 2), gzip: false);
        string b = _files.Write("b.bin", Records(7), gzip: true);

        ImageDataset both = Cifar10Reader.ReadBatches([a, b], "ab");

        Assert.Equal(new byte[] { 1, 2, 7 }, both.Labels);
        Assert.Equal("ab", both.Name);
    }

    [RequiresFolderFact("cifar10")]
    public void ReadBatch_RealTestBatch_1000PerClassAndFirstIsCat()
    {
        ImageDataset test = DatasetCatalog.LoadCifar10(TestPaths.Cifar10, train: false);

        Assert.Equal(10000, test.Count);
        Assert.All(test.CountPerClass(), count => Assert.Equal(1000, count));
        Assert.Equal(3, test.Labels[0]);
        Assert.Equal("cat", Cifar10Reader.ClassNames[test.Labels[0]]);
        Assert.Equal("ship", Cifar10Reader.ClassNames[test.Labels[1]]);

        // Per-channel means from shared/data/README.md: 126.02 / 123.71 / 114.85.
        NormalizationOptions stats = NormalizationOptions.Standardize(test);
        double[] expected = [126.02, 123.71, 114.85];
        for (int c = 0; c < 3; c++)
        {
            Assert.InRange(stats.Mean[c] * 255, expected[c] - 0.01, expected[c] + 0.01);
        }
    }

    [RequiresFolderFact("cifar10")]
    public void LoadCifar10_AllFiveTrainingBatchesButOnlyFourPresent_ListsNamesLookedFor()
    {
        if (File.Exists(Path.Combine(TestPaths.Cifar10, "data_batch_5.bin.gz")) || File.Exists(Path.Combine(TestPaths.Cifar10, "data_batch_5.bin")))
        {
            return; // the full set is present; nothing missing to report
        }

        var ex = Assert.Throws<FileNotFoundException>(() => DatasetCatalog.LoadCifar10(TestPaths.Cifar10, train: true));
        Assert.Contains("data_batch_5.bin, data_batch_5.bin.gz", ex.Message, StringComparison.Ordinal);
    }
}
