using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>QNN k-bit uniform (linear) quantizer (<c>linear_quant</c>).</summary>
/// <remarks>
/// Signed (default): step s = r/(2^(k−1) − 1), q = clip(round(x/s), −(2^(k−1) − 1), 2^(k−1) − 1)·s: a symmetric
/// grid of 2^k − 1 levels on [−r, r] with 0 on the grid (our choice of QNN's linear
/// quantizer, clip(round(x/step)·step, minV, maxV); Hubara et al., arXiv 1609.07061).
/// Unsigned: s = r/(2^k − 1), q = clip(round(x/s), 0, 2^k − 1)·s: 2^k levels on [0, r].
/// Range r: <c>range_mode: "fixed"</c> uses the option <c>range</c> (default 1); <c>"max"</c> uses max|x| of the
/// tensor (or of each output channel with per_channel), treated as a constant in backward.
/// Round half away from zero. Backward: identity STE inside the range, g·1[min ≤ x ≤ max] (inclusive), else 0.
/// Options: <c>bits</c> (signed 2..16, unsigned 1..16; default 4), <c>signed</c> (default true),
/// <c>range</c> (&gt; 0, default 1), <c>range_mode</c> ("fixed" | "max"), <c>per_channel</c> (only with "max").
/// Paper: Hubara et al., "Quantized Neural Networks", arXiv 1609.07061.
/// </remarks>
public sealed class LinearQuant : Quantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">Bits k.</param>
    /// <param name="signed">Symmetric signed grid, or unsigned [0, r].</param>
    /// <param name="range">Fixed range r (positive).</param>
    /// <param name="rangeMode">"fixed" or "max".</param>
    /// <param name="perChannel">Per-output-channel range (rangeMode "max" only).</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its allowed range.</exception>
    public LinearQuant(int bits = 4, bool signed = true, double range = 1.0, string rangeMode = "fixed", bool perChannel = false)
    {
        Bits = QuantMath.CheckBits(bits, signed ? 2 : 1, 16, "linear_quant");
        IsSigned = signed;
        Range = QuantMath.CheckPositive(range, nameof(range), "linear_quant");
        if (rangeMode is not ("fixed" or "max"))
            throw new ArgumentOutOfRangeException(nameof(rangeMode), rangeMode, "linear_quant: range_mode must be \"fixed\" or \"max\".");
        if (perChannel && rangeMode != "max")
            throw new ArgumentOutOfRangeException(nameof(perChannel), perChannel, "linear_quant: per_channel needs range_mode: \"max\" (a fixed range is the same for every channel).");
        RangeMode = rangeMode;
        PerChannel = perChannel;
    }

    /// <summary>Bits k.</summary>
    public int Bits { get; }

    /// <summary>Whether the grid is signed.</summary>
    public bool IsSigned { get; }

    /// <summary>Fixed range r.</summary>
    public double Range { get; }

    /// <summary>"fixed" or "max".</summary>
    public string RangeMode { get; }

    /// <summary>Per-output-channel range.</summary>
    public bool PerChannel { get; }

    /// <inheritdoc/>
    public override string Name => "linear_quant";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => new Dictionary<string, object>(StringComparer.Ordinal) { ["bits"] = Bits, ["signed"] = IsSigned, ["range"] = Range, ["range_mode"] = RangeMode, ["per_channel"] = PerChannel };

    /// <inheritdoc/>
    public override double BitWidth => Bits;

    /// <inheritdoc/>
    public override bool Signed => IsSigned;

    /// <summary>Largest integer level: 2^(k−1) − 1 signed, 2^k − 1 unsigned.</summary>
    public int MaxLevel => IsSigned ? (1 << (Bits - 1)) - 1 : (int)(Math.ScaleB(1.0, Bits) - 1);

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        int groups = QuantMath.Groups(x, PerChannel, Name);
        var ranges = new double[groups];
        if (RangeMode == "fixed") ranges[0] = Range;
        else
        {
            var v = x.ToDoubleArray();
            int n = v.Length / groups;
            for (int c = 0; c < groups; c++)
            {
                double m = 0;
                for (int i = c * n; i < (c + 1) * n; i++) m = Math.Max(m, Math.Abs(v[i]));
                ranges[c] = m > 0 ? m : 1.0;
            }
        }
        int size = x.Length / groups;
        double top = MaxLevel, bottom = IsSigned ? -MaxLevel : 0;
        return QuantMath.Apply(x, (double v, int i, out double slope) =>
        {
            double r = ranges[i / size], step = r / top;
            double lo = bottom * step;
            slope = v >= lo && v <= r ? 1 : 0;
            return Math.Clamp(QuantMath.Round(v / step), bottom, top) * step;
        });
    }
}
