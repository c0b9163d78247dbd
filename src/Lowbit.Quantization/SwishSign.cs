using System.Runtime.Intrinsics;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;
using Lowbit.Tensors.Ops;

namespace Lowbit.Quantization;

/// <summary>Sign with the SignSwish surrogate gradient of BNN+ (<c>swish_sign</c>).</summary>
/// <remarks>
/// Forward: q(x) = +1 if x ≥ 0 else −1 (sign(0) = +1).
/// Backward: dq/dx := dSS_β/dx = β(2 − βx·tanh(βx/2)) / (1 + cosh(βx)), the derivative of
/// SS_β(x) = 2σ(βx)(1 + βx(1 − σ(βx))) − 1. It equals β at 0, is negative for large |x| and tends to 0.
/// Options: <c>beta</c> (β &gt; 0, default 5 as in Larq; the paper's β settings are not confirmed, our choice).
/// Paper: Darabi et al., "BNN+: Improved Binary Network Training" / "Regularized Binary Network Training",
/// arXiv 1812.11800.
/// </remarks>
public sealed class SwishSign : Quantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="beta">Sharpness β (positive, finite).</param>
    /// <exception cref="ArgumentOutOfRangeException">β is not positive and finite.</exception>
    public SwishSign(double beta = 5.0) => Beta = QuantMath.CheckPositive(beta, nameof(beta), "swish_sign");

    /// <summary>Sharpness β.</summary>
    public double Beta { get; }

    /// <inheritdoc/>
    public override string Name => "swish_sign";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => new Dictionary<string, object>(StringComparer.Ordinal) { ["beta"] = Beta };

    /// <inheritdoc/>
    public override double BitWidth => 1;

    /// <summary>dSS_β/dx = β(2 − βx·tanh(βx/2)) / (1 + cosh(βx)); 0 once cosh overflows.</summary>
    public static double Derivative(double x, double beta)
    {
        double bx = beta * x;
        double denominator = 1 + Math.Cosh(bx);
        if (double.IsInfinity(denominator)) return 0;
        return beta * (2 - bx * Math.Tanh(bx / 2)) / denominator;
    }

    /// <summary>
    /// <see cref="Derivative"/> for many values: the same function written with one exponential, e = exp(−|βx|):
    /// 1 + cosh(βx) = (1 + e)²/(2e) and βx·tanh(βx/2) = |βx|(1 − e)/(1 + e), so
    /// dSS/dx = β(2 − |βx|(1 − e)/(1 + e))·2e/(1 + e)². Agrees with <see cref="Derivative"/> to a few units in
    /// the last place (tested), costs one vectorised exp instead of a scalar cosh and tanh per value (BNN+ evaluates
    /// it for every latent weight on every step), and gives 0 where e underflows.
    /// </summary>
    /// <remarks>
    /// Always evaluated four lanes at a time with <see cref="Vector256"/> (hardware or software), the tail through a
    /// padded vector, so every value goes through the same operations whatever the position or the CPU's vector
    /// width.
    /// </remarks>
    /// <param name="x">Inputs.</param>
    /// <param name="beta">Sharpness β.</param>
    /// <param name="result">Derivatives, same length as <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="result"/> is shorter than <paramref name="x"/>.</exception>
    public static void Derivatives(ReadOnlySpan<double> x, double beta, Span<double> result)
    {
        if (result.Length < x.Length)
            throw new ArgumentException($"result has {result.Length} elements but x has {x.Length}.", nameof(result));
        var b = Vector256.Create(beta);
        int i = 0;
        for (; i + 4 <= x.Length; i += 4)
            Evaluate(Vector256.Create(x.Slice(i, 4)), b).CopyTo(result.Slice(i, 4));
        if (i < x.Length)
        {
            Span<double> pad = stackalloc double[4];
            pad.Clear();
            x[i..].CopyTo(pad);
            Evaluate(Vector256.Create((ReadOnlySpan<double>)pad), b).CopyTo(pad);
            pad[..(x.Length - i)].CopyTo(result[i..]);
        }
    }

    internal static Vector256<double> Evaluate(Vector256<double> x, Vector256<double> beta)
    {
        var one = Vector256<double>.One;
        var t = Vector256.Abs(beta * x);
        var e = Vector256.Exp(-t);
        var onePlus = one + e;
        var core = Vector256.Create(2.0) - t * (one - e) / onePlus;
        return beta * core * (e + e) / (onePlus * onePlus);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The slopes are computed in backward from x (<see cref="Derivatives"/>, rounded once to float for float32), so
    /// the forward stores no slope tensor and the gradient is g·slope, the same products as a stored factor gives.
    /// </remarks>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        var values = Tensor.Empty(x.DType, x.Shape.ToArray()); // every element is written below
        if (x.DType == DType.Float64)
        {
            ReadOnlySpan<double> xs = x.Span<double>();
            Span<double> vs = values.Span<double>();
            for (int i = 0; i < xs.Length; i++) vs[i] = QuantMath.Sign(xs[i]);
        }
        else
        {
            ReadOnlySpan<float> xs = x.AsSpan();
            Span<float> vs = values.AsSpan();
            for (int i = 0; i < xs.Length; i++) vs[i] = xs[i] >= 0 ? 1f : -1f;
        }
        if (!x.TracksGrad) return values; // evaluation: no slopes needed
        double beta = Beta;
        return GradGraph.Record(values, "StraightThrough", [x], g => [Elementwise.Zip(g, x,
            (gs, xs, d) => SlopeTimes(gs, xs, beta, d),
            (gs, xs, d) => SlopeTimes(gs, xs, beta, d))]);
    }

    /// <summary>d = g·dSS_β/dx(x) in double.</summary>
    private static void SlopeTimes(ReadOnlySpan<double> g, ReadOnlySpan<double> x, double beta, Span<double> d)
    {
        Derivatives(x, beta, d);
        for (int i = 0; i < d.Length; i++) d[i] = g[i] * d[i];
    }

    /// <summary>d = g·(float)dSS_β/dx((double)x), in blocks widened to double on the stack.</summary>
    private static void SlopeTimes(ReadOnlySpan<float> g, ReadOnlySpan<float> x, double beta, Span<float> d)
    {
        const int Block = 256;
        Span<double> wide = stackalloc double[Block];
        Span<double> slopes = stackalloc double[Block];
        for (int start = 0; start < x.Length; start += Block)
        {
            int n = Math.Min(Block, x.Length - start);
            for (int i = 0; i < n; i++) wide[i] = x[start + i];
            Derivatives(wide[..n], beta, slopes);
            for (int i = 0; i < n; i++) d[start + i] = g[start + i] * (float)slopes[i];
        }
    }
}
