using Lowbit.Tensors.Ops;

namespace Lowbit.Tensors.Tests;

/// <summary>
/// <see cref="Tensor.BatchNormRelu"/> and <see cref="Tensor.BatchNormAddClamp"/> against their definitions Relu(BatchNorm(x))
/// and activation(BatchNorm(x) + r): output, running statistics and every
/// gradient bit for bit, at 1–3 threads, in training and evaluation, on the fused shapes (float32 [N, C, H, W] with
/// H·W ≥ 32, planes with and without a tail past the 32-lane blocks) and the shapes that fall back to the two ops; and
/// the masked plane sums of the vector path against the scalar reference at every length.
/// </summary>
public class BatchNormReluTests
{
    private static Tensor Input(int seed, int[] shape, double low, double high, DType type = DType.Float32)
    {
        var t = Tensor.RandomUniform(new Random(seed), low, high, shape, type);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>Output, running mean, running variance and the gradients of x, γ, β (weighted-sum loss).</summary>
    private static List<float[]> Run(int threads, bool fused, bool training, int[] shape, bool affine, DType type)
    {
        using var scope = Compute.UseThreads(threads);
        int c = shape[1];
        var x = Input(1, shape, -2, 3, type);
        Tensor? gamma = affine ? Input(2, [c], -1.5, 1.5, type) : null;
        Tensor? beta = affine ? Input(3, [c], -1, 1, type) : null;
        var runningMean = Tensor.RandomUniform(new Random(4), -0.5, 0.5, [c], type);
        var runningVar = Tensor.RandomUniform(new Random(5), 0.5, 2, [c], type);
        var options = new BatchNormOptions(training, Momentum: 0.3);
        var y = fused
            ? Tensor.BatchNormRelu(x, gamma, beta, runningMean, runningVar, options)
            : Tensor.Relu(Tensor.BatchNorm(x, gamma, beta, runningMean, runningVar, options));
        var weights = Tensor.RandomUniform(new Random(6), -1, 1, shape, type);
        Tensor.Sum(Tensor.Mul(y, weights)).Backward();
        var result = new List<float[]> { y.ToArray(), runningMean.ToArray(), runningVar.ToArray(), x.Grad!.ToArray() };
        if (affine) result.AddRange([gamma!.Grad!.ToArray(), beta!.Grad!.ToArray()]);
        return result;
    }

    public static TheoryData<int[], bool> Shapes => new()
    {
        { [4, 3, 8, 8], true },     // inner 64: whole 32-lane blocks
        { [3, 5, 7, 7], true },     // inner 49: one block and a 17-element tail
        { [2, 16, 32, 32], true },  // ResNet-20's first stage (2 images)
        { [5, 2, 4, 8], false },    // inner 32, no affine part
        { [6, 3, 3, 3], true },     // inner 9: falls back to the two ops
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BatchNormRelu_EqualsReluOfBatchNorm_BitForBit(int[] shape, bool affine)
    {
        foreach (bool training in new[] { true, false })
        {
            var reference = Run(1, fused: false, training, shape, affine, DType.Float32);
            Assert.Contains(reference[0], v => v == 0f);
            Assert.Contains(reference[0], v => v > 0f);
            foreach (int threads in new[] { 1, 2, 3 })
                AssertSameBits(reference, Run(threads, fused: true, training, shape, affine, DType.Float32), $"training={training}, {threads} threads");
        }
    }

    [Fact]
    public void BatchNormRelu_Float64AndRows_FallBackToTheTwoOps()
    {
        AssertSameBits(Run(1, false, true, [4, 3, 8, 8], true, DType.Float64), Run(2, true, true, [4, 3, 8, 8], true, DType.Float64), "float64");
        using var scope = Compute.UseThreads(2);
        var x = Input(7, [8, 5], -2, 2);
        var y = Tensor.BatchNormRelu(x, null, null, Tensor.Zeros(5), Tensor.Ones(5), new BatchNormOptions(true));
        var expected = Tensor.Relu(Tensor.BatchNorm(x.Detach(), null, null, Tensor.Zeros(5), Tensor.Ones(5), new BatchNormOptions(true)));
        AssertSameBits([expected.ToArray()], [y.ToArray()], "rows");
    }

    /// <summary>Output, running statistics and the gradients of x, γ, β and the residual of activation(BatchNorm(x) + r).</summary>
    private static List<float[]> RunAddClamp(int threads, bool fused, bool training, int[] shape, ClampBounds activation, DType type)
    {
        using var scope = Compute.UseThreads(threads);
        int c = shape[1];
        var x = Input(11, shape, -2, 3, type);
        var residual = Input(12, shape, -1.5, 1.5, type);
        var gamma = Input(13, [c], -1.5, 1.5, type);
        var beta = Input(14, [c], -1, 1, type);
        var runningMean = Tensor.RandomUniform(new Random(4), -0.5, 0.5, [c], type);
        var runningVar = Tensor.RandomUniform(new Random(5), 0.5, 2, [c], type);
        var options = new BatchNormOptions(training, Momentum: 0.3);
        var y = fused
            ? Tensor.BatchNormAddClamp(x, gamma, beta, runningMean, runningVar, options, residual, activation)
            : activation.Apply(Tensor.Add(Tensor.BatchNorm(x, gamma, beta, runningMean, runningVar, options), residual));
        var weights = Tensor.RandomUniform(new Random(6), -1, 1, shape, type);
        Tensor.Sum(Tensor.Mul(y, weights)).Backward();
        return [y.ToArray(), runningMean.ToArray(), runningVar.ToArray(), x.Grad!.ToArray(), gamma.Grad!.ToArray(), beta.Grad!.ToArray(), residual.Grad!.ToArray()];
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BatchNormAddClamp_EqualsActivationOfTheSum_BitForBit(int[] shape, bool relu)
    {
        var activation = relu ? ClampBounds.Relu : ClampBounds.HardTanh;
        foreach (bool training in new[] { true, false })
        {
            var reference = RunAddClamp(1, fused: false, training, shape, activation, DType.Float32);
            Assert.Contains(reference[0], v => v == (float)activation.Min);
            Assert.Contains(reference[0], v => v > (float)activation.Min && v < (float)activation.Max);
            foreach (int threads in new[] { 1, 2, 3 })
                AssertSameBits(reference, RunAddClamp(threads, fused: true, training, shape, activation, DType.Float32), $"{activation}, training={training}, {threads} threads");
        }
    }

    [Fact]
    public void BatchNormAddClamp_AtTheClampBounds_MasksAsTheSeparateOps()
    {
        // γ = 1, β = 0 and x = ±1 per channel give batch-norm outputs ±1/sqrt(1 + ε); the residual moves sums onto the
        // bounds exactly (0 for ReLU) or just past them, where the inclusive and exclusive rules differ.
        int[] shape = [2, 1, 4, 8];
        var x = Tensor.FromArray(Enumerable.Range(0, 64).Select(i => i % 2 == 0 ? 1f : -1f).ToArray(), shape);
        float unit = (float)(1 / Math.Sqrt(1 + 1e-5));
        var r = Tensor.FromArray(Enumerable.Range(0, 64).Select(i => (i % 8) switch
        {
            0 => -unit, 1 => unit, 2 => -1 - unit + 1e-7f, 3 => 0f, 4 => 0.5f, 5 => -0.5f, 6 => -2f * unit, _ => 2f,
        }).ToArray(), shape);
        foreach (var activation in new[] { ClampBounds.Relu, ClampBounds.HardTanh })
        {
            List<float[]> Run(bool fused)
            {
                var xi = x.Clone(); xi.RequiresGrad = true;
                var ri = r.Clone(); ri.RequiresGrad = true;
                var y = fused
                    ? Tensor.BatchNormAddClamp(xi, null, null, Tensor.Zeros(1), Tensor.Ones(1), new BatchNormOptions(true), ri, activation)
                    : activation.Apply(Tensor.Add(Tensor.BatchNorm(xi, null, null, Tensor.Zeros(1), Tensor.Ones(1), new BatchNormOptions(true)), ri));
                Tensor.Sum(Tensor.Mul(y, Tensor.RandomUniform(new Random(1), 0.5, 1, shape))).Backward();
                return [y.ToArray(), xi.Grad!.ToArray(), ri.Grad!.ToArray()];
            }
            var expected = Run(false);
            Assert.Contains(expected[2], v => v == 0f);
            AssertSameBits(expected, Run(true), activation.ToString());
        }
    }

    private static void AssertSameBits(List<float[]> expected, List<float[]> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        string[] names = ["output", "running mean", "running variance", "x gradient", "gamma gradient", "beta gradient", "residual gradient"];
        for (int t = 0; t < expected.Count; t++)
        {
            Assert.Equal(expected[t].Length, actual[t].Length);
            for (int i = 0; i < expected[t].Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(expected[t][i]) == BitConverter.SingleToInt32Bits(actual[t][i]),
                    $"{what}: {names[t]}[{i}] two ops {expected[t][i]:R}, fused {actual[t][i]:R}");
        }
    }

    [Fact]
    public void MaskedPlaneSums_VectorMatchReferenceAtEveryLength()
    {
        for (int length = 0; length <= 4 * 32 + 3; length++)
        {
            var rng = new Random(length);
            var x = new float[length];
            var g = new float[length];
            for (int i = 0; i < length; i++)
            {
                x[i] = (float)(rng.NextDouble() * 4 - 2);
                g[i] = (float)(rng.NextDouble() * 2 - 1);
            }
            var mask = new ReluMask(1.25f, -0.375f);
            var (sg, sgx) = BatchNormPlaneKernels.GradientPlaneSums(g, x, 0.5f, mask);
            var (rsg, rsgx) = BatchNormPlaneReference.GradientPlaneSums(g, x, 0.5f, mask);
            Assert.True(BitConverter.SingleToInt32Bits(sg) == BitConverter.SingleToInt32Bits(rsg), $"Σg', length {length}: {sg:R} vs {rsg:R}");
            Assert.True(BitConverter.SingleToInt32Bits(sgx) == BitConverter.SingleToInt32Bits(rsgx), $"Σg'·x, length {length}: {sgx:R} vs {rsgx:R}");
            double expectedG = 0;
            for (int i = 0; i < length; i++)
                if (MathF.FusedMultiplyAdd(x[i] - 0.5f, 1.25f, -0.375f) > 0) expectedG += g[i];
            Assert.True(Math.Abs(sg - expectedG) <= 1e-5 * (length + 1), $"Σg', length {length}: {sg:R} vs double {expectedG:R}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ResidualClampMaskSums_VectorMatchReferenceAtEveryLength_AndStoreTheMaskedGradient(bool hardTanh)
    {
        float low = hardTanh ? -1f : 0f, high = hardTanh ? 1f : float.PositiveInfinity;
        for (int length = 0; length <= 4 * 32 + 3; length++)
        {
            var rng = new Random(length + 500);
            float[] x = new float[length], g = new float[length], r = new float[length];
            for (int i = 0; i < length; i++)
            {
                x[i] = (float)(rng.NextDouble() * 4 - 2);
                g[i] = (float)(rng.NextDouble() * 2 - 1);
                r[i] = (float)(rng.NextDouble() * 2 - 1);
            }
            float[] vectorOut = new float[length], referenceOut = new float[length];
            var (sg, sgx) = BatchNormPlaneKernels.GradientPlaneSums(g, x, 0.5f, new ResidualClampMask(r, vectorOut, 1.25f, -0.375f, low, high, hardTanh));
            var (rsg, rsgx) = BatchNormPlaneReference.GradientPlaneSums(g, x, 0.5f, new ResidualClampMask(r, referenceOut, 1.25f, -0.375f, low, high, hardTanh));
            Assert.True(BitConverter.SingleToInt32Bits(sg) == BitConverter.SingleToInt32Bits(rsg), $"Σg', length {length}: {sg:R} vs {rsg:R}");
            Assert.True(BitConverter.SingleToInt32Bits(sgx) == BitConverter.SingleToInt32Bits(rsgx), $"Σg'·x, length {length}: {sgx:R} vs {rsgx:R}");
            for (int i = 0; i < length; i++)
            {
                float v = MathF.FusedMultiplyAdd(x[i] - 0.5f, 1.25f, -0.375f) + r[i];
                float expected = (hardTanh ? v >= low : v > low) && v <= high ? g[i] : 0f;
                Assert.True(expected == vectorOut[i] && expected == referenceOut[i], $"g'[{i}], length {length}: {expected:R}, vector {vectorOut[i]:R}, reference {referenceOut[i]:R}");
            }
        }
    }

    [Fact]
    public void ReluMask_ScalarAndVectorAgree_AtTheKink()
    {
        // d chosen so that fma(d, 2, −1) is exactly 0 (masked), just above and just below.
        float[] d = [0.5f, MathF.BitIncrement(0.5f), MathF.BitDecrement(0.5f), -3f, 7f, 0f, float.NaN, 0.25f];
        var mask = new ReluMask(2f, -1f);
        var g = System.Runtime.Intrinsics.Vector256.Create(1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f);
        var vector = mask.Apply(g, System.Runtime.Intrinsics.Vector256.Create(d), 0);
        float[] expected = [0f, 2f, 0f, 0f, 5f, 0f, 0f, 0f];
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(expected[i], mask.Apply(g[i], d[i], i));
            Assert.Equal(expected[i], vector[i]);
        }
    }
}
