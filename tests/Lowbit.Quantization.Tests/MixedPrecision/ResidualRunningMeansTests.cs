using Lowbit.Quantization.MixedPrecision;
using Lowbit.Tensors;

namespace Lowbit.Quantization.Tests.MixedPrecision;

/// <summary>The "means": "running" option of the residual activation quantizer (frozen activation means).</summary>
public class ResidualRunningMeansTests
{
    // Two samples of four values. Sample 0: μ1 = (0.5+1+0.25+0.25)/4 = 0.5, residuals 0, 0.5, 0.25, −0.25 → μ2 = 0.25.
    // Sample 1: μ1 = (2+2+1+1)/4 = 1.5, residuals 0.5, −0.5, −0.5, 0.5 → μ2 = 0.5. Batch averages: 1.0 and 0.375.
    private static readonly double[] s_batch = [0.5, 1.0, -0.25, 0.25, 2.0, -2.0, 1.0, -1.0];

    private static ResidualBinarizer Running(double momentum = 0.1) => new(2, "activation", 1.0, "running", momentum);

    private static void SetMeans(ResidualBinarizer q, float r1, float r2)
    {
        var state = q.StateTensors.ToDictionary(t => t.Name, t => t.Value);
        state["running_means"].SetFlat(0, r1);
        state["running_means"].SetFlat(1, r2);
        state["running_updates"].SetFlat(0, 1);
    }

    [Fact]
    public void Update_HandExample_FirstSetsThenMomentumAverages()
    {
        var q = Running(0.25);
        QuantizerHarness.Forward(q, s_batch, QuantizerHarness.Train(1), [2, 4]);
        Assert.Equal(new[] { 1.0, 0.375 }, q.RunningMeans);
        Assert.Equal(1, q.RunningUpdates);
        // Second batch: every value doubled, so the batch means are 2.0 and 0.75: R = 0.75·R + 0.25·m.
        QuantizerHarness.Forward(q, s_batch.Select(v => 2 * v).ToArray(), QuantizerHarness.Train(1), [2, 4]);
        Assert.Equal(new[] { 1.25, 0.46875 }, q.RunningMeans);
        Assert.Equal(2, q.RunningUpdates);
    }

    [Fact]
    public void Training_ForwardAndGradient_BitIdenticalToPerSample()
    {
        var rng = new Random(11);
        var x = Enumerable.Range(0, 6 * 33).Select(_ => (float)(rng.NextDouble() * 3 - 1.5)).ToArray();
        foreach (int bits in new[] { 1, 2, 3 })
        {
            var perSample = new ResidualBinarizer(bits, "activation");
            var running = new ResidualBinarizer(bits, "activation", 1.0, "running");
            var (a, ga) = Run(perSample, x, training: true);
            var (b, gb) = Run(running, x, training: true);
            Assert.Equal(a, b);
            Assert.Equal(ga, gb);
        }
    }

    [Fact]
    public void DefaultPath_NoStateAndSameValuesAsExplicitPerSample()
    {
        var rng = new Random(12);
        var x = Enumerable.Range(0, 4 * 70).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var byDefault = new ResidualBinarizer(2, "activation");
        var explicitly = new ResidualBinarizer(2, "activation", 1.0, "per_sample");
        Assert.Empty(byDefault.StateTensors); // old checkpoints of per-sample models keep loading (no new keys)
        Assert.Null(byDefault.RunningMeans);
        foreach (bool training in new[] { true, false })
            Assert.Equal(Run(byDefault, x, training).Values, Run(explicitly, x, training).Values);
        // and the same values as the per-slice kernel the quantizer always used (the residual binarization reference)
        var expected = new double[x.Length];
        var means = new double[2];
        for (int s = 0; s < 4; s++)
            ResidualMath.Binarize(x.AsSpan(s * 70, 70).ToArray().Select(v => (double)v).ToArray(), default, 2, expected.AsSpan(s * 70, 70), means);
        Assert.Equal(expected.Select(v => (float)v).ToArray(), Run(byDefault, x, false).Values);
    }

    [Theory]
    // R1 = 0.5, R2 = 0.25: thresholds −0.5, 0, 0.5; levels −0.75, −0.25, 0.25, 0.75.
    [InlineData(0.5f, 0.25f, new[] { -1.0, -0.5000001, -0.5, -0.1, -0.0, 0.0, 0.4999999, 0.5, 2.0 }, new[] { -0.75, -0.75, -0.25, -0.25, 0.25, 0.25, 0.25, 0.75, 0.75 })]
    // R2 > R1 (0.25, 0.5): same thresholds ±0.25, 0; levels −0.75, 0.25, −0.25, 0.75 (not monotone in v).
    [InlineData(0.25f, 0.5f, new[] { -1.0, -0.25, -0.1, 0.0, 0.2, 0.25, 3.0 }, new[] { -0.75, 0.25, 0.25, -0.25, -0.25, 0.75, 0.75 })]
    // R1 = 0: v ≥ 0 → +R2, v < 0 → −R2.
    [InlineData(0f, 0.5f, new[] { -1.0, -0.0, 0.0, 1.0 }, new[] { -0.5, 0.5, 0.5, 0.5 })]
    public void Eval_RunningMeans_FixedFourLevelMap(float r1, float r2, double[] v, double[] expected)
    {
        var q = Running();
        SetMeans(q, r1, r2);
        // Evaluation ignores the batch: each value alone gives the same result as in a batch.
        QuantizerHarness.Equal(expected, QuantizerHarness.Forward(q, v, shape: [1, v.Length]), 0);
        QuantizerHarness.Equal(expected, QuantizerHarness.Forward(q, v, shape: [v.Length, 1]), 0);
        Assert.Equal(1, q.RunningUpdates); // evaluation does not update
    }

    [Fact]
    public void Eval_RandomInputs_AtMostFourLevelsMonotoneCodesAndDecomposeReconstructs()
    {
        var q = Running();
        SetMeans(q, 0.7f, 0.3f);
        var rng = new Random(13);
        var x = Enumerable.Range(0, 500).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
        var values = QuantizerHarness.Forward(q, x, shape: [5, 100]);
        double r1 = 0.7f, r2 = 0.3f;
        var levels = new[] { -r1 - r2, -r1 + r2, r1 - r2, r1 + r2 };
        for (int i = 0; i < x.Length; i++)
        {
            int code = (x[i] >= -r1 ? 1 : 0) + (x[i] >= 0 ? 1 : 0) + (x[i] >= r1 ? 1 : 0);
            Assert.Equal(levels[code], values[i], 15);
        }
        Assert.True(values.Distinct().Count() <= 4);
        var planes = q.Decompose(Tensor.FromArray((double[])x.Clone(), 5, 100));
        Assert.Equal(1, planes.Slices);
        Assert.Equal(new[] { r1, r2 }, planes.Means);
        QuantizerHarness.Equal(values, planes.Reconstruct(), 1e-15, "reconstruction");
    }

    [Fact]
    public void StateCopy_RestoresRunningMeans()
    {
        var q = Running();
        QuantizerHarness.Forward(q, s_batch, QuantizerHarness.Train(1), [2, 4]);
        QuantizerHarness.Forward(q, s_batch.Reverse().ToArray(), QuantizerHarness.Train(1), [2, 4]);
        // A checkpoint restores state tensors by copying values into the new instance's tensors (Module.LoadStateDict).
        var restored = Running();
        var source = q.StateTensors.ToDictionary(t => t.Name, t => t.Value);
        foreach (var (name, value) in restored.StateTensors) value.CopyFrom(source[name]);
        Assert.Equal(q.RunningMeans, restored.RunningMeans);
        Assert.Equal(2, restored.RunningUpdates);
        var probe = new[] { 0.3, -1.1, 0.05, 2.0 };
        Assert.Equal(QuantizerHarness.Forward(q, probe, shape: [1, 4]), QuantizerHarness.Forward(restored, probe, shape: [1, 4]));
    }

    [Fact]
    public void TrainMeansRunning_TrainingForwardIsTheUpdatedEvalMap()
    {
        var q = new ResidualBinarizer(2, "activation", 1.0, "running", 0.25, trainMeans: "running");
        var (values, grad) = QuantizerHarness.Run(q, s_batch, context: QuantizerHarness.Train(1), shape: [2, 4]);
        Assert.Equal(new[] { 1.0, 0.375 }, q.RunningMeans); // updated first (the first update sets them)
        // R1 = 1, R2 = 0.375: 0.5 → (+,−) 0.625; 1.0 → (+,+) 1.375; −0.25 → (−,+) −0.625; 0.25 → 0.625;
        // 2 → 1.375; −2 → −1.375; 1 → 1.375; −1 → (−, r = 0 → +) −0.625.
        QuantizerHarness.Equal([0.625, 1.375, -0.625, 0.625, 1.375, -1.375, 1.375, -0.625], values, 0);
        QuantizerHarness.Equal([1, 2, 3, 4, 0, 0, 7, 8], grad, 0, "gradient"); // STE window |x| ≤ 1 unchanged
        QuantizerHarness.Equal(values, QuantizerHarness.Forward(q, s_batch, shape: [2, 4]), 0, "eval");
    }

    [Fact]
    public void Options_BadValues_AreClearErrors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResidualBinarizer(2, "activation", 1.0, "running", 0.1, "batch"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResidualBinarizer(2, "activation", 1.0, "per_sample", 0.1, "running"));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ResidualBinarizer(2, "activation", 1.0, "batch"));
        Assert.Contains("per_sample", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResidualBinarizer(2, "weight", 1.0, "running"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResidualBinarizer(2, "activation", 1.0, "running", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResidualBinarizer(2, "activation", 1.0, "running", 1.5));
    }

    private static (float[] Values, float[] Grad) Run(ResidualBinarizer q, float[] x, bool training)
    {
        int rows = x.Length % 6 == 0 ? 6 : 4;
        var input = Tensor.FromArray((float[])x.Clone(), rows, x.Length / rows);
        input.RequiresGrad = true;
        var y = q.Quantize(input, training ? QuantizerHarness.Train(1) : QuantizerContext.Eval);
        var g = Enumerable.Range(1, x.Length).Select(i => (float)i).ToArray();
        y.Backward(Tensor.FromArray(g, rows, x.Length / rows));
        return (y.ToArray(), input.Grad?.ToArray() ?? []);
    }
}
