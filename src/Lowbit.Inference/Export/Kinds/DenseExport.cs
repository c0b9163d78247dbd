using Lowbit.Kernels.Bits;
using Lowbit.Nn.Layers;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>Helpers the dense kinds' exporters share: the float32 affine of each unit, the logits head, packed ±1 rows.</summary>
internal static class DenseExport
{
    /// <summary>Each unit's bias and batch norm as the training model applies them (<see cref="UnitAffine"/>).</summary>
    /// <exception cref="ArgumentException">A coefficient is not finite.</exception>
    public static UnitAffine[] Units(Linear linear, BatchNorm? bn, int index)
    {
        int n = linear.OutFeatures;
        float[]? bias = linear.Bias?.Value.ToArray();
        float[]? gamma = bn?.Gamma?.Value.ToArray(), beta = bn?.Beta?.Value.ToArray();
        float[]? mean = bn?.RunningMean.ToArray(), variance = bn?.RunningVar.ToArray();
        var units = new UnitAffine[n];
        for (int j = 0; j < n; j++)
        {
            float scale = 0, shift = 0;
            if (bn is not null)
                (scale, shift) = UnitAffine.BatchNormCoefficients(gamma?[j] ?? 1.0, beta?[j] ?? 0.0, mean![j], variance![j], bn.Epsilon);
            units[j] = new UnitAffine(bias is not null, bias?[j] ?? 0f, bn is not null, scale, shift);
            if (!units[j].IsFinite)
                throw new ArgumentException($"Layer {index} ({linear.Describe()}) unit {j}: bias/batch-norm coefficients are not finite (bias {units[j].Bias}, scale {scale}, shift {shift}).");
        }
        return units;
    }

    /// <summary>The logits head of the last layer: its float32 bias, batch-norm scale and shift (null when absent).</summary>
    public static (float[]? Bias, float[]? Scale, float[]? Shift) LogitsHead(DenseBlock block)
    {
        var units = Units(block.Linear, block.BatchNorm, block.Index);
        float[]? bias = block.Linear.Bias is null ? null : units.Select(u => u.Bias).ToArray();
        float[]? scale = block.BatchNorm is null ? null : units.Select(u => u.Scale).ToArray();
        float[]? shift = block.BatchNorm is null ? null : units.Select(u => u.Shift).ToArray();
        return (bias, scale, shift);
    }

    /// <summary>The ±1 weights the forward pass uses, packed [out, WordsPerRow(in)].</summary>
    public static ulong[] WeightSigns(Linear linear, int index)
    {
        var w = linear.EffectiveWeight().ToArray(); // [out, in]
        for (int i = 0; i < w.Length; i++)
            if (w[i] != 1f && w[i] != -1f)
                throw new ArgumentException($"Layer {index} ({linear.Describe()}): quantized weight {i} is {w[i]}, not ±1.");
        var packed = new ulong[linear.OutFeatures * BitLayout.WordsPerRow(linear.InFeatures)];
        BitPacking.PackSigns(w, linear.OutFeatures, linear.InFeatures, packed);
        return packed;
    }

    /// <summary>Negates packed ±1 row <paramref name="row"/> (padding bits stay zero).</summary>
    public static void NegateRow(ulong[] packed, int row, int n)
    {
        int words = BitLayout.WordsPerRow(n);
        var r = packed.AsSpan(row * words, words);
        for (int i = 0; i < words; i++) r[i] = ~r[i];
        r[^1] &= BitLayout.LastWordMask(n);
    }

    /// <summary>A bound on |y| for every float32 dot product of the layer: N·max|w|·max|x|·(1 + 2γ_N) + 1.</summary>
    public static float DotProductLimit(ReadOnlySpan<float> weightLevels, ReadOnlySpan<float> inputLevels, int n)
    {
        double maxW = 0, maxX = 0;
        foreach (float v in weightLevels) maxW = Math.Max(maxW, Math.Abs((double)v));
        foreach (float v in inputLevels) maxX = Math.Max(maxX, Math.Abs((double)v));
        double limit = n * maxW * maxX * (1 + 2 * FirstLayerBound.Gamma(n + 1)) + 1;
        return (float)(limit * (1 + 1e-6));
    }
}
