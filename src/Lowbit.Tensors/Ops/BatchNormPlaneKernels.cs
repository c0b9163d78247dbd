using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Tensors.Ops;

/// <summary>
/// Batch normalisation of float32 x [N, C, inner] (inner = H·W): one pass over the data for the statistics, one for the
/// affine map, one for the gradient sums and one for the input gradient.
/// </summary>
/// <remarks>
/// Plane sums (one image, one channel) run 32 float lanes: lane l adds the elements i ≡ l (mod 32) of the whole vectors
/// in order; the lanes are combined as (v0 + v1) + (v2 + v3) over the four 8-lane vectors, then
/// ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)), and the elements past the last whole 32 are added in order. Plane
/// sums are added over images in double. Statistics are shifted by the channel's first value K (d = x − K), so one pass
/// gives mean = K + Σd/n and variance = Σd²/n − (Σd/n)² without the cancellation of raw sums; gradient sums use
/// x − (float)mean. <see cref="BatchNormPlaneReference"/> performs the same operations in the same order and is
/// bit-identical. Channels (statistics, sums) or images (maps) split across threads never change a value.
/// </remarks>
internal static class BatchNormPlaneKernels
{
    /// <summary>Whole vectors of 32 lanes.</summary>
    public const int Lanes = 32;

    /// <summary>Mean and biased variance of channels [c0, c1) (one pass, shifted by each channel's first value).</summary>
    public static void Stats(ReadOnlySpan<float> x, int n, int c, int inner, int c0, int c1, double[] mean, double[] variance)
    {
        double count = (double)n * inner;
        int channels = c1 - c0;
        // Image by image, so the planes of [c0, c1) are read as one stream (channel by channel, 100 planes a few KiB apart
        // each started cold); each channel still adds its plane sums over the images in order.
        Span<double> sums = channels <= 512 ? stackalloc double[2 * channels] : new double[2 * channels];
        sums.Clear();
        for (int b = 0; b < n; b++)
            for (int ch = c0; ch < c1; ch++)
            {
                var (d, d2) = ShiftedSums(x.Slice((b * c + ch) * inner, inner), x[ch * inner]);
                sums[2 * (ch - c0)] += d;
                sums[2 * (ch - c0) + 1] += d2;
            }
        for (int ch = c0; ch < c1; ch++)
        {
            double m = sums[2 * (ch - c0)] / count;
            mean[ch] = x[ch * inner] + m;
            variance[ch] = Math.Max(0, sums[2 * (ch - c0) + 1] / count - m * m);
        }
    }

    /// <summary>Σ(x − shift) and Σ(x − shift)² of one plane in the lane order of the type remarks.</summary>
    public static (float Sum, float SumSquares) ShiftedSums(ReadOnlySpan<float> x, float shift)
    {
        if (!Vector256.IsHardwareAccelerated) return BatchNormPlaneReference.ShiftedSums(x, shift);
        ref float p = ref MemoryMarshal.GetReference(x);
        var k = Vector256.Create(shift);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, q0 = default, q1 = default, q2 = default, q3 = default;
        int i = 0;
        for (; i + Lanes <= x.Length; i += Lanes)
        {
            var d0 = Vector256.LoadUnsafe(ref p, (nuint)i) - k;
            var d1 = Vector256.LoadUnsafe(ref p, (nuint)i + 8) - k;
            var d2 = Vector256.LoadUnsafe(ref p, (nuint)i + 16) - k;
            var d3 = Vector256.LoadUnsafe(ref p, (nuint)i + 24) - k;
            a0 += d0; a1 += d1; a2 += d2; a3 += d3;
            q0 = Vector256.FusedMultiplyAdd(d0, d0, q0); q1 = Vector256.FusedMultiplyAdd(d1, d1, q1);
            q2 = Vector256.FusedMultiplyAdd(d2, d2, q2); q3 = Vector256.FusedMultiplyAdd(d3, d3, q3);
        }
        float sum = LaneTree((a0 + a1) + (a2 + a3)), squares = LaneTree((q0 + q1) + (q2 + q3));
        for (; i < x.Length; i++)
        {
            float d = x[i] - shift;
            sum += d;
            squares = MathF.FusedMultiplyAdd(d, d, squares);
        }
        return (sum, squares);
    }

    /// <summary>
    /// y = fma(x − center[ch], scale[ch], shift[ch]) on images [b0, b1): centred on the (float) mean, so a channel far from
    /// zero with a small spread keeps its digits (x − center is exact near center).
    /// </summary>
    public static void Affine(ReadOnlySpan<float> x, Span<float> y, float[] center, float[] scale, float[] shift, int c, int inner, int b0, int b1)
    {
        for (int b = b0; b < b1; b++)
            for (int ch = 0; ch < c; ch++)
            {
                int off = (b * c + ch) * inner;
                CenteredAffine(x.Slice(off, inner), y.Slice(off, inner), center[ch], scale[ch], shift[ch]);
            }
    }

    /// <summary>
    /// y = max(fma(x − center[ch], scale[ch], shift[ch]), 0) on images [b0, b1): <see cref="Affine"/> and ReLU in one pass,
    /// the same bits as the two passes (max as <see cref="MathF.Max(float, float)"/>: NaN stays NaN, −0 becomes +0).
    /// </summary>
    public static void AffineRelu(ReadOnlySpan<float> x, Span<float> y, float[] center, float[] scale, float[] shift, int c, int inner, int b0, int b1)
    {
        for (int b = b0; b < b1; b++)
            for (int ch = 0; ch < c; ch++)
            {
                int off = (b * c + ch) * inner;
                CenteredAffineRelu(x.Slice(off, inner), y.Slice(off, inner), center[ch], scale[ch], shift[ch]);
            }
    }

    private static void CenteredAffineRelu(ReadOnlySpan<float> x, Span<float> dst, float m, float a, float b)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float px = ref MemoryMarshal.GetReference(x);
            ref float pd = ref MemoryMarshal.GetReference(dst);
            Vector256<float> vm = Vector256.Create(m), va = Vector256.Create(a), vb = Vector256.Create(b);
            for (; i + 8 <= x.Length; i += 8)
                Vector256.Max(Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref px, (nuint)i) - vm, va, vb), Vector256<float>.Zero).StoreUnsafe(ref pd, (nuint)i);
        }
        for (; i < x.Length; i++) dst[i] = MathF.Max(MathF.FusedMultiplyAdd(x[i] - m, a, b), 0f);
    }

    /// <summary>
    /// y = min(max(fma(x − center[ch], scale[ch], shift[ch]) + r, low), high) on images [b0, b1) with r the residual
    /// (same layout as x): batch norm, the residual sum and a clamping activation in one pass, the bits of the three ops.
    /// </summary>
    public static void AffineAddClamp(ReadOnlySpan<float> x, ReadOnlySpan<float> r, Span<float> y, float[] center, float[] scale, float[] shift,
        float low, float high, int c, int inner, int b0, int b1)
    {
        for (int b = b0; b < b1; b++)
            for (int ch = 0; ch < c; ch++)
            {
                int off = (b * c + ch) * inner;
                int i = 0;
                float m = center[ch], a = scale[ch], h = shift[ch];
                if (Vector256.IsHardwareAccelerated)
                {
                    ref float px = ref MemoryMarshal.GetReference(x.Slice(off, inner));
                    ref float pr = ref MemoryMarshal.GetReference(r.Slice(off, inner));
                    ref float pd = ref MemoryMarshal.GetReference(y.Slice(off, inner));
                    Vector256<float> vm = Vector256.Create(m), va = Vector256.Create(a), vh = Vector256.Create(h), lo = Vector256.Create(low), hi = Vector256.Create(high);
                    for (; i + 8 <= inner; i += 8)
                    {
                        var pre = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref px, (nuint)i) - vm, va, vh) + Vector256.LoadUnsafe(ref pr, (nuint)i);
                        Vector256.Min(Vector256.Max(pre, lo), hi).StoreUnsafe(ref pd, (nuint)i);
                    }
                }
                for (; i < inner; i++) y[off + i] = MathF.Min(MathF.Max(MathF.FusedMultiplyAdd(x[off + i] - m, a, h) + r[off + i], low), high);
            }
    }

    /// <summary>dst = fma(x − m, a, b) elementwise.</summary>
    private static void CenteredAffine(ReadOnlySpan<float> x, Span<float> dst, float m, float a, float b)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float px = ref MemoryMarshal.GetReference(x);
            ref float pd = ref MemoryMarshal.GetReference(dst);
            Vector256<float> vm = Vector256.Create(m), va = Vector256.Create(a), vb = Vector256.Create(b);
            for (; i + 8 <= x.Length; i += 8)
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref px, (nuint)i) - vm, va, vb).StoreUnsafe(ref pd, (nuint)i);
        }
        for (; i < x.Length; i++) dst[i] = MathF.FusedMultiplyAdd(x[i] - m, a, b);
    }

    /// <summary>(center, scale, shift) of the affine map for one channel: y = γ·(x − m)·k + β = (x − m_f)·s + (β − (m − m_f)·s).</summary>
    public static (float Center, float Scale, float Shift) AffineCoefficients(double m, double k, double gamma, double beta)
    {
        float center = (float)m;
        double scale = gamma * k;
        return (center, (float)scale, (float)(beta - (m - center) * scale));
    }

    /// <summary>One plane's Σg and Σg·(x − m_f) into channel i's totals: Σg·x̂ += (Σg·(x − m_f) − (m − m_f)·Σg)·k.</summary>
    private static void AddPlaneSums(Span<double> totals, int i, double sg, double sgx, double meanResidual, double invStd)
    {
        totals[2 * i] += sg;
        totals[2 * i + 1] += (sgx - meanResidual * sg) * invStd;
    }

    /// <summary>The per-call totals of channels [c0, c1) into the shared arrays.</summary>
    private static void StoreTotals(ReadOnlySpan<double> totals, int c0, int c1, double[] sumG, double[] sumGXhat)
    {
        for (int ch = c0; ch < c1; ch++)
        {
            sumG[ch] = totals[2 * (ch - c0)];
            sumGXhat[ch] = totals[2 * (ch - c0) + 1];
        }
    }

    /// <summary>Σg and Σg·x̂ of channels [c0, c1): per plane Σg and Σg·(x − (float)m), in double Σg·x̂ += (Σg·(x − m_f) − (m − m_f)·Σg)·k.</summary>
    /// <param name="relu">
    /// Null for batch norm alone; for batch norm followed by ReLU, the forward's (scale, shift) per channel: g counts only
    /// where fma(x − m_f, scale, shift) &gt; 0 (the ReLU's gradient mask, recomputed bit for bit from x).
    /// </param>
    public static void GradientSums(ReadOnlySpan<float> g, ReadOnlySpan<float> x, double[] mean, double[] invStd, int n, int c, int inner,
        int c0, int c1, double[] sumG, double[] sumGXhat, ReluMaskCoefficients? relu = null)
    {
        // Image by image (one stream over the planes of [c0, c1), see Stats); each channel adds over the images in order,
        // in totals of this call's own (the arrays' neighbouring channels may belong to another thread).
        int channels = c1 - c0;
        Span<double> totals = channels <= 512 ? stackalloc double[2 * channels] : new double[2 * channels];
        totals.Clear();
        for (int b = 0; b < n; b++)
            for (int ch = c0; ch < c1; ch++)
            {
                double m = mean[ch];
                float mf = (float)m;
                int off = (b * c + ch) * inner;
                var (sg, sgx) = relu is null
                    ? GradientPlaneSums(g.Slice(off, inner), x.Slice(off, inner), mf)
                    : GradientPlaneSums(g.Slice(off, inner), x.Slice(off, inner), mf, new ReluMask(relu.Scale[ch], relu.Shift[ch]));
                AddPlaneSums(totals, ch - c0, sg, sgx, m - mf, invStd[ch]);
            }
        StoreTotals(totals, c0, c1, sumG, sumGXhat);
    }

    /// <summary>
    /// <see cref="GradientSums"/> of g' = the gradient of activation(batch norm + r) (<see cref="ResidualClampMask"/>, with
    /// the forward's per-channel scale and shift), storing g' to <paramref name="gOut"/> in the same pass.
    /// </summary>
    public static void GradientSumsResidualClamp(ReadOnlySpan<float> g, ReadOnlySpan<float> x, ReadOnlySpan<float> r, Span<float> gOut,
        double[] mean, double[] invStd, float[] scale, float[] shift, float low, float high, bool lowInclusive, int n, int c, int inner,
        int c0, int c1, double[] sumG, double[] sumGXhat)
    {
        // The order of GradientSums: image by image, each channel's totals over the images in order.
        Span<double> totals = c1 - c0 <= 512 ? stackalloc double[2 * (c1 - c0)] : new double[2 * (c1 - c0)];
        totals.Clear();
        for (int b = 0; b < n; b++)
            for (int ch = c0; ch < c1; ch++)
            {
                double m = mean[ch];
                float mf = (float)m;
                int off = (b * c + ch) * inner;
                var mask = new ResidualClampMask(r.Slice(off, inner), gOut.Slice(off, inner), scale[ch], shift[ch], low, high, lowInclusive);
                var (sg, sgx) = GradientPlaneSums(g.Slice(off, inner), x.Slice(off, inner), mf, mask);
                AddPlaneSums(totals, ch - c0, sg, sgx, m - mf, invStd[ch]);
            }
        StoreTotals(totals, c0, c1, sumG, sumGXhat);
    }

    /// <summary>Σg and Σg·(x − m) of one plane in the lane order of the type remarks.</summary>
    public static (float SumG, float SumGX) GradientPlaneSums(ReadOnlySpan<float> g, ReadOnlySpan<float> x, float m) =>
        GradientPlaneSums(g, x, m, default(NoMask));

    /// <summary>Σg' and Σg'·(x − m) of one plane in the lane order of the type remarks, g' = <paramref name="mask"/>(g, x − m).</summary>
    public static (float SumG, float SumGX) GradientPlaneSums<TMask>(ReadOnlySpan<float> g, ReadOnlySpan<float> x, float m, TMask mask)
        where TMask : struct, IGradientMask, allows ref struct
    {
        if (!Vector256.IsHardwareAccelerated) return BatchNormPlaneReference.GradientPlaneSums(g, x, m, mask);
        ref float pg = ref MemoryMarshal.GetReference(g);
        ref float px = ref MemoryMarshal.GetReference(x);
        var mv = Vector256.Create(m);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, q0 = default, q1 = default, q2 = default, q3 = default;
        int i = 0;
        for (; i + Lanes <= g.Length; i += Lanes)
        {
            var d0 = Vector256.LoadUnsafe(ref px, (nuint)i) - mv;
            var d1 = Vector256.LoadUnsafe(ref px, (nuint)i + 8) - mv;
            var d2 = Vector256.LoadUnsafe(ref px, (nuint)i + 16) - mv;
            var d3 = Vector256.LoadUnsafe(ref px, (nuint)i + 24) - mv;
            var g0 = mask.Apply(Vector256.LoadUnsafe(ref pg, (nuint)i), d0, i);
            var g1 = mask.Apply(Vector256.LoadUnsafe(ref pg, (nuint)i + 8), d1, i + 8);
            var g2 = mask.Apply(Vector256.LoadUnsafe(ref pg, (nuint)i + 16), d2, i + 16);
            var g3 = mask.Apply(Vector256.LoadUnsafe(ref pg, (nuint)i + 24), d3, i + 24);
            a0 += g0; a1 += g1; a2 += g2; a3 += g3;
            q0 = Vector256.FusedMultiplyAdd(g0, d0, q0);
            q1 = Vector256.FusedMultiplyAdd(g1, d1, q1);
            q2 = Vector256.FusedMultiplyAdd(g2, d2, q2);
            q3 = Vector256.FusedMultiplyAdd(g3, d3, q3);
        }
        float sumG = LaneTree((a0 + a1) + (a2 + a3)), sumGX = LaneTree((q0 + q1) + (q2 + q3));
        for (; i < g.Length; i++)
        {
            float d = x[i] - m, gi = mask.Apply(g[i], d, i);
            sumG += gi;
            sumGX = MathF.FusedMultiplyAdd(gi, d, sumGX);
        }
        return (sumG, sumGX);
    }

    /// <summary>
    /// Input gradient on images [b0, b1): gx = fma(g, a, fma(x − m_f, bx, c0)) with a = γ·k, m_f = (float)m and, in
    /// training, bx = −a·k·mean(g·x̂), c0 = −a·mean(g) − bx·(m − m_f) (rounded to float); in evaluation bx = c0 = 0.
    /// </summary>
    public static void InputGradient(ReadOnlySpan<float> g, ReadOnlySpan<float> x, Span<float> gx, double[] mean, double[] invStd, double[] gamma,
        bool training, int n, int c, int inner, double[] sumG, double[] sumGXhat, int b0, int b1, ReluMaskCoefficients? relu = null)
    {
        double count = (double)n * inner;
        // (a, bx, c0) per channel, once for all the images (the same values as per plane).
        Span<float> coefficients = c <= 1024 ? stackalloc float[3 * c] : new float[3 * c];
        for (int ch = 0; ch < c; ch++)
            (coefficients[3 * ch], coefficients[3 * ch + 1], coefficients[3 * ch + 2]) =
                GradientCoefficients(mean[ch], invStd[ch], gamma[ch], training, count, sumG[ch], sumGXhat[ch]);
        for (int b = b0; b < b1; b++)
            for (int ch = 0; ch < c; ch++)
            {
                int off = (b * c + ch) * inner;
                float a = coefficients[3 * ch], bx = coefficients[3 * ch + 1], c0 = coefficients[3 * ch + 2];
                if (relu is null) GradientPlane(g.Slice(off, inner), x.Slice(off, inner), gx.Slice(off, inner), (float)mean[ch], a, bx, c0, default(NoMask));
                else GradientPlane(g.Slice(off, inner), x.Slice(off, inner), gx.Slice(off, inner), (float)mean[ch], a, bx, c0, new ReluMask(relu.Scale[ch], relu.Shift[ch]));
            }
    }

    /// <summary>(a, bx, c0) of <see cref="InputGradient"/> for one channel.</summary>
    public static (float A, float Bx, float C0) GradientCoefficients(double m, double k, double gamma, bool training, double count, double sumG, double sumGXhat)
    {
        double a = gamma * k;
        double bx = training ? -a * k * sumGXhat / count : 0.0;
        double c0 = training ? -a * sumG / count - bx * (m - (float)m) : 0.0;
        return ((float)a, (float)bx, (float)c0);
    }

    private static void GradientPlane<TMask>(ReadOnlySpan<float> g, ReadOnlySpan<float> x, Span<float> gx, float m, float a, float bx, float c0, TMask mask)
        where TMask : struct, IGradientMask, allows ref struct
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float pg = ref MemoryMarshal.GetReference(g);
            ref float px = ref MemoryMarshal.GetReference(x);
            ref float pd = ref MemoryMarshal.GetReference(gx);
            Vector256<float> vm = Vector256.Create(m), va = Vector256.Create(a), vb = Vector256.Create(bx), vc = Vector256.Create(c0);
            for (; i + 8 <= g.Length; i += 8)
            {
                var d = Vector256.LoadUnsafe(ref px, (nuint)i) - vm;
                var t = Vector256.FusedMultiplyAdd(d, vb, vc);
                Vector256.FusedMultiplyAdd(mask.Apply(Vector256.LoadUnsafe(ref pg, (nuint)i), d, i), va, t).StoreUnsafe(ref pd, (nuint)i);
            }
        }
        for (; i < g.Length; i++)
        {
            float d = x[i] - m;
            gx[i] = MathF.FusedMultiplyAdd(mask.Apply(g[i], d, i), a, MathF.FusedMultiplyAdd(d, bx, c0));
        }
    }

    /// <summary>((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float LaneTree(Vector256<float> v)
    {
        Vector128<float> h = v.GetLower() + v.GetUpper();
        return (h.GetElement(0) + h.GetElement(2)) + (h.GetElement(1) + h.GetElement(3));
    }
}
