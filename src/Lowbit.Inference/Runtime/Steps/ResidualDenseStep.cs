using Lowbit.Inference.Export;
using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;
using Lowbit.Kernels.Gemm;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// What the residual (HBB) kinds (6, 7; <see cref="ResidualDenseLayer"/>) share: exact integer dot products per
/// (input plane, weight level) pair and the constants of the rigorous bound that relates their estimate to the
/// model's float32 dot products.
/// </summary>
/// <remarks>
/// With the fitted weights ŵ = Σ_q α_q·s_q (s_q ∈ {−1, 0, +1}: sign on level q's mask, 0 off it) and fitted inputs
/// x̂ = a·p + b (pixels, affine fit through the table's end points) or x̂ = Σ_i ν_i·c_i (±1 activation planes), the
/// integers S_q = Σ_t s_q·p_t (<see cref="SignByteGemm"/>, one call per level) or
/// P_{q,i} = Σ_{t∈A_q} b_{q,t}·c_{i,t} = |m_q| − 2·popcount(m_q AND (c_i XOR b_q)) (level 1, all inputs:
/// <see cref="XnorGemm.MultiplyPacked"/>; levels ≥ 2: <see cref="MaskedPlaneGemm.MultiplyPacked"/>) give
/// y_e = Σ_q α_q·(a·S_q + b·C_q) or Σ_q Σ_i α_q·ν_i·P_{q,i} exactly in real arithmetic (C_q = Σ_t s_q per unit). The
/// model's float32 y satisfies |y − y_e| ≤ γ_N·max|w|·Σ_t|x_t| + δw·Σ_t|x_t| + max|ŵ|·N·δx (Higham §4.2, any
/// summation order, products rounded or fused; δw = max|w − ŵ| over the weight classes, δx = max|x − x̂| over the
/// input values), plus a slack for the double arithmetic. Where no threshold lies within that bound of y_e the code is
/// decided; otherwise y is recomputed in float32 on the weight/input levels in Sgemm's operation order
/// (<see cref="SgemmDotEmulation"/>, or Sgemm itself).
/// </remarks>
internal abstract class ResidualDenseStep : LayerStep
{
    private readonly double _perAbsInput, _constant;

    protected ResidualDenseStep(ResidualDenseLayer layer, StepContext context)
    {
        Layer = layer;
        Context = context;
        var pixelTable = context.Model.PixelTable;
        int n = layer.InFeatures, units = layer.OutFeatures, b = layer.WeightPlanes, words = layer.WordsPerRow;
        Alpha = layer.WeightScales.Select(v => (double)v).ToArray();
        var (deviationW, maxW, maxFitW) = WeightFit(layer, Alpha);
        InputValues = layer.InputPlanes == 0 ? pixelTable : layer.InputLevels;
        AbsInput = InputValues.Select(v => Math.Abs((double)v)).ToArray();
        double deviationX, maxFitX;
        if (layer.InputPlanes == 0)
        {
            InputScale = ((double)pixelTable[255] - pixelTable[0]) / 255.0;
            double offset = pixelTable[0];
            (deviationX, maxFitX) = Deviation(pixelTable, p => InputScale * p + offset);
            Panels = new SignBytePanel[b];
            UnitOffset = new double[units];
            for (int q = 0; q < b; q++)
            {
                var signs = new ulong[units * words];
                var masks = new ulong[units * words];
                for (int j = 0; j < units; j++)
                {
                    layer.SignPlane(j, q + 1).CopyTo(signs.AsSpan(j * words, words));
                    if (q > 0) layer.Mask(j, q + 1).CopyTo(masks.AsSpan(j * words, words));
                    // C_q = Σ_t s_q = 2·|signs| − |mask| (|mask| = N for level 1)
                    long active = q == 0 ? n : PopCount(layer.Mask(j, q + 1)), plus = PopCount(layer.SignPlane(j, q + 1));
                    UnitOffset[j] += Alpha[q] * offset * (2 * plus - active);
                }
                Panels[q] = q == 0 ? SignBytePanel.FromPackedSigns(signs, units, n) : SignBytePanel.FromPackedMaskedSigns(signs, masks, units, n);
            }
            PairCoefficient = [];
        }
        else
        {
            int k = layer.InputPlanes;
            var nu = layer.InputScales;
            (deviationX, maxFitX) = Deviation(layer.InputLevels, a =>
            {
                double fit = 0;
                for (int i = 0; i < k; i++) fit += ((a >> (k - 1 - i)) & 1) != 0 ? nu[i] : -(double)nu[i];
                return fit;
            });
            PairCoefficient = new double[k * b];
            for (int bit = 0; bit < k; bit++)
                for (int q = 0; q < b; q++) PairCoefficient[bit * b + q] = (double)nu[k - 1 - bit] * Alpha[q];
            var level1 = new ulong[units * words];
            var signPlanes = new ulong[units * (b - 1) * words];
            var maskPlanes = new ulong[units * (b - 1) * words];
            for (int j = 0; j < units; j++)
            {
                layer.SignPlane(j, 1).CopyTo(level1.AsSpan(j * words, words));
                for (int q = 1; q < b; q++)
                {
                    layer.SignPlane(j, q + 1).CopyTo(signPlanes.AsSpan((j * (b - 1) + q - 1) * words, words));
                    layer.Mask(j, q + 1).CopyTo(maskPlanes.AsSpan((j * (b - 1) + q - 1) * words, words));
                }
            }
            Level1 = XnorWeights.Pack(level1, units, n);
            Higher = b > 1 ? MaskedPlaneWeights.Pack(signPlanes, maskPlanes, units, b - 1, n) : null;
            Panels = [];
            UnitOffset = [];
        }
        WeightsFloat = ExpandWeights(layer);
        Dot = SgemmDotEmulation.Create(n);
        double alphaSum = Alpha.Sum(Math.Abs);
        // Slack for the double arithmetic of y_e and of z ± bound: every term of y_e is at most Σ|α|·N·max|x̂| in size.
        _perAbsInput = (FirstLayerBound.Gamma(n + 1) * maxW + deviationW) * 1.01;
        _constant = maxFitW * n * deviationX * 1.01 + 1e-9 * alphaSum * n * maxFitX + 1e-30;
    }

    protected ResidualDenseLayer Layer { get; }

    protected StepContext Context { get; }

    /// <summary>α_q as doubles.</summary>
    protected double[] Alpha { get; }

    /// <summary>Pixel layer: the slope a of x ≈ a·p + b.</summary>
    protected double InputScale { get; }

    /// <summary>Pixel layer: one ±1/0 byte panel per weight level.</summary>
    protected SignBytePanel[] Panels { get; }

    /// <summary>Pixel layer: b·Σ_q α_q·C_q per unit.</summary>
    protected double[] UnitOffset { get; }

    /// <summary>Plane layers: the level-1 sign planes [units, words] for <see cref="XnorGemm.MultiplyPacked"/> (level 1 has no mask); null for layer 0.</summary>
    protected XnorWeights? Level1 { get; }

    /// <summary>Plane layers: sign planes and masks of levels 2..B [units, B − 1, words] for <see cref="MaskedPlaneGemm.MultiplyPacked"/>; null without them.</summary>
    protected MaskedPlaneWeights? Higher { get; }

    /// <summary>Plane layers: ν·α per (code bit, weight level).</summary>
    protected double[] PairCoefficient { get; }

    /// <summary>The float32 input value of each input code (the pixel table for layer 0).</summary>
    protected float[] InputValues { get; }

    /// <summary>|x| per input code.</summary>
    protected double[] AbsInput { get; }

    /// <summary>The float32 weights [units, N] (replays and the output layer).</summary>
    protected float[] WeightsFloat { get; }

    /// <summary>Single-unit replays in Sgemm's operation order, or null (replay with Sgemm).</summary>
    protected SgemmDotEmulation? Dot { get; }

    /// <summary>The bound on |y − y_e| for an image with Σ_t |x_t| = <paramref name="absInputSum"/>.</summary>
    protected double Bound(double absInputSum) => _perAbsInput * absInputSum + _constant;

    private static long PopCount(ReadOnlySpan<ulong> words)
    {
        long count = 0;
        foreach (ulong w in words) count += System.Numerics.BitOperations.PopCount(w);
        return count;
    }

    /// <summary>max |w − ŵ|, max |w|, max |ŵ| over the weight classes (ŵ = Σ_q α_q·s_q).</summary>
    private static (double Deviation, double MaxAbs, double MaxAbsFit) WeightFit(ResidualDenseLayer layer, double[] alpha)
    {
        double deviation = 0, maxAbs = 0, maxFit = 0;
        for (int bits = 1; bits <= layer.WeightPlanes; bits++)
            for (int code = 0; code < 1 << bits; code++)
            {
                double fit = 0;
                for (int q = 0; q < bits; q++) fit += ((code >> q) & 1) != 0 ? alpha[q] : -alpha[q];
                double w = layer.WeightLevels[ResidualDenseLayer.LevelIndex(bits, code)];
                deviation = Math.Max(deviation, Math.Abs(w - fit));
                maxAbs = Math.Max(maxAbs, Math.Abs(w));
                maxFit = Math.Max(maxFit, Math.Abs(fit));
            }
        return (deviation, maxAbs, maxFit);
    }

    private static (double Deviation, double MaxAbsFit) Deviation(float[] values, Func<int, double> fit)
    {
        double deviation = 0, maxFit = 0;
        for (int a = 0; a < values.Length; a++)
        {
            double f = fit(a);
            deviation = Math.Max(deviation, Math.Abs(values[a] - f));
            maxFit = Math.Max(maxFit, Math.Abs(f));
        }
        return (deviation, maxFit);
    }

    /// <summary>The float32 weight of every (unit, input) from the planes, masks and level table.</summary>
    private static float[] ExpandWeights(ResidualDenseLayer layer)
    {
        int n = layer.InFeatures, units = layer.OutFeatures, b = layer.WeightPlanes;
        var w = new float[units * n];
        for (int j = 0; j < units; j++)
            for (int t = 0; t < n; t++)
            {
                int bits = 1, code = 0, word = t >> 6, shift = t & 63;
                while (bits < b && ((layer.Mask(j, bits + 1)[word] >> shift) & 1) != 0) bits++;
                for (int q = 0; q < bits; q++) code |= (int)((layer.SignPlane(j, q + 1)[word] >> shift) & 1) << q;
                w[j * n + t] = layer.WeightLevels[ResidualDenseLayer.LevelIndex(bits, code)];
            }
        return w;
    }

    /// <summary>Σ_t |x_t| of one image (x the float32 inputs the model sees).</summary>
    protected double InputAbsSum(ReadOnlySpan<byte> codes)
    {
        double abs = 0;
        foreach (byte a in codes) abs += AbsInput[a];
        return abs;
    }

    /// <summary>y_e for every image and unit from the exact integers (see the type remarks).</summary>
    protected void Estimates(ReadOnlySpan<byte> codes, int m, Span<double> estimates)
    {
        var layer = Layer;
        int n = layer.InFeatures, units = layer.OutFeatures, levels = layer.WeightPlanes;
        if (layer.InputPlanes == 0)
        {
            var sums = Context.Scratch.Ints(0, m * units);
            for (int q = 0; q < levels; q++)
            {
                SignByteGemm.Multiply(codes.Slice(0, m * n), m, Panels[q], sums, Context.Threads);
                double coefficient = Alpha[q] * InputScale;
                for (int i = 0; i < m; i++)
                {
                    var y = estimates.Slice(i * units, units);
                    var s = sums.Slice(i * units, units);
                    if (q == 0) for (int j = 0; j < units; j++) y[j] = UnitOffset[j] + coefficient * s[j];
                    else for (int j = 0; j < units; j++) y[j] += coefficient * s[j];
                }
            }
            return;
        }
        int k = layer.InputPlanes, words = layer.WordsPerRow, higherLevels = levels - 1;
        var planes = Context.Scratch.Words(0, m * k * words);
        BitPacking.PackBitPlanes(codes.Slice(0, m * n), m, n, k, planes);
        // Level 1 covers every input (no mask): a plain XNOR GEMM. Rows of A are (image i, code bit p) = i·k + p;
        // bit p of the code is input plane k − p (plane 1 = most significant bit).
        var level1 = Context.Scratch.Ints(0, m * k * units);
        XnorGemm.MultiplyPacked(planes, Level1!, m * k, level1, Context.Threads);
        var higher = Context.Scratch.Ints(1, m * k * units * higherLevels);
        if (higherLevels > 0) MaskedPlaneGemm.MultiplyPacked(planes, Higher!, m * k, higher, Context.Threads);
        estimates.Clear();
        for (int i = 0; i < m; i++)
        {
            var y = estimates.Slice(i * units, units);
            for (int bit = 0; bit < k; bit++)
            {
                int row = i * k + bit;
                double c1 = PairCoefficient[bit * levels];
                var dots = level1.Slice(row * units, units);
                for (int j = 0; j < units; j++) y[j] += c1 * dots[j];
                for (int q = 1; q < levels; q++)
                {
                    double c = PairCoefficient[bit * levels + q];
                    var h = higher.Slice(row * units * higherLevels + q - 1);
                    for (int j = 0; j < units; j++) y[j] += c * h[j * higherLevels];
                }
            }
        }
    }
}
