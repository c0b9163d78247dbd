using Lowbit.Nn;
using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Hardware.ModelCost;

/// <summary>How one operand of a layer is represented at inference, derived from its quantizer.</summary>
/// <param name="Encoding">The operand encoding.</param>
/// <param name="ActivePerLevel">|A_1|..|A_B| for heterogeneous weights, else null.</param>
/// <param name="ScaleCount">Float32 scales stored with the operand.</param>
internal readonly record struct OperandDescription(OperandEncoding Encoding, IReadOnlyList<long>? ActivePerLevel, int ScaleCount);

/// <summary>
/// Maps a <see cref="Quantizer"/> to an <see cref="OperandEncoding"/>: <see cref="ICostInfo"/> when the quantizer
/// implements it (residual or heterogeneous ±1 planes), else by <see cref="Quantizer.BitWidth"/> (1 → ±1 code,
/// integer k → k-bit uniform). Quantizers whose evaluation forward pass is the identity (<see cref="Quantizer.IdentityAtEvaluation"/>) map to float32.
/// </summary>
internal static class QuantizerEncoding
{
    /// <summary>Describes the weights of a layer.</summary>
    /// <param name="module">The layer's weight quantizer, or null for float weights.</param>
    /// <param name="latentWeights">The layer's latent weights.</param>
    /// <param name="layer">Layer name for messages.</param>
    public static OperandDescription Weights(QuantizerModule? module, Tensor latentWeights, string layer)
    {
        if (module is null || module.Quantizer.IdentityAtEvaluation)
        {
            return new OperandDescription(OperandEncoding.Float32, null, 0);
        }

        var quantizer = module.Quantizer;
        if (quantizer is ICostInfo info)
        {
            int planes = CheckPlanes(info.MaxPlanes, quantizer, layer);
            int scales = info.ScaleCount(latentWeights);
            if (!info.Heterogeneous)
            {
                return new OperandDescription(OperandEncoding.Residual(planes), null, scales);
            }

            var active = info.ActivePerLevel(latentWeights)
                ?? throw new ArgumentException($"Layer '{layer}': weight quantizer '{quantizer.Name}' is heterogeneous but returned no per-level counts |A_j|.");
            return new OperandDescription(OperandEncoding.Heterogeneous(planes), active, scales);
        }

        // Quantizer parameters learned for the weights (BNN+ α, LSQ step, …) are the stored scales.
        int learned = checked((int)quantizer.LearnableTensors.Sum(t => (long)t.Value.Length));
        return new OperandDescription(FromBitWidth(quantizer, layer, "weight"), null, learned);
    }

    /// <summary>Describes input activations quantized by <paramref name="quantizer"/>; null means float32.</summary>
    /// <param name="quantizer">The input or activation quantizer, or null.</param>
    /// <param name="layer">Layer name for messages.</param>
    public static OperandEncoding Activations(Quantizer? quantizer, string layer)
    {
        if (quantizer is null || quantizer.IdentityAtEvaluation)
        {
            return OperandEncoding.Float32;
        }

        if (quantizer is ICostInfo info)
        {
            int planes = CheckPlanes(info.MaxPlanes, quantizer, layer);
            return info.Heterogeneous
                ? throw new ArgumentException($"Layer '{layer}': activation quantizer '{quantizer.Name}' is heterogeneous; the cost model describes heterogeneous weights only (use residual or uniform activations).")
                : OperandEncoding.Residual(planes);
        }

        return FromBitWidth(quantizer, layer, "activation");
    }

    private static OperandEncoding FromBitWidth(Quantizer quantizer, string layer, string role)
    {
        double bits = quantizer.BitWidth;
        if (!double.IsFinite(bits) || bits < 1 || bits > OperandEncoding.MaxQuantizedBits)
        {
            throw new ArgumentException(
                $"Layer '{layer}': {role} quantizer '{quantizer.Name}' has bit width {bits}; the cost model accepts 1..{OperandEncoding.MaxQuantizedBits} bits.");
        }

        if (bits != Math.Floor(bits))
        {
            throw new ArgumentException(
                $"Layer '{layer}': {role} quantizer '{quantizer.Name}' has fractional bit width {bits} (heterogeneous) but does not implement " +
                $"{nameof(ICostInfo)}, so the per-level counts |A_j| are unknown; implement {nameof(ICostInfo)} on the quantizer.");
        }

        return bits == 1 ? OperandEncoding.Binary : OperandEncoding.Uniform((int)bits);
    }

    private static int CheckPlanes(int planes, Quantizer quantizer, string layer)
    {
        if (planes < 1 || planes > OperandEncoding.MaxQuantizedBits)
        {
            throw new ArgumentException(
                $"Layer '{layer}': quantizer '{quantizer.Name}' reports {planes} bit planes; the cost model accepts 1..{OperandEncoding.MaxQuantizedBits}.");
        }

        return planes;
    }
}
