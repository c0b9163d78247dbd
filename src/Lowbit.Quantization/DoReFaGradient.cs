using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Quantization;

/// <summary>DoReFa-Net k-bit stochastic gradient quantizer (<c>dorefa_grad</c>): identity forward, quantized backward.</summary>
/// <remarks>
/// Forward: y = x (values unchanged), so it can be placed anywhere, e.g. as a <c>QuantizerModule</c> after a layer
/// to quantize the error signal flowing into that layer's output.
/// Backward (training only), per sample n (dimension 0; the whole tensor for rank 0/1):
/// m = max|g[n, …]|; u = g/(2m) + 1/2 + N with N ~ U(−0.5/(2^k − 1), 0.5/(2^k − 1)) drawn per element;
/// g_x = 2m·(quantize_k(clip(u, 0, 1)) − 1/2). Rows with m = 0 stay 0. E[g_x] = g (unbiased) because
/// round(y + U(−½, ½)) rounds up with probability frac(y).
/// The generator is the <see cref="QuantizerContext.Random"/> of the forward call; in evaluation the gradient
/// passes unchanged. Options: <c>bits</c> (1..16, default 6 as in QNN/DoReFa's 6-bit gradients).
/// Paper: Zhou et al., "DoReFa-Net", arXiv 1606.06160; also used by QNN (Hubara et al., arXiv 1609.07061).
/// </remarks>
public sealed class DoReFaGradient : Quantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">Gradient bits k (1..16).</param>
    /// <exception cref="ArgumentOutOfRangeException">bits outside 1..16.</exception>
    public DoReFaGradient(int bits = 6) => Bits = QuantMath.CheckBits(bits, 1, 16, "dorefa_grad");

    /// <summary>Gradient bits k.</summary>
    public int Bits { get; }

    /// <inheritdoc/>
    public override string Name => "dorefa_grad";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => new Dictionary<string, object>(StringComparer.Ordinal) { ["bits"] = Bits };

    /// <inheritdoc/>
    public override double BitWidth => Bits;

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Training) return x;
        var random = QuantMath.RequireRandom(context, Name);
        int bits = Bits;
        return GradGraph.Record(x.Detach(), Name, [x], g => [QuantizeGradient(g, bits, random)]);
    }

    /// <summary>The stochastic k-bit quantization of a gradient tensor (see remarks).</summary>
    internal static Tensor QuantizeGradient(Tensor g, int bits, Random random)
    {
        var v = g.ToDoubleArray();
        int rows = g.Rank >= 2 ? g.Dim(0) : 1;
        int size = v.Length / Math.Max(rows, 1);
        double levels = Math.ScaleB(1.0, bits) - 1;
        double halfNoise = 0.5 / levels;
        var result = Tensor.ZerosLike(g);
        for (int r = 0; r < rows; r++)
        {
            double m = 0;
            for (int i = r * size; i < (r + 1) * size; i++) m = Math.Max(m, Math.Abs(v[i]));
            if (m == 0) continue;
            for (int i = r * size; i < (r + 1) * size; i++)
            {
                double u = v[i] / (2 * m) + 0.5 + (2 * random.NextDouble() - 1) * halfNoise;
                result.SetFlat(i, 2 * m * (QuantMath.QuantizeUnit(Math.Clamp(u, 0, 1), bits) - 0.5));
            }
        }
        return result;
    }
}
