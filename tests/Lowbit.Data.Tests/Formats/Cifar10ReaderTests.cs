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

    [Theory]
    [InlineData(4)]      // only the gzip trailer's length field is missing
    [InlineData(8)]      // the whole trailer (CRC and length) is missing
    [InlineData(2000)]   // cut inside the compressed data
    public void ReadBatch_TruncatedGzip_NamesFileAndOffset(int bytesCut)
    {
        byte[] records = Records(1, 2, 3);
        new Random(5).NextBytes(records.AsSpan(1, 3072)); // incompressible, so the compressed file is long enough to cut
        string path = _files.Write("data_batch_1.bin.gz", records, gzip: true);
        byte[] gzip = File.ReadAllBytes(path);
        File.WriteAllBytes(path, gzip[..^bytesCut]);

        var ex = Assert.Throws<InvalidDataException>(() => Cifar10Reader.ReadBatch(path));

        Assert.StartsWith(path + ": ", ex.Message, StringComparison.Ordinal);
        Assert.Matches(" at byte [0-9]+$", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Contains(": gzip stream: truncated: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadBatch_TruncatedGzipAtRecordBoundary_CaughtByTrailer()
    {
        // A gzip header and one non-final stored deflate block holding exactly one record, then the file ends: the
        // decompressor returns one whole record without complaint, so only the missing trailer shows the truncation.
        byte[] record = Records(7);
        byte[] header = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        byte[] block = [0, (byte)record.Length, (byte)(record.Length >> 8), (byte)~record.Length, (byte)(~record.Length >> 8)];
        string path = _files.Write("data_batch_2.bin.gz", [.. header, .. block, .. record], gzip: false);

        var ex = Assert.Throws<InvalidDataException>(() => Cifar10Reader.ReadBatch(path));

        Assert.StartsWith($"{path}: gzip stream: truncated: the compressed data ends here but the gzip trailer", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith(" at byte 3073", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadBatch_DamagedGzip_NamesFile()
    {
        string path = _files.Write("test_batch.bin.gz", Records(4, 5), gzip: true);
        byte[] gzip = File.ReadAllBytes(path);
        gzip[^6] ^= 0x5A; // inside the CRC
        File.WriteAllBytes(path, gzip);

        var ex = Assert.Throws<InvalidDataException>(() => Cifar10Reader.ReadBatch(path));

        Assert.StartsWith($"{path}: gzip stream: CRC-32 mismatch", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith(" at byte 0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadBatch_MissingFile_NamesPath()
    {
        string path = Path.Combine(_files.Folder, "data_batch_9.bin");
        var ex = Assert.Throws<FileNotFoundException>(() => Cifar10Reader.ReadBatch(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadCifar10Available_SomeBatches_LoadsThoseInOrder()
    {
        _files.Write("data_batch_3.bin.gz", Records(3, 3), gzip: true);
        _files.Write("data_batch_1.bin", Records(1), gzip: false);
        _files.Write("test_batch.bin", Records(9), gzip: false);

        TrainTestSets sets = DatasetCatalog.LoadCifar10Available(_files.Folder);

        Assert.Equal(new[] { 1, 3 }, DatasetCatalog.FindCifar10TrainingBatches(_files.Folder));
        Assert.Equal(new byte[] { 1, 3, 3 }, sets.Train.Labels);
        Assert.Equal(new byte[] { 9 }, sets.Test.Labels);
    }

    [Fact]
    public void LoadCifar10Available_NoTrainingBatch_ListsNamesLookedFor()
    {
        _files.Write("test_batch.bin", Records(9), gzip: false);
        var ex = Assert.Throws<FileNotFoundException>(() => DatasetCatalog.LoadCifar10Available(_files.Folder));
        Assert.Equal(
            $"CIFAR-10: no training batch (data_batch_1.bin .. data_batch_5.bin, raw or .gz) found in '{_files.Folder}'.", ex.Message);
    }

    [Fact]
    public void LoadCifar10Available_NoTestBatch_ListsNamesLookedFor()
    {
        _files.Write("data_batch_2.bin", Records(1), gzip: false);
        var ex = Assert.Throws<FileNotFoundException>(() => DatasetCatalog.LoadCifar10Available(_files.Folder));
        Assert.Equal($"CIFAR-10: none of test_batch.bin, test_batch.bin.gz found in '{_files.Folder}'.", ex.Message);
    }

    [Theory]
    [InlineData("data_batch_1", "the Python (pickle) version")]
    [InlineData("cifar-10-batches-bin/", "its subfolder")]
    public void LoadCifar10Available_OtherLayout_Hints(string entry, string hint)
    {
        if (entry.EndsWith('/'))
        {
            Directory.CreateDirectory(Path.Combine(_files.Folder, entry));
        }
        else
        {
            _files.Write(entry, [1], gzip: false);
        }

        var ex = Assert.Throws<FileNotFoundException>(() => DatasetCatalog.LoadCifar10Available(_files.Folder));
        Assert.Contains(hint, ex.Message, StringComparison.Ordinal);
    }

    [RequiresFolderFact("cifar10")]
    public void LoadCifar10Available_SharedCopy_AllTrainingBatchesPresent()
    {
        int[] present = DatasetCatalog.FindCifar10TrainingBatches(TestPaths.Cifar10);
        Assert.True(present.Length >= 4, $"expected at least batches 1-4, found [{string.Join(", ", present)}]");
        ImageDataset batch1 = DatasetCatalog.LoadCifar10Batches(TestPaths.Cifar10, [1]);

        // The first record of the official data_batch_1 (numpy on the decompressed file): a frog, then the known labels.
        Assert.Equal(new byte[] { 6, 9, 9, 4, 1, 1, 2, 7, 8, 3 }, batch1.Labels[..10]);
        Assert.Equal(new byte[] { 59, 43, 50, 68 }, batch1.GetImage(0)[..4].ToArray());        // red, top-left
        Assert.Equal(new byte[] { 62, 46, 48, 54 }, batch1.GetImage(0)[1024..1028].ToArray()); // green, top-left
        Assert.Equal(new byte[] { 104, 140, 84, 72 }, batch1.GetImage(0)[^4..].ToArray());     // blue, bottom-right
        Assert.Equal(new[] { 1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981 }, batch1.CountPerClass());
    }

    [RequiresFolderFact("cifar10")]
    public void Standardize_FourSharedBatches_MatchesNumpy()
    {
        ImageDataset train = DatasetCatalog.LoadCifar10Batches(TestPaths.Cifar10, [1, 2, 3, 4]);
        Assert.Equal(40000, train.Count);
        Assert.Equal(new[] { 3986, 3986, 4048, 3984, 4003, 3975, 4020, 4023, 3997, 3978 }, train.CountPerClass());

        // numpy: px = records[:, 1:].reshape(-1, 3, 1024) / 255; px.mean(axis=(0, 2)), px.std(axis=(0, 2)) (population std).
        NormalizationOptions stats = NormalizationOptions.Standardize(train);
        double[] mean = [0.491453634, 0.482062133, 0.446225120];
        double[] std = [0.247168286, 0.243706584, 0.261692129];
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(mean[c], stats.Mean[c], 8);
            Assert.Equal(std[c], stats.Std[c], 8);
        }
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
