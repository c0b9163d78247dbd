using Lowbit.Kernels.Bits;
using Lowbit.Nn.Layers;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>Helpers the dense kinds' exporters share: the float32 affine of each unit, the logits head, packed ±1 rows.</summary>
internal static class DenseExport
{
    /// <summary>Each unit's bias and batch norm as the training model applies them (<see cref="UnitAffine"/>).</summary>
    /// <exception cref="ArgumentException">A coefficient is not finite.</exception>
    public static UnitAffine[] Units(Linear linear, BatchNorm? bn, int index) => Units(linear, linear.OutFeatures, bn, index, includeBias: true);

    /// <summary>Each output's (optional) bias and batch norm as the training model applies them after the layer's products.</summary>
    /// <param name="layer">The dense or convolution layer.</param>
    /// <param name="n">Outputs (units or channels).</param>
    /// <param name="bn">Its batch norm, or null.</param>
    /// <param name="index">Layer index for messages.</param>
    /// <param name="includeBias">Whether the layer's bias is a separate step (false where the kernel adds it).</param>
    /// <param name="plane">Values per channel and image where the batch norm runs: 1 for dense features, H·W of the map for
    /// convolutions (it decides the float32 form, <see cref="Lowbit.Tensors.Tensor.BatchNormCentersPlanes"/>).</param>
    /// <exception cref="ArgumentException">A coefficient is not finite.</exception>
    public static UnitAffine[] Units(Nn.Layers.QuantizedLayer layer, int n, BatchNorm? bn, int index, bool includeBias, int plane = 1)
    {
        bool centered = bn is not null && Lowbit.Tensors.Tensor.BatchNormCentersPlanes(plane);
        var linear = layer;
        float[]? bias = includeBias ? layer.Bias?.Value.ToArray() : null;
        float[]? gamma = bn?.Gamma?.Value.ToArray(), beta = bn?.Beta?.Value.ToArray();
        float[]? mean = bn?.RunningMean.ToArray(), variance = bn?.RunningVar.ToArray();
        var units = new UnitAffine[n];
        for (int j = 0; j < n; j++)
        {
            float scale = 0, shift = 0, center = 0;
            if (centered)
                (center, scale, shift) = UnitAffine.CenteredBatchNormCoefficients(gamma?[j] ?? 1.0, beta?[j] ?? 0.0, mean![j], variance![j], bn!.Epsilon);
            else if (bn is not null)
                (scale, shift) = UnitAffine.BatchNormCoefficients(gamma?[j] ?? 1.0, beta?[j] ?? 0.0, mean![j], variance![j], bn.Epsilon);
            units[j] = new UnitAffine(bias is not null, bias?[j] ?? 0f, bn is not null, scale, shift, centered, center);
            if (!units[j].IsFinite)
                throw new ArgumentException($"Layer {index} ({linear.Describe()}) unit {j}: bias/batch-norm coefficients are not finite (bias {units[j].Bias}, scale {scale}, shift {shift}).");
        }
        return units;
    }

    /// <summary>The logits head of the last layer: its float32 bias, batch-norm scale and shift (null when absent).</summary>
    public static (float[]? Bias, float[]? Scale, float[]? Shift) LogitsHead(ExportBlock block)
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

    /// <summary>
    /// The ±1 weights packed for what arrives: when a spatial ±1 map is flattened into the layer, its bits are pixel by
    /// pixel (channel-packed, [H, W, C]) while the model flattens [C, H, W], so the columns are reordered to match.
    /// </summary>
    public static ulong[] WeightSigns(ExportSite site)
    {
        var linear = site.Linear;
        if (!site.Input.IsSpatial || site.Input.Encoding != Format.ActivationEncoding.Signs) return WeightSigns(linear, site.Block.Index);
        var w = linear.EffectiveWeight().ToArray(); // [out, C·H·W]
        int c = site.Input.Channels, h = site.Input.Height, width = site.Input.Width, n = linear.InFeatures;
        var hwc = new float[w.Length];
        for (int j = 0; j < linear.OutFeatures; j++)
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < h * width; p++)
                    hwc[j * n + p * c + ch] = w[j * n + ch * h * width + p];
        for (int i = 0; i < hwc.Length; i++)
            if (hwc[i] != 1f && hwc[i] != -1f)
                throw new ArgumentException($"Layer {site.Block.Index} ({linear.Describe()}): quantized weight {i} is {hwc[i]}, not ±1.");
        var packed = new ulong[linear.OutFeatures * BitLayout.WordsPerRow(n)];
        BitPacking.PackSigns(hwc, linear.OutFeatures, n, packed);
        return packed;
    }

    /// <summary>Rejects a spatial ±1 map flattened into a dense layer when its pixels are not whole words (channels not a multiple of 64).</summary>
    public static void CheckFlatten(ExportSite site)
    {
        var input = site.Input;
        if (input.IsSpatial && !input.CanFeed(Format.ActivationSpec.Signs(input.Count)))
            throw new NotSupportedException($"{site.Name}: flattening a {input} map into a dense layer needs its channels to be a multiple of 64 (packed pixels are then one row).");
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
