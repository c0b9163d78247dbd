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
    private readonly CodeProductBound _bound;

    protected PlaneDenseStep(PlaneDenseLayer layer, StepContext context)
    {
        Layer = layer;
        Context = context;
        int n = layer.InFeatures, units = layer.OutFeatures;
        var weightCodes = new int[units * n];
        BitPacking.UnpackBitPlanes(layer.Weights, units, n, layer.WeightBits, weightCodes);
        _bound = new CodeProductBound(layer.WeightLevels, layer.InputLevels, weightCodes, units, n);
        Dot = SgemmDotEmulation.Create(n);
    }

    protected PlaneDenseLayer Layer { get; }

    protected StepContext Context { get; }

    /// <summary>αw·αx: the coefficient of P.</summary>
    protected double ProductCoefficient => _bound.ProductCoefficient;

    /// <summary>βw·αx: the coefficient of A_i.</summary>
    protected double InputCoefficient => _bound.InputCoefficient;

    /// <summary>αw·βx·C_j + N·βw·βx per unit.</summary>
    protected double[] UnitOffset => _bound.UnitOffset;

    /// <summary>The float32 weights [units, N] (for replays and the output layer).</summary>
    protected float[] WeightsFloat => _bound.WeightsFloat;

    /// <summary>Single-unit replays in Sgemm's operation order, or null (replay with Sgemm).</summary>
    protected SgemmDotEmulation? Dot { get; }

    /// <summary>The bound on |y − y_e| for an image with Σ_t |x_t| = <paramref name="absInputSum"/>.</summary>
    protected double Bound(double absInputSum) => _bound.Bound(absInputSum);

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
    protected (long Sum, double Abs) InputSums(ReadOnlySpan<byte> codes) => _bound.InputSums(codes);
}
