using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Tensors.Ops;

/// <summary>
/// Batch-normalisation loops over x laid out [N, C, inner] (inner = H·W, or 1 for [N, C]), for a channel range
/// [c0, c1) (statistics, gradient sums) or a row range [b0, b1) (affine map, input gradient).
/// </summary>
/// <remarks>
/// The generic methods are the reference (plain loops, any element type). The float32 fast paths for [N, C]
/// vectorise across channels: every channel still accumulates over the batch in the same order, with the same
/// double-precision operations, so they match the reference bit for bit (tests check this). Because each channel's
/// reduction lives wholly inside one channel range, splitting channels across threads does not change results.
/// </remarks>
internal static class BatchNormKernels
{
    /// <summary>Two-pass (centred) mean and biased variance of channels [c0, c1), accumulated in double.</summary>
    public static void Stats<T>(ReadOnlySpan<T> x, int n, int c, int inner, int c0, int c1, double[] mean, double[] variance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = n * inner;
        if (inner == 1)
        {
            for (int ch = c0; ch < c1; ch++)
            {
                double s = 0;
                for (int b = 0; b < n; b++) s += double.CreateTruncating(x[b * c + ch]);
                double m = s / count, s2 = 0;
                for (int b = 0; b < n; b++)
                {
                    double d = double.CreateTruncating(x[b * c + ch]) - m;
                    s2 += d * d;
                }
                mean[ch] = m;
                variance[ch] = s2 / count;
            }
            return;
        }
        for (int ch = c0; ch < c1; ch++)
        {
            double s = 0;
            for (int b = 0; b < n; b++)
                s += double.CreateTruncating(TensorPrimitives.Sum(x.Slice((b * c + ch) * inner, inner)));
            double m = s / count, s2 = 0;
            T mt = T.CreateTruncating(m);
            for (int b = 0; b < n; b++) s2 += double.CreateTruncating(SumSquaredDeviation(x.Slice((b * c + ch) * inner, inner), mt));
            mean[ch] = m;
            variance[ch] = s2 / count;
        }
    }

    /// <summary>[N, C] float32: <see cref="Stats{T}"/> with 4 channels per double vector, scalar tail.</summary>
    public static void StatsRows(ReadOnlySpan<float> x, int n, int c, int c0, int c1, double[] mean, double[] variance)
    {
        int count = n * 1;
        ref float x0 = ref MemoryMarshal.GetReference(x);
        int ch = c0;
        if (Vector256.IsHardwareAccelerated)
        {
            var countV = Vector256.Create((double)count);
            for (; ch + 8 <= c1; ch += 8)
            {
                Vector256<double> s0 = default, s1 = default;
                for (int b = 0; b < n; b++)
                {
                    var v = Vector256.LoadUnsafe(ref x0, (nuint)(b * c + ch));
                    s0 += Vector256.WidenLower(v);
                    s1 += Vector256.WidenUpper(v);
                }
                Vector256<double> m0 = s0 / countV, m1 = s1 / countV;
                Vector256<double> q0 = default, q1 = default;
                for (int b = 0; b < n; b++)
                {
                    var v = Vector256.LoadUnsafe(ref x0, (nuint)(b * c + ch));
                    var d0 = Vector256.WidenLower(v) - m0;
                    var d1 = Vector256.WidenUpper(v) - m1;
                    q0 += d0 * d0;
                    q1 += d1 * d1;
                }
                m0.CopyTo(mean, ch);
                m1.CopyTo(mean, ch + 4);
                (q0 / countV).CopyTo(variance, ch);
                (q1 / countV).CopyTo(variance, ch + 4);
            }
        }
        Stats(x, n, c, 1, ch, c1, mean, variance);
    }

    /// <summary>Σ (x − m)² over a span (vectorised, accumulated in T per span; callers sum spans in double).</summary>
    private static T SumSquaredDeviation<T>(ReadOnlySpan<T> x, T m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        T total = T.Zero;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            var xv = MemoryMarshal.Cast<T, Vector<T>>(x);
            var mv = new Vector<T>(m);
            var acc = Vector<T>.Zero;
            for (int v = 0; v < xv.Length; v++)
            {
                var d = xv[v] - mv;
                acc += d * d;
            }
            total = Vector.Sum(acc);
            i = xv.Length * Vector<T>.Count;
        }
        for (; i < x.Length; i++)
        {
            T d = x[i] - m;
            total += d * d;
        }
        return total;
    }

    /// <summary>y = x·scale[ch] + shift[ch] (scale and shift rounded to T, two roundings) on rows [b0, b1).</summary>
    public static void Affine<T>(ReadOnlySpan<T> x, Span<T> y, T[] scale, T[] shift, int c, int inner, int b0, int b1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inner == 1)
        {
            for (int b = b0; b < b1; b++)
            {
                var src = x.Slice(b * c, c);
                var dst = y.Slice(b * c, c);
                TensorPrimitives.Multiply(src, scale, dst);
                TensorPrimitives.Add(dst, shift, dst);
            }
            return;
        }
        for (int b = b0; b < b1; b++)
            for (int ch = 0; ch < c; ch++)
            {
                int off = (b * c + ch) * inner;
                var dst = y.Slice(off, inner);
                TensorPrimitives.Multiply(x.Slice(off, inner), scale[ch], dst);
                TensorPrimitives.Add(dst, shift[ch], dst);
            }
    }

    /// <summary>
    /// Σg and Σg·x̂ per channel over channels [c0, c1), with x̂ = (x − mean)·invStd. Spans of 16 or more use
    /// vectorised Σg and Σg·x per span, then Σg·x̂ = (Σg·x − m·Σg)·k in double.
    /// </summary>
    public static void GradientSums<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, double[] mean, double[] invStd, int n, int c, int inner,
        int c0, int c1, double[] sumG, double[] sumGXhat) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int ch = c0; ch < c1; ch++)
        {
            double m = mean[ch], k = invStd[ch], totalG = 0, totalGX = 0;
            for (int b = 0; b < n; b++)
            {
                int off = (b * c + ch) * inner;
                if (inner >= 16)
                {
                    var gs = g.Slice(off, inner);
                    double sg = double.CreateTruncating(TensorPrimitives.Sum(gs));
                    double sgxRaw = double.CreateTruncating(TensorPrimitives.Dot(gs, x.Slice(off, inner)));
                    totalG += sg;
                    totalGX += (sgxRaw - m * sg) * k;
                    continue;
                }
                double sgs = 0, sgx = 0;
                for (int i = 0; i < inner; i++)
                {
                    double gv = double.CreateTruncating(g[off + i]);
                    sgs += gv;
                    sgx += gv * (double.CreateTruncating(x[off + i]) - m) * k;
                }
                totalG += sgs;
                totalGX += sgx;
            }
            sumG[ch] = totalG;
            sumGXhat[ch] = totalGX;
        }
    }

    /// <summary>[N, C] float32: <see cref="GradientSums{T}"/> with 4 channels per double vector, scalar tail.</summary>
    public static void GradientSumsRows(ReadOnlySpan<float> g, ReadOnlySpan<float> x, double[] mean, double[] invStd, int n, int c,
        int c0, int c1, double[] sumG, double[] sumGXhat)
    {
        ref float g0 = ref MemoryMarshal.GetReference(g);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        int ch = c0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; ch + 8 <= c1; ch += 8)
            {
                var m0 = Vector256.Create(mean.AsSpan(ch, 4));
                var m1 = Vector256.Create(mean.AsSpan(ch + 4, 4));
                var k0 = Vector256.Create(invStd.AsSpan(ch, 4));
                var k1 = Vector256.Create(invStd.AsSpan(ch + 4, 4));
                Vector256<double> sg0 = default, sg1 = default, sx0 = default, sx1 = default;
                for (int b = 0; b < n; b++)
                {
                    var gv = Vector256.LoadUnsafe(ref g0, (nuint)(b * c + ch));
                    var xv = Vector256.LoadUnsafe(ref x0, (nuint)(b * c + ch));
                    var gl = Vector256.WidenLower(gv);
                    var gu = Vector256.WidenUpper(gv);
                    // Same association as the reference: (g·(x − m))·k, added to a running sum started at 0.
                    sg0 += gl;
                    sg1 += gu;
                    sx0 += gl * (Vector256.WidenLower(xv) - m0) * k0;
                    sx1 += gu * (Vector256.WidenUpper(xv) - m1) * k1;
                }
                sg0.CopyTo(sumG, ch);
                sg1.CopyTo(sumG, ch + 4);
                sx0.CopyTo(sumGXhat, ch);
                sx1.CopyTo(sumGXhat, ch + 4);
            }
        }
        GradientSums(g, x, mean, invStd, n, c, 1, ch, c1, sumG, sumGXhat);
    }

    /// <summary>
    /// Input gradient on rows [b0, b1). Training: dx = γ·k·(g − mean(g) − x̂·mean(g·x̂)); evaluation: dx = γ·k·g.
    /// Spans of 16 or more use gx = a·g + b·x + c0 in T (a = γ·k, b = −a·k·mean(g·x̂), c0 = −a·mean(g) − b·m).
    /// </summary>
    public static void InputGradient<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, Span<T> gx, double[] mean, double[] invStd, double[] gamma,
        bool training, int n, int c, int inner, double[] sumG, double[] sumGXhat, int b0, int b1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = n * inner;
        for (int b = b0; b < b1; b++)
            for (int ch = 0; ch < c; ch++)
            {
                int off = (b * c + ch) * inner;
                double m = mean[ch], k = invStd[ch], scale = gamma[ch] * k;
                if (inner >= 16)
                {
                    double bx = training ? -scale * k * sumGXhat[ch] / count : 0.0;
                    double c0 = training ? -scale * sumG[ch] / count - bx * m : 0.0;
                    var dst = gx.Slice(off, inner);
                    TensorPrimitives.Multiply(g.Slice(off, inner), T.CreateTruncating(scale), dst);
                    TensorPrimitives.MultiplyAdd(x.Slice(off, inner), T.CreateTruncating(bx), dst, dst);
                    TensorPrimitives.Add(dst, T.CreateTruncating(c0), dst);
                    continue;
                }
                double meanG = sumG[ch] / count, meanGX = sumGXhat[ch] / count;
                for (int i = 0; i < inner; i++)
                {
                    double gv = double.CreateTruncating(g[off + i]);
                    double value = training ? scale * (gv - meanG - (double.CreateTruncating(x[off + i]) - m) * k * meanGX) : scale * gv;
                    gx[off + i] = T.CreateTruncating(value);
                }
            }
    }

    /// <summary>[N, C] float32: <see cref="InputGradient{T}"/> with 4 channels per double vector, scalar tail.</summary>
    public static void InputGradientRows(ReadOnlySpan<float> g, ReadOnlySpan<float> x, Span<float> gx, double[] mean, double[] invStd,
        double[] gamma, bool training, int n, int c, double[] sumG, double[] sumGXhat, int b0, int b1)
    {
        int tail = Vector256.IsHardwareAccelerated ? c / 8 * 8 : 0;
        if (tail < c)
            InputGradientColumns(g, x, gx, mean, invStd, gamma, training, n, c, sumG, sumGXhat, b0, b1, tail);
        if (tail == 0) return;
        ref float g0 = ref MemoryMarshal.GetReference(g);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float d0 = ref MemoryMarshal.GetReference(gx);
        var countV = Vector256.Create((double)n);
        for (int ch = 0; ch < tail; ch += 8)
        {
            var m0 = Vector256.Create(mean.AsSpan(ch, 4));
            var m1 = Vector256.Create(mean.AsSpan(ch + 4, 4));
            var k0 = Vector256.Create(invStd.AsSpan(ch, 4));
            var k1 = Vector256.Create(invStd.AsSpan(ch + 4, 4));
            var a0 = Vector256.Create(gamma.AsSpan(ch, 4)) * k0;
            var a1 = Vector256.Create(gamma.AsSpan(ch + 4, 4)) * k1;
            var mg0 = Vector256.Create(sumG.AsSpan(ch, 4)) / countV;
            var mg1 = Vector256.Create(sumG.AsSpan(ch + 4, 4)) / countV;
            var mx0 = Vector256.Create(sumGXhat.AsSpan(ch, 4)) / countV;
            var mx1 = Vector256.Create(sumGXhat.AsSpan(ch + 4, 4)) / countV;
            for (int b = b0; b < b1; b++)
            {
                nuint off = (nuint)(b * c + ch);
                var gv = Vector256.LoadUnsafe(ref g0, off);
                var gl = Vector256.WidenLower(gv);
                var gu = Vector256.WidenUpper(gv);
                Vector256<double> r0, r1;
                if (training)
                {
                    var xv = Vector256.LoadUnsafe(ref x0, off);
                    r0 = a0 * (gl - mg0 - (Vector256.WidenLower(xv) - m0) * k0 * mx0);
                    r1 = a1 * (gu - mg1 - (Vector256.WidenUpper(xv) - m1) * k1 * mx1);
                }
                else
                {
                    r0 = a0 * gl;
                    r1 = a1 * gu;
                }
                Vector256.Narrow(r0, r1).StoreUnsafe(ref d0, off);
            }
        }
    }

    /// <summary>The reference formula for channels [ch0, C) of rows [b0, b1) of an [N, C] input.</summary>
    private static void InputGradientColumns(ReadOnlySpan<float> g, ReadOnlySpan<float> x, Span<float> gx, double[] mean, double[] invStd,
        double[] gamma, bool training, int n, int c, double[] sumG, double[] sumGXhat, int b0, int b1, int ch0)
    {
        for (int b = b0; b < b1; b++)
            for (int ch = ch0; ch < c; ch++)
            {
                int off = b * c + ch;
                double m = mean[ch], k = invStd[ch], scale = gamma[ch] * k;
                double meanG = sumG[ch] / n, meanGX = sumGXhat[ch] / n;
                double gv = g[off];
                double value = training ? scale * (gv - meanG - (x[off] - m) * k * meanGX) : scale * gv;
                gx[off] = (float)value;
            }
    }
}
