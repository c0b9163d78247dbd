using Lowbit.Inference.Export;
using Lowbit.Inference.Format;
using Lowbit.Inference.Runtime;
using Lowbit.Training.Checkpoints;
using Xunit.Abstractions;

namespace Lowbit.Inference.Tests.Export;

/// <summary>A trained checkpoint reloaded (<see cref="CheckpointModel"/>) and packed, as <c>lowbit export</c> does.</summary>
[Collection(BinaryNetCollection.Name)]
public sealed class CheckpointExporterTests(BinaryNetFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void Export_BinaryNetCheckpoint_IsAtMostOne25thAndPredictsLikeTheTrainer()
    {
        var loaded = CheckpointModel.Load(fixture.CheckpointPath);
        const string Metadata = """{"name":"mnist-binarynet","dataset":"mnist"}""";
        var packed = ModelExporter.Export(loaded.Model, loaded.InputShape, TestData.PixelTable(fixture.Data.Normalization, 1), Metadata);
        var bytes = PackedModelFile.ToBytes(packed);
        long checkpoint = new FileInfo(fixture.CheckpointPath).Length;
        output.WriteLine($"checkpoint {checkpoint} bytes, packed {bytes.Length} bytes, ratio {(double)checkpoint / bytes.Length:F1}");
        Assert.True(bytes.Length * 25L <= checkpoint, $"packed {bytes.Length} bytes is more than 1/25 of the checkpoint's {checkpoint}");
        Assert.Equal(383_408 + System.Text.Encoding.UTF8.GetByteCount(Metadata), bytes.Length); // docs/FORMAT.md
        Assert.Equal(bytes.Length, PackedSizePredictor.Predict(loaded.Model, loaded.InputShape, Metadata));

        var test = fixture.Data.Test;
        const int Count = 1000;
        var (_, _, expected) = TestData.FloatModel(fixture.Model, test, fixture.Data.Normalization, Count);
        var session = new InferenceSession(PackedModelFile.Read(bytes, "exported"));
        Assert.Equal(expected, session.Predict(test.Pixels.AsSpan(0, Count * test.SampleSize), Count));
    }

    /// <summary>A float convnet packs as the real-valued kinds (no speed-up, but the same outputs bit for bit).</summary>
    [Fact]
    public void Export_FloatConvnet_PacksAsRealKindsBitExactly()
    {
        var config = Lowbit.Training.Config.ConfigLoader.Parse("""
            { "name": "conv", "data": { "dataset": "mnist" },
              "layers": [ { "type": "conv2d", "filters": 4, "kernel_size": 3 }, { "type": "relu" }, { "type": "flatten" }, { "type": "dense", "units": 10 } ] }
            """, "conv.json");
        var model = Lowbit.Training.Config.ModelBuilder.Build(config, [1, 28, 28]);
        var table = TestData.PixelTable(fixture.Data.Normalization, 1);
        var packed = ModelExporter.Export(model, [1, 28, 28], table);
        Assert.Equal([11, 13], packed.Layers.Select(l => (int)l.Kind));
        var test = fixture.Data.Test;
        var result = ExportVerifier.Verify(model, packed, test.Pixels.AsSpan(0, 200 * 784), test.Labels, 200);
        Assert.True(result.Exact, $"{result}");
    }
}
