using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;
using Lowbit.Nn.Layers;
using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Inference.Export;

/// <summary>
/// Packs a DoReFa-style MLP (k-bit <c>dorefa_weight</c> weights, <c>dorefa_act</c> inputs after the first layer,
/// optional batch norm) into <see cref="PlaneThresholdDenseLayer"/>s and a <see cref="PlaneOutputDenseLayer"/>.
/// </summary>
/// <remarks>
/// Weights become unsigned codes c with w = WeightLevels[c] ≈ 2c/(2^m − 1) − 1 (the float32 values the model's
/// quantizer produces, read back from <c>EffectiveWeight</c>); activations become codes a with
/// x = InputLevels[a] = float32(a/(2^k − 1)). Batch norm and the next layer's activation quantizer are folded into
/// 2^k − 1 float thresholds per unit by <see cref="ThresholdFolding.FoldLevels"/>, which evaluates the model's own
/// float32 expression, and every threshold is then checked against the real quantizer. METHODS 15.2, 15.5.
/// </remarks>
internal static class PlaneModelExporter
{
    /// <summary>Whether <paramref name="first"/> (the first dense layer) starts a chain this exporter handles.</summary>
    public static bool Handles(Linear first) => first.WeightQuantizer?.Quantizer is DoReFaWeight { Bits: >= 2 };

    public static PackedModel Export(IReadOnlyList<(Linear Linear, BatchNorm? BatchNorm, int Index)> blocks, int[] inputShape, float[] pixelTable, string metadata)
    {
        int inputSize = inputShape[0] * inputShape[1] * inputShape[2];
        var layers = new List<PackedDenseLayer>(blocks.Count);
        float[] inputLevels = (float[])pixelTable.Clone();
        int inputBits = 8;
        for (int b = 0; b < blocks.Count; b++)
        {
            var (linear, batchNorm, index) = blocks[b];
            int expectedIn = b == 0 ? inputSize : blocks[b - 1].Linear.OutFeatures;
            if (linear.InFeatures != expectedIn)
                throw new ArgumentException($"Layer {index} ({linear.Describe()}) has {linear.InFeatures} inputs but receives {expectedIn}.");
            CheckInput(linear, index, b == 0);
            var (weightBits, weightLevels, planes) = WeightPlanes(linear, index);
            var units = ModelExporter.Units(linear, batchNorm, index);
            if (b == blocks.Count - 1)
            {
                float[]? bias = linear.Bias is null ? null : units.Select(u => u.Bias).ToArray();
                float[]? scale = batchNorm is null ? null : units.Select(u => u.Scale).ToArray();
                float[]? shift = batchNorm is null ? null : units.Select(u => u.Shift).ToArray();
                layers.Add(new PlaneOutputDenseLayer(linear.InFeatures, linear.OutFeatures, weightBits, inputBits, weightLevels, inputLevels, planes, bias, scale, shift));
                break;
            }
            var next = blocks[b + 1].Linear;
            if (next.InputQuantizer?.Quantizer is not DoReFaActivation activation)
                throw new NotSupportedException($"Layer {blocks[b + 1].Index} ({next.Describe()}): inputs after the first layer must be quantized with dorefa_act, got {next.InputQuantizer?.Quantizer.Name ?? "no input quantizer"}.");
            float limit = DotProductLimit(weightLevels, inputLevels, linear.InFeatures);
            var nextLevels = ActivationLevels(activation, next.InputQuantizer, blocks[b + 1].Index);
            int levels = (1 << activation.Bits) - 1;
            var negated = new bool[units.Length];
            var thresholds = new float[units.Length * levels];
            for (int j = 0; j < units.Length; j++)
            {
                var (negate, t) = ThresholdFolding.FoldLevels(units[j], limit, levels, v => ActivationCode(v, activation.Bits));
                negated[j] = negate;
                t.CopyTo(thresholds, j * levels);
            }
            VerifyThresholds(units, negated, thresholds, levels, next.InputQuantizer, nextLevels, index);
            layers.Add(new PlaneThresholdDenseLayer(linear.InFeatures, linear.OutFeatures, weightBits, inputBits, weightLevels, inputLevels, planes, activation.Bits, negated, thresholds));
            inputLevels = nextLevels;
            inputBits = activation.Bits;
        }
        return new PackedModel(inputShape, (float[])pixelTable.Clone(), metadata ?? "", layers);
    }

    internal static void CheckInput(Linear linear, int index, bool first)
    {
        if (linear.Weight.Value.DType != DType.Float32)
            throw new NotSupportedException($"Layer {index} ({linear.Describe()}) holds {linear.Weight.Value.DType}; the exporter reproduces float32 models only.");
        if (linear.WeightQuantizer?.Quantizer is not DoReFaWeight { Bits: >= 2 and <= PlaneDenseLayer.MaxBits })
            throw new NotSupportedException($"Layer {index} ({linear.Describe()}): weights must be quantized with dorefa_weight of 2..{PlaneDenseLayer.MaxBits} bits in a k-bit chain, got {linear.WeightQuantizer?.Quantizer.Name ?? "float weights"}.");
        if (first && linear.InputQuantizer is not null)
            throw new NotSupportedException($"Layer {index} ({linear.Describe()}): the first dense layer must take the real (normalised) pixels, but it has input quantizer {linear.InputQuantizer.Quantizer.Name}.");
    }

    /// <summary>dorefa_act's code for a float32 value: round((2^k − 1)·clip(v, 0, 1)), half away from zero, in double (as <see cref="DoReFaActivation"/>).</summary>
    internal static int ActivationCode(float v, int bits)
    {
        double levels = (1 << bits) - 1;
        return (int)Math.Round(levels * Math.Clamp((double)v, 0.0, 1.0), MidpointRounding.AwayFromZero);
    }

    /// <summary>float32(a/(2^k − 1)) for every code a, checked against the quantizer (which must return each level unchanged).</summary>
    private static float[] ActivationLevels(DoReFaActivation activation, Nn.QuantizerModule module, int index)
    {
        int count = 1 << activation.Bits;
        var levels = new float[count];
        for (int a = 0; a < count; a++) levels[a] = (float)(a / (double)(count - 1));
        var back = module.Forward(Tensor.FromArray((float[])levels.Clone(), count)).ToArray();
        for (int a = 0; a < count; a++)
            if (BitConverter.SingleToInt32Bits(back[a]) != BitConverter.SingleToInt32Bits(levels[a]))
                throw new NotSupportedException($"Layer {index}: dorefa_act maps its level {a} ({levels[a]:R}) to {back[a]:R}; the exporter's level table does not match the quantizer.");
        return levels;
    }

    /// <summary>The weight codes as bit planes [out, m, words] and the float32 value of each code.</summary>
    private static (int Bits, float[] Levels, ulong[] Planes) WeightPlanes(Linear linear, int index)
    {
        int bits = ((DoReFaWeight)linear.WeightQuantizer!.Quantizer).Bits;
        int count = 1 << bits;
        double top = count - 1;
        var w = linear.EffectiveWeight().ToArray(); // [out, in]
        var levels = new float[count];
        var seen = new bool[count];
        var codes = new int[w.Length];
        for (int i = 0; i < w.Length; i++)
        {
            int c = (int)Math.Round((w[i] + 1.0) * top / 2.0);
            if (c < 0 || c >= count || Math.Abs(w[i] - (2.0 * c / top - 1.0)) > 1e-5)
                throw new ArgumentException($"Layer {index} ({linear.Describe()}): quantized weight {i} is {w[i]:R}, not one of the {count} dorefa_weight levels 2c/{top} − 1.");
            if (seen[c] && BitConverter.SingleToInt32Bits(levels[c]) != BitConverter.SingleToInt32Bits(w[i]))
                throw new ArgumentException($"Layer {index} ({linear.Describe()}): weight level {c} appears as both {levels[c]:R} and {w[i]:R}; codes need one float value each.");
            levels[c] = w[i];
            seen[c] = true;
            codes[i] = c;
        }
        for (int c = 0; c < count; c++) if (!seen[c]) levels[c] = (float)(2.0 * c / top - 1.0);
        var planes = new ulong[linear.OutFeatures * bits * BitLayout.WordsPerRow(linear.InFeatures)];
        BitPacking.PackBitPlanes(codes, linear.OutFeatures, linear.InFeatures, bits, planes);
        return (bits, levels, planes);
    }

    /// <summary>A bound on |y| for every float32 dot product of the layer: N·max|w|·max|x|·(1 + 2γ_N) + 1.</summary>
    internal static float DotProductLimit(ReadOnlySpan<float> weightLevels, ReadOnlySpan<float> inputLevels, int n)
    {
        double maxW = 0, maxX = 0;
        foreach (float v in weightLevels) maxW = Math.Max(maxW, Math.Abs((double)v));
        foreach (float v in inputLevels) maxX = Math.Max(maxX, Math.Abs((double)v));
        double limit = n * maxW * maxX * (1 + 2 * FirstLayerBound.Gamma(n + 1)) + 1;
        return (float)(limit * (1 + 1e-6));
    }

    /// <summary>
    /// Runs the model's own quantizer on Apply(±τ) and on Apply(±(float just below τ)) for every finite threshold:
    /// the codes must be ≥ l and &lt; l respectively. Guards against any drift between <see cref="ActivationCode"/> and the quantizer.
    /// </summary>
    private static void VerifyThresholds(UnitAffine[] units, bool[] negated, float[] thresholds, int levels, Nn.QuantizerModule quantizer, float[] nextLevels, int index)
    {
        var (probes, expect) = ThresholdFolding.Probes(units, negated, thresholds, levels);
        if (probes.Count == 0) return;
        var q = quantizer.Forward(Tensor.FromArray(probes.ToArray(), probes.Count)).ToArray();
        for (int i = 0; i < q.Length; i++)
        {
            int code = Array.IndexOf(nextLevels, q[i]);
            var (unit, level, atLeast) = expect[i];
            if (code < 0 || (code >= level) != atLeast)
                throw new InvalidOperationException($"Layer {index} unit {unit}: folded threshold {level} disagrees with the quantizer (code {code} at probe {probes[i]:R}); cannot export exactly.");
        }
    }
}
