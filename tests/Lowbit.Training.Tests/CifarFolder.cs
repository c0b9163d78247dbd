using System.IO.Compression;

namespace Lowbit.Training.Tests;

/// <summary>
/// A temporary folder of small CIFAR-10-format batches (data_batch_N.bin.gz, test_batch.bin) whose classes can be
/// learned: class k is a horizontal band of bright pixels at rows 3k..3k+2 of the channel k mod 3, on noise.
/// Deleted on dispose.
/// </summary>
internal sealed class CifarFolder : IDisposable
{
    public CifarFolder(int[] trainBatches, int imagesPerBatch, int testImages = 100, int seed = 1)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lowbit-cifar-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
        var random = new Random(seed);
        foreach (int batch in trainBatches)
        {
            using var file = File.Create(System.IO.Path.Combine(Path, $"data_batch_{batch}.bin.gz"));
            using var zip = new GZipStream(file, CompressionLevel.Fastest);
            zip.Write(Records(random, imagesPerBatch));
        }

        File.WriteAllBytes(System.IO.Path.Combine(Path, "test_batch.bin"), Records(random, testImages));
    }

    public string Path { get; }

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, true);
    }

    private static byte[] Records(Random random, int count)
    {
        const int RecordSize = 3073;
        var data = new byte[count * RecordSize];
        for (int i = 0; i < count; i++)
        {
            var record = data.AsSpan(i * RecordSize, RecordSize);
            int label = random.Next(10);
            record[0] = (byte)label;
            for (int j = 1; j < RecordSize; j++) record[j] = (byte)random.Next(0, 128);
            int channel = label % 3;
            for (int row = 3 * label; row < 3 * label + 3; row++)
                record.Slice(1 + channel * 1024 + row * 32, 32).Fill(250);
        }
        return data;
    }
}
