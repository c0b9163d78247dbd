using Lowbit.Inference.Export;

namespace Lowbit.Inference.Runtime;

/// <summary>
/// The exact-integer estimate of a float32 dot product on k-bit codes and its rigorous error bound (docs/FORMAT.md,
/// "k-bit layers"). With weight levels w = W[c] ≈ αw·c + βw and input levels x = X[a] ≈ αx·a + βx (affine fits
/// through the end points, max deviations δw, δx), the integers P = Σ_t c_t·a_t, C = Σ_t c_t and A = Σ_t a_t give
/// y_e = αwαx·P + αwβx·C + βwαx·A + N·βwβx, and the model's float32 y satisfies
/// |y − y_e| ≤ γ_N·max|w|·Σ_t|x_t| + δw·Σ_t|x_t| + max|ŵ|·N·δx (Higham §4.2: any summation order, products rounded or
/// fused; ŵ the fitted levels), plus a slack for the double arithmetic.
/// </summary>
internal sealed class CodeProductBound
{
    private readonly double _perAbsInput, _constant;

    /// <summary>Prepares the constants of a layer of <paramref name="units"/> rows of <paramref name="n"/> weight codes.</summary>
    /// <param name="weightLevels">W[c].</param>
    /// <param name="inputLevels">X[a].</param>
    /// <param name="weightCodes">Codes <c>[units, n]</c>.</param>
    /// <param name="units">Rows (units or output channels).</param>
    /// <param name="n">Reduction length.</param>
    public CodeProductBound(float[] weightLevels, float[] inputLevels, ReadOnlySpan<int> weightCodes, int units, int n)
    {
        var (aw, bw, dw, maxW, maxFitW) = Fit(weightLevels);
        var (ax, bx, dx, _, _) = Fit(inputLevels);
        ProductCoefficient = aw * ax;
        InputCoefficient = bw * ax;
        AbsInputLevels = inputLevels.Select(v => Math.Abs((double)v)).ToArray();
        WeightsFloat = new float[units * n];
        UnitOffset = new double[units];
        for (int j = 0; j < units; j++)
        {
            long codeSum = 0;
            for (int t = 0; t < n; t++)
            {
                int code = weightCodes[j * n + t];
                codeSum += code;
                WeightsFloat[j * n + t] = weightLevels[code];
            }
            UnitOffset[j] = aw * bx * codeSum + n * bw * bx;
        }
        _perAbsInput = (FirstLayerBound.Gamma(n + 1) * maxW + dw) * 1.01 + 1e-9 * maxW;
        _constant = maxFitW * n * dx * 1.01 + 1e-9;
    }

    /// <summary>αw·αx: the coefficient of P.</summary>
    public double ProductCoefficient { get; }

    /// <summary>βw·αx: the coefficient of A.</summary>
    public double InputCoefficient { get; }

    /// <summary>αw·βx·C_j + N·βw·βx per row.</summary>
    public double[] UnitOffset { get; }

    /// <summary>|X[a]| per input code.</summary>
    public double[] AbsInputLevels { get; }

    /// <summary>The float32 weights <c>[units, n]</c> (W of each code).</summary>
    public float[] WeightsFloat { get; }

    /// <summary>The estimate y_e of row <paramref name="unit"/> from its product P and the input code sum A.</summary>
    public double Estimate(int unit, long product, long inputSum) => ProductCoefficient * product + UnitOffset[unit] + InputCoefficient * inputSum;

    /// <summary>The bound on |y − y_e| for inputs with Σ_t |x_t| = <paramref name="absInputSum"/>.</summary>
    public double Bound(double absInputSum) => _perAbsInput * absInputSum + _constant;

    /// <summary>A = Σ a and Σ |X[a]| of a row of input codes.</summary>
    public (long Sum, double Abs) InputSums(ReadOnlySpan<byte> codes)
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
