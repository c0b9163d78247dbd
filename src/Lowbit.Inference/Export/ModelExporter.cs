using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;
using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Quantization;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Inference.Export;

/// <summary>
/// Turns a trained BinaryNet-style <see cref="Sequential"/> into a <see cref="PackedModel"/> whose predictions and
/// last-layer integer outputs equal the float32 model's in evaluation mode.
/// </summary>
/// <remarks>
/// Supported chain: [flatten] → dense(weights ste_sign, real input) → [batch_norm] → (dense(ste_sign input and
/// weights) → [batch_norm])* → dense(ste_sign input and weights) → [batch_norm]. Dropout layers are skipped (identity
/// in evaluation mode). A dense layer whose output feeds a ste_sign input quantizer gets its bias, batch norm and
/// sign folded into one threshold per unit (<see cref="ThresholdFolding"/>); the last layer keeps its float bias and
/// batch norm. Anything else (convolutions, other quantizers, float64 models) is rejected with a message naming the
/// layer. A chain whose first layer has k-bit dorefa_weight weights goes to <see cref="PlaneModelExporter"/>, one with
/// hbb/residual weights to <see cref="ResidualModelExporter"/>.
/// METHODS 15.
/// </remarks>
public static class ModelExporter
{
    /// <summary>Packs <paramref name="model"/>.</summary>
    /// <param name="model">The trained model (its mode is restored afterwards).</param>
    /// <param name="inputShape">Per-example input shape [channels, height, width].</param>
    /// <param name="pixelTable">The float32 value the model receives for each byte value (256 entries), i.e. its input normalisation.</param>
    /// <param name="metadata">JSON text stored with the model (e.g. name and dataset); may be empty.</param>
    /// <returns>The packed model.</returns>
    /// <exception cref="NotSupportedException">The model contains a layer or quantizer the packed runtime does not support.</exception>
    /// <exception cref="ArgumentException">Shapes disagree or a parameter is not finite.</exception>
    public static PackedModel Export(Sequential model, int[] inputShape, float[] pixelTable, string metadata = "")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(pixelTable);
        if (inputShape.Length != 3) throw new ArgumentException($"Input shape must be [channels, height, width], got [{string.Join(", ", inputShape)}].", nameof(inputShape));
        if (pixelTable.Length != PackedModel.PixelTableSize) throw new ArgumentException($"The pixel table needs 256 entries but has {pixelTable.Length}.", nameof(pixelTable));
        var blocks = Blocks(model);
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            using var _ = GradMode.Disable();
            if (PlaneModelExporter.Handles(blocks[0].Linear)) return PlaneModelExporter.Export(blocks, inputShape, pixelTable, metadata ?? "");
            if (ResidualModelExporter.Handles(blocks[0].Linear)) return ResidualModelExporter.Export(blocks, inputShape, pixelTable, metadata ?? "");
            int inputSize = inputShape[0] * inputShape[1] * inputShape[2];
            float limit = DotProductLimit(pixelTable, inputSize);
            var layers = new List<PackedDenseLayer>(blocks.Count);
            for (int b = 0; b < blocks.Count; b++)
            {
                var (linear, batchNorm, index) = blocks[b];
                CheckQuantizers(linear, index, first: b == 0);
                int expectedIn = b == 0 ? inputSize : blocks[b - 1].Linear.OutFeatures;
                if (linear.InFeatures != expectedIn)
                    throw new ArgumentException($"Layer {index} ({linear.Describe()}) has {linear.InFeatures} inputs but receives {expectedIn}.");
                var units = Units(linear, batchNorm, index);
                var signs = WeightSigns(linear, index);
                if (b == blocks.Count - 1) layers.Add(OutputLayer(linear, batchNorm, units, signs));
                else if (b == 0) layers.Add(FirstLayer(linear, units, signs, limit));
                else layers.Add(HiddenLayer(linear, units, signs));
            }
            return new PackedModel(inputShape, (float[])pixelTable.Clone(), metadata ?? "", layers);
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    /// <summary>A bound on |y| for every float32 first-layer dot product: Σ|x_t|·(1 + γ) + 1 ≤ limit.</summary>
    internal static float DotProductLimit(ReadOnlySpan<float> pixelTable, int inputSize)
    {
        double maxAbs = 0;
        foreach (float v in pixelTable) maxAbs = Math.Max(maxAbs, Math.Abs((double)v));
        double limit = inputSize * maxAbs * (1 + 2 * FirstLayerBound.Gamma(inputSize)) + 1;
        return (float)(limit * (1 + 1e-6));
    }

    internal static List<(Linear Linear, BatchNorm? BatchNorm, int Index)> Blocks(Sequential model)
    {
        var blocks = new List<(Linear, BatchNorm?, int)>();
        var layers = model.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            switch (layers[i])
            {
                case Flatten when blocks.Count == 0:
                case Dropout:
                    continue;
                case Linear linear:
                    BatchNorm? bn = null;
                    if (i + 1 < layers.Count && layers[i + 1] is BatchNorm next)
                    {
                        if (next.Spatial) throw new NotSupportedException($"Layer {i + 1} ({next.Describe()}) follows a dense layer but is spatial.");
                        bn = next;
                        i++;
                    }
                    blocks.Add((linear, bn, i - (bn is null ? 0 : 1)));
                    continue;
                default:
                    throw new NotSupportedException($"Layer {i} ({layers[i].Describe()}) is not supported by the packed exporter; it handles MLPs (flatten, dense, batch_norm, dropout) with ste_sign (BinaryNet), dorefa_weight/dorefa_act (k-bit) or hbb/residual weights with residual activations of frozen means (HBB) quantizers. Convolutions: issue 6.");
            }
        }
        if (blocks.Count < 2) throw new NotSupportedException($"The packed exporter needs at least two dense layers; the model has {blocks.Count}.");
        return blocks;
    }

    internal static void CheckQuantizers(Linear linear, int index, bool first)
    {
        if (linear.Weight.Value.DType != DType.Float32)
            throw new NotSupportedException($"Layer {index} ({linear.Describe()}) holds {linear.Weight.Value.DType}; the exporter reproduces float32 models only.");
        if (linear.WeightQuantizer?.Quantizer is not SteSign)
            throw new NotSupportedException($"Layer {index} ({linear.Describe()}): weights must be binarized with ste_sign to be packed, got {linear.WeightQuantizer?.Quantizer.Name ?? "float weights"}.");
        if (first && linear.InputQuantizer is not null)
            throw new NotSupportedException($"Layer {index} ({linear.Describe()}): the first dense layer must take the real (normalised) pixels, but it has input quantizer {linear.InputQuantizer.Quantizer.Name}.");
        if (!first && linear.InputQuantizer?.Quantizer is not SteSign)
            throw new NotSupportedException($"Layer {index} ({linear.Describe()}): inputs after the first layer must be binarized with ste_sign, got {linear.InputQuantizer?.Quantizer.Name ?? "no input quantizer"}.");
    }

    internal static UnitAffine[] Units(Linear linear, BatchNorm? bn, int index)
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

    /// <summary>The ±1 weights the forward pass uses, packed [out, WordsPerRow(in)].</summary>
    private static ulong[] WeightSigns(Linear linear, int index)
    {
        var w = linear.EffectiveWeight().ToArray(); // [out, in]
        for (int i = 0; i < w.Length; i++)
            if (w[i] != 1f && w[i] != -1f)
                throw new ArgumentException($"Layer {index} ({linear.Describe()}): quantized weight {i} is {w[i]}, not ±1.");
        var packed = new ulong[linear.OutFeatures * BitLayout.WordsPerRow(linear.InFeatures)];
        BitPacking.PackSigns(w, linear.OutFeatures, linear.InFeatures, packed);
        return packed;
    }

    private static void NegateRow(ulong[] packed, int row, int n)
    {
        int words = BitLayout.WordsPerRow(n);
        var r = packed.AsSpan(row * words, words);
        for (int i = 0; i < words; i++) r[i] = ~r[i];
        r[^1] &= BitLayout.LastWordMask(n);
    }

    private static ByteSignDenseLayer FirstLayer(Linear linear, UnitAffine[] units, ulong[] signs, float limit)
    {
        var thresholds = new float[units.Length];
        for (int j = 0; j < units.Length; j++)
        {
            var (negate, threshold) = ThresholdFolding.FoldReal(units[j], limit);
            if (negate) NegateRow(signs, j, linear.InFeatures);
            thresholds[j] = threshold;
        }
        return new ByteSignDenseLayer(linear.InFeatures, linear.OutFeatures, signs, thresholds);
    }

    private static BinarySignDenseLayer HiddenLayer(Linear linear, UnitAffine[] units, ulong[] signs)
    {
        var maxMismatches = new int[units.Length];
        for (int j = 0; j < units.Length; j++)
        {
            var (negate, threshold) = ThresholdFolding.FoldBinary(units[j], linear.InFeatures);
            if (negate) NegateRow(signs, j, linear.InFeatures);
            maxMismatches[j] = threshold;
        }
        return new BinarySignDenseLayer(linear.InFeatures, linear.OutFeatures, signs, maxMismatches);
    }

    private static BinaryOutputDenseLayer OutputLayer(Linear linear, BatchNorm? bn, UnitAffine[] units, ulong[] signs)
    {
        float[]? bias = linear.Bias is null ? null : units.Select(u => u.Bias).ToArray();
        float[]? scale = bn is null ? null : units.Select(u => u.Scale).ToArray();
        float[]? shift = bn is null ? null : units.Select(u => u.Shift).ToArray();
        return new BinaryOutputDenseLayer(linear.InFeatures, linear.OutFeatures, signs, bias, scale, shift);
    }
}
