using Lowbit.Inference.Export;
using Lowbit.Inference.Format;
using Lowbit.Inference.Runtime;
using Xunit.Abstractions;

namespace Lowbit.Inference.Tests.Runtime;

[Collection(BinaryNetCollection.Name)]
public sealed class InferenceSessionTests(BinaryNetFixture fixture, ITestOutputHelper output)
{
    private PackedModel Export() => ModelExporter.Export(fixture.Model, fixture.Data.InputShape,
        TestData.PixelTable(fixture.Data.Normalization, 1), "{}");

    [Fact]
    public void Predict_AllMnistTestImages_EqualsFloatModelBitExactly()
    {
        var test = fixture.Data.Test;
        int count = test.Count;
        var (expectedLogits, expectedDense, expectedClasses) = TestData.FloatModel(fixture.Model, test, fixture.Data.Normalization, count);
        var session = new InferenceSession(Export());
        var classes = new int[count];
        var dots = new int[count * 10];
        var logits = new float[count * 10];
        session.Predict(test.Pixels, count, classes, dots, logits);

        for (int i = 0; i < dots.Length; i++)
            Assert.True(expectedDense[i] == dots[i], $"last dense output {i} (image {i / 10}, unit {i % 10}): float model {expectedDense[i]}, packed {dots[i]}");
        for (int i = 0; i < logits.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expectedLogits[i]) == BitConverter.SingleToInt32Bits(logits[i]),
                $"logit {i} (image {i / 10}, class {i % 10}): float model {expectedLogits[i]:R}, packed {logits[i]:R}");
        Assert.Equal(expectedClasses, classes);
        int correct = 0;
        for (int i = 0; i < count; i++) if (classes[i] == test.Labels[i]) correct++;
        var stats = session.Statistics;
        output.WriteLine($"{count} images: accuracy {100.0 * correct / count:F2} %, {stats.MicrosecondsPerImage:F1} µs/image, first-layer replays {stats.FirstLayerReplays} ({(double)stats.FirstLayerReplays / count:F3} per image)");
        Assert.True(correct > count / 2, $"accuracy {correct}/{count} is implausibly low for a trained model");
    }

    [Fact]
    public void Predict_ThreadsAndChunkSizes_GiveIdenticalResults()
    {
        var model = Export();
        var pixels = fixture.Data.Test.Pixels.AsSpan(0, 300 * 784).ToArray();
        var reference = Run(new InferenceSession(model, new InferenceOptions(1, 256)), pixels, 300);
        foreach (var options in new[] { new InferenceOptions(2, 256), new InferenceOptions(1, 1), new InferenceOptions(2, 7), new InferenceOptions(3, 1000) })
        {
            var actual = Run(new InferenceSession(model, options), pixels, 300);
            Assert.Equal(reference.Classes, actual.Classes);
            Assert.Equal(reference.Dots, actual.Dots);
        }
    }

    [Fact]
    public void Predict_OneImageAtATime_MatchesBatch()
    {
        var session = new InferenceSession(Export());
        var pixels = fixture.Data.Test.Pixels.AsSpan(0, 50 * 784).ToArray();
        var batch = session.Predict(pixels, 50);
        for (int i = 0; i < 50; i++) Assert.Equal(batch[i], session.Predict(pixels.AsSpan(i * 784, 784), 1)[0]);
        Assert.Equal(100, session.Statistics.Images);
        Assert.Equal(51, session.Statistics.Calls);
        session.ResetStatistics();
        Assert.Equal(0, session.Statistics.Images);
    }

    [Fact]
    public void Predict_WrongLengths_ThrowWithSizes()
    {
        var session = new InferenceSession(Export());
        var ex = Assert.Throws<ArgumentException>(() => session.Predict(new byte[783], 1));
        Assert.Contains("784", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => session.Predict(new byte[784 * 2], 2, new int[1]));
        Assert.Throws<ArgumentException>(() => session.Predict(new byte[784], 1, new int[1], new int[9]));
        Assert.Throws<ArgumentException>(() => session.Predict(new byte[784], 1, new int[1], default, new float[5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Predict(new byte[0], -1));
        Assert.Empty(session.Predict([], 0));
    }

    [Fact]
    public void Predict_SteadyState_AllocatesOnlyTheKernelsSmallPerCallObjects()
    {
        var session = new InferenceSession(Export());
        var pixels = fixture.Data.Test.Pixels.AsSpan(0, 100 * 784).ToArray();
        var classes = new int[100];
        for (int i = 0; i < 20; i++) session.Predict(pixels, 100, classes);
        const int Calls = 10;
        long replaysBefore = session.Statistics.FirstLayerReplays;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Calls; i++) session.Predict(pixels, 100, classes);
        long perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / Calls;
        long replays = (session.Statistics.FirstLayerReplays - replaysBefore) / Calls;
        output.WriteLine($"allocated {perCall} bytes per steady-state call of 100 images ({replays} float replays per call)");
        // The session reuses its buffers; what remains is inside Lowbit.Kernels: each bit-GEMM call allocates its
        // row-partition closure (~0.5 KB) and each Sgemm replay ~0.1 KB. Batch-sized buffers would be far above this.
        long allowed = 16 * 1024 + 256 * replays;
        Assert.True(perCall < allowed, $"steady-state Predict allocated {perCall} bytes per call, allowed {allowed}");
    }

    private static (int[] Classes, int[] Dots) Run(InferenceSession session, byte[] pixels, int count)
    {
        var classes = new int[count];
        var dots = new int[count * session.Classes];
        session.Predict(pixels, count, classes, dots);
        return (classes, dots);
    }
}
