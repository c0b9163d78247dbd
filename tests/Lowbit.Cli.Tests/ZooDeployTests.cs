using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Lowbit.Data;
using Lowbit.Inference.Export;
using Lowbit.Inference.Format;
using Lowbit.Inference.Runtime;
using Lowbit.Testing;
using Lowbit.Training.Checkpoints;
using Xunit.Abstractions;

namespace Lowbit.Cli.Tests;

/// <summary>
/// The shipped CIFAR-10 zoo configs end to end through the commands users run: <c>lowbit train</c> (briefly, on a few
/// hundred images), <c>lowbit export</c>, <c>lowbit summary</c> (the predicted file size to the byte), then the packed
/// runtime against the checkpoint's float32 model on CIFAR-10 test images (what <c>lowbit infer --verify</c> does on
/// all 10,000; BENCHMARKS.md has that run). Every zoo model is exact: classes and logits bit for bit.
/// Skipped with a message when the CIFAR-10 batches are not on this machine.
/// </summary>
public sealed partial class ZooDeployTests(ITestOutputHelper output)
{
    private const int VerifiedImages = 300;

    [Theory]
    [InlineData("cifar10-vgg-small-binary-w0.25", new[] { 8, 9, 10, 9, 9, 10, 9, 9, 10, 2, 2, 3 })]
    [InlineData("cifar10-resnet20-binary", new[] { 11, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 13 })]
    [InlineData("cifar10-resnet20-dorefa-w2a2", new[] { 11, 14, 14, 14, 14, 14, 14, 14, 14, 14, 13 })]
    [InlineData("cifar10-resnet20-binary-shift", new[] { 11, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 13 })]
    [InlineData("cifar10-resnet20-binary-sal-shared", new[] { 11, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 13 })]
    [InlineData("cifar10-resnet20-binary-sal-unshared", new[] { 11, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 13 })]
    public void ZooConfig_TrainExportSummaryVerify_PackedEqualsFloatModel(string config, int[] kinds)
    {
        string data = SharedData.Folder(RepoRoot(), "cifar10");
        if (!File.Exists(Path.Combine(data, "test_batch.bin.gz")) && !File.Exists(Path.Combine(data, "test_batch.bin")))
        {
            output.WriteLine($"skipped: no CIFAR-10 test batch in {data}");
            return;
        }
        string dir = CliHarness.TempDir("zoo-deploy");
        try
        {
            string checkpoint = Path.Combine(dir, "checkpoint.lbck"), packedPath = Path.Combine(dir, "model.lbpm");
            var (code, _, err) = CliHarness.Run("train", "--quiet", "--config", config, "--out", dir, "--set", "data.path=" + data,
                "--set", "data.train_limit=200", "--set", "data.validation=100", "--set", "data.test_limit=100",
                "--set", "train.epochs=1", "--set", "train.batch_size=50");
            Assert.True(code == 0, err);

            (code, var exported, err) = CliHarness.Run("export", "--checkpoint", checkpoint, "--out", packedPath);
            Assert.True(code == 0, err);
            output.WriteLine(exported.Trim().Split('\n')[^1]);
            (code, var summary, err) = CliHarness.Run("summary", "--checkpoint", checkpoint);
            Assert.True(code == 0, err);
            var predicted = PackedSize().Match(summary);
            Assert.True(predicted.Success, $"no packed size in the summary:\n{summary}");
            Assert.Equal(new FileInfo(packedPath).Length, long.Parse(predicted.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture));

            var packed = PackedModelFile.Read(packedPath);
            Assert.Equal(kinds, packed.Layers.Select(l => (int)l.Kind));
            Assert.False(packed.HasUniformPixelTable); // per-channel standardisation, one table per channel
            var model = CheckpointModel.Load(checkpoint).Model;
            var test = DatasetCatalog.LoadCifar10(data, train: false);
            var result = ExportVerifier.Verify(model, packed, test.Pixels, test.Labels, VerifiedImages, new InferenceOptions(2, 100));
            output.WriteLine($"{config}: {result}");
            Assert.True(result.Exact, result.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [GeneratedRegex(@"Packed model file[^:]*: ([\d,]+) bytes")]
    private static partial Regex PackedSize();

    private static string RepoRoot([CallerFilePath] string source = "")
    {
        for (var d = new DirectoryInfo(Path.GetDirectoryName(source)!); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Lowbit.slnx"))) return d.FullName;
        throw new InvalidOperationException("repository root not found");
    }
}
