using Lowbit.Inference.Export;
using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;
using Lowbit.Kernels.Gemm;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// What the k-bit code kinds (4, 5; <see cref="PlaneDenseLayer"/>) share: exact integer code products by bit-serial
/// AND-popcount and the constants of the rigorous bound that relates them to the model's float32 dot products.
/// </summary>
/// <remarks>
/// Per layer with weight levels w = W[c] ≈ αw·c + βw and input levels x = X[a] ≈ αx·a + βx (affine fits through the
/// end points, max deviations δw, δx), the integers P_ij = Σ_t c_jt·a_it (<see cref="BitSerialGemm.Multiply"/>),
/// C_j = Σ_t c_jt and A_i = Σ_t a_it give y_e = αwαx·P + αwβx·C_j + βwαx·A_i + N·βwβx, and the model's float32
/// y satisfies |y − y_e| ≤ γ_N·max|w|·Σ_t|x_t| + δw·Σ_t|x_t| + max|ŵ|·N·δx (Higham §4.2: any summation order,
/// products rounded or fused; ŵ the fitted levels), plus a slack for the double arithmetic. Where the bound cannot
/// decide, y is recomputed in Sgemm's operation order on the float32 levels (<see cref="SgemmDotEmulation"/>, or
/// <see cref="Sgemm"/> itself: same per-element operation order as the model's forward at any matrix size, its
/// determinism contract).
/// </remarks>
internal abstract class PlaneDenseStep : LayerStep
{
    private readonly double _perAbsInput, _constant;

    protected PlaneDenseStep(PlaneDenseLayer layer, StepContext context)
    {
        Layer = layer;
        Context = context;
        int n = layer.InFeatures, units = layer.OutFeatures;
        var (aw, bw, dw, maxW, maxFitW) = Fit(layer.WeightLevels);
        var (ax, bx, dx, _, _) = Fit(layer.InputLevels);
        ProductCoefficient = aw * ax;
        InputCoefficient = bw * ax;
        AbsInputLevels = layer.InputLevels.Select(v => Math.Abs((double)v)).ToArray();
        WeightsFloat = new float[units * n];
        UnitOffset = new double[units];
        var weightCodes = new int[units * n];
        BitPacking.UnpackBitPlanes(layer.Weights, units, n, layer.WeightBits, weightCodes);
        for (int j = 0; j < units; j++)
        {
            long codeSum = 0;
            for (int t = 0; t < n; t++)
            {
                int code = weightCodes[j * n + t];
                codeSum += code;
                WeightsFloat[j * n + t] = layer.WeightLevels[code];
            }
            UnitOffset[j] = aw * bx * codeSum + n * bw * bx;
        }
        _perAbsInput = (FirstLayerBound.Gamma(n + 1) * maxW + dw) * 1.01 + 1e-9 * maxW;
        _constant = maxFitW * n * dx * 1.01 + 1e-9;
        Dot = SgemmDotEmulation.Create(n);
    }

    protected PlaneDenseLayer Layer { get; }

    protected StepContext Context { get; }

    /// <summary>αw·αx: the coefficient of P.</summary>
    protected double ProductCoefficient { get; }

    /// <summary>βw·αx: the coefficient of A_i.</summary>
    protected double InputCoefficient { get; }

    /// <summary>αw·βx·C_j + N·βw·βx per unit.</summary>
    protected double[] UnitOffset { get; }

    /// <summary>|X[a]| per input code.</summary>
    protected double[] AbsInputLevels { get; }

    /// <summary>The float32 weights [units, N] (for replays and the output layer).</summary>
    protected float[] WeightsFloat { get; }

    /// <summary>Single-unit replays in Sgemm's operation order, or null (replay with Sgemm).</summary>
    protected SgemmDotEmulation? Dot { get; }

    /// <summary>The bound on |y − y_e| for an image with Σ_t |x_t| = <paramref name="absInputSum"/>.</summary>
    protected double Bound(double absInputSum) => _perAbsInput * absInputSum + _constant;

    /// <summary>P = Σ_t c_jt·a_it for every image and unit, by bit-serial AND-popcount on the code planes (scratch longs slot 0).</summary>
    protected Span<long> Products(ReadOnlySpan<byte> codes, int m)
    {
        int n = Layer.InFeatures, k = Layer.InputBits;
        var planes = Context.Scratch.Words(0, m * k * Layer.WordsPerRow);
        var products = Context.Scratch.Longs(0, m * Layer.OutFeatures);
        BitPacking.PackBitPlanes(codes[..(m * n)], m, n, k, planes);
        BitSerialGemm.Multiply(planes, k, Layer.Weights, Layer.WeightBits, m, Layer.OutFeatures, n, products, Context.Threads);
        return products;
    }

    /// <summary>A_i = Σ_t a_it of one image and Σ_t |x_it|.</summary>
    protected (long Sum, double Abs) InputSums(ReadOnlySpan<byte> codes)
    {
        long sum = 0;
        double abs = 0;
        foreach (byte a in codes)
        {
            sum += a;
            abs += AbsInputLevels[a];
        }
        return (sum, abs);
    }

    /// <summary>Affine fit v ≈ α·c + β through the end points; max deviation, max |v|, max |fit|.</summary>
    private static (double Alpha, double Beta, double Deviation, double MaxAbs, double MaxAbsFit) Fit(float[] levels)
    {
        int top = levels.Length - 1;
        double alpha = ((double)levels[top] - levels[0]) / top, beta = levels[0];
        double deviation = 0, maxAbs = 0, maxFit = 0;
        for (int c = 0; c <= top; c++)
        {
            double fit = alpha * c + beta;
            deviation = Math.Max(deviation, Math.Abs(levels[c] - fit));
            maxAbs = Math.Max(maxAbs, Math.Abs((double)levels[c]));
            maxFit = Math.Max(maxFit, Math.Abs(fit));
        }
        return (alpha, beta, deviation, maxAbs, maxFit);
    }
}
