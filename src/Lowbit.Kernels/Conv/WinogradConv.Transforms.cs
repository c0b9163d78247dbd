using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Conv;

public static partial class WinogradConv
{
    // Vector transforms: lane l of a vector is local tile 8·k + l of a block. A vector is two halves of 4 tiles; each
    // half lies within one tile row (OW/2 is a multiple of 4 and blocks start at multiples of 24 tiles), so a half's
    // inputs and outputs are contiguous. When both halves are one run of 8 tiles the input loads are whole vectors.

    private unsafe interface ITileLoad
    {
        static abstract Vector256<float> Load(float* lo, float* hi);
    }

    private readonly unsafe struct WholeLoad : ITileLoad
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load(float* lo, float* hi) => Vector256.Load(lo);
    }

    private readonly unsafe struct HalvesLoad : ITileLoad
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load(float* lo, float* hi) => Vector256.Create(Vector128.Load(lo), Vector128.Load(hi));
    }

    private struct Quad
    {
        public Vector256<float> A, B, C, D;
    }

    /// <summary>
    /// Offsets of the first tile of each half (4 tiles) of local tiles [0, count): into the padded input
    /// (<paramref name="inputs"/>: row 2ti, column 2tj of channel 0) and into [N, O, OH, OW] for o = 0
    /// (<paramref name="outputs"/>: row 2ti, column 2tj). One division for the block, then counters.
    /// </summary>
    private static unsafe void HalfBases(WinogradShape s, int first, int count, nint* inputs, nint* outputs)
    {
        int n = first / s.TilesPerImage, r = first - n * s.TilesPerImage, ti = r / s.TilesW, tj = r - ti * s.TilesW;
        nint outImage = (nint)s.OutChannels * s.OutH * s.OutW;
        for (int h = 0; 4 * h < count; h++)
        {
            inputs[h] = (nint)n * s.ImageLength + (nint)ti * s.PlaneW + tj;
            outputs[h] = n * outImage + (nint)2 * ti * s.OutW + 2 * tj;
            tj += 4;
            if (tj < s.TilesW) continue;
            tj = 0;
            if (++ti < s.TilesH) continue;
            ti = 0;
            n++;
        }
    }

    /// <summary>V [16, C, ld] of local tiles [0, count) of the block starting at tile <paramref name="first"/>.</summary>
    private static unsafe void InputTransform(float* x, WinogradShape s, int first, int count, float* v, int ld, nint positionStride)
    {
        int plane = s.PlaneH * s.PlaneW, halves = (count + 3) / 4;
        nint* bases = stackalloc nint[2 * halves];
        HalfBases(s, first, count, bases, bases + halves);
        // Channel by channel, each channel's tiles in order: the 16 rows written at a time are filled line after line
        // (tile groups of all channels in turn left each of 16·C lines half written until the next group).
        for (int c = 0; c < s.InChannels; c++)
        {
            nint channel = (nint)c * 4 * plane;
            float* vc = v + (nint)c * ld;
            for (int local = 0; local < count; local += 8)
            {
                nint lo = bases[local / 4] + channel, hi = local + 4 < count ? bases[local / 4 + 1] + channel : lo;
                if (hi == lo + 4) InputVector<WholeLoad>(x + lo, x + hi, 1, plane, s.PlaneW, vc + local, positionStride, ld);
                else InputVector<HalvesLoad>(x + lo, x + hi, 1, plane, s.PlaneW, vc + local, positionStride, ld);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void InputVector<TLoad>(float* lo, float* hi, int channels, int plane, int planeW, float* v, nint positionStride, nint ld)
        where TLoad : struct, ITileLoad
    {
        for (int c = 0; c < channels; c++)
        {
            // Input row r of the tile is phase row r / 2 of phase py = r % 2.
            nint row1 = 2 * plane, row2 = planeW, row0 = 0, row3 = 2 * plane + planeW;
            Quad f1 = InputRow<TLoad>(lo + row1, hi + row1, plane), f2 = InputRow<TLoad>(lo + row2, hi + row2, plane);
            float* dst = v;
            Store4(dst + 4 * positionStride, positionStride, f1.A + f2.A, f1.B + f2.B, f1.C + f2.C, f1.D + f2.D);
            Store4(dst + 8 * positionStride, positionStride, f2.A - f1.A, f2.B - f1.B, f2.C - f1.C, f2.D - f1.D);
            Quad f0 = InputRow<TLoad>(lo + row0, hi + row0, plane);
            Store4(dst, positionStride, f0.A - f2.A, f0.B - f2.B, f0.C - f2.C, f0.D - f2.D);
            Quad f3 = InputRow<TLoad>(lo + row3, hi + row3, plane);
            Store4(dst + 12 * positionStride, positionStride, f1.A - f3.A, f1.B - f3.B, f1.C - f3.C, f1.D - f3.D);
            lo += 4 * plane;
            hi += 4 * plane;
            v += ld;
        }
    }

    /// <summary>Row pass of one input row: (d0 − d2, d1 + d2, d2 − d1, d1 − d3), d_s at column 2tj + s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Quad InputRow<TLoad>(float* lo, float* hi, nint plane) where TLoad : struct, ITileLoad
    {
        Vector256<float> d0 = TLoad.Load(lo, hi), d1 = TLoad.Load(lo + plane, hi + plane);
        Vector256<float> d2 = TLoad.Load(lo + 1, hi + 1), d3 = TLoad.Load(lo + plane + 1, hi + plane + 1);
        return new Quad { A = d0 - d2, B = d1 + d2, C = d2 - d1, D = d1 - d3 };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store4(float* dst, nint stride, Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d)
    {
        a.Store(dst);
        b.Store(dst + stride);
        c.Store(dst + 2 * stride);
        d.Store(dst + 3 * stride);
    }

    /// <summary>y tiles of local tiles [0, count) from M [16, rows, ld] (positions <paramref name="stride"/> apart; column pass first), plus bias when not null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void OutputTransform(float* m, int ld, nint stride, WinogradShape s, int first, int count, float* y, float* bias)
    {
        nint ow = s.OutW, plane = (nint)s.OutH * s.OutW;
        int halves = (count + 3) / 4;
        nint* bases = stackalloc nint[2 * halves];
        HalfBases(s, first, count, bases + halves, bases);
        Vector256<int> interleave = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
        for (int o = 0; o < s.OutChannels; o++)
        {
            Vector256<float> b = bias == null ? default : Vector256.Create(bias[o]);
            for (int local = 0; local < count; local += 8)
            {
                float* p = m + (nint)o * ld + local;
                Vector256<float> s00, s01, s02, s03, s10, s11, s12, s13;
                ColumnSums(p, stride, out s00, out s10);
                ColumnSums(p + stride, stride, out s01, out s11);
                ColumnSums(p + 2 * stride, stride, out s02, out s12);
                ColumnSums(p + 3 * stride, stride, out s03, out s13);
                Vector256<float> y00 = s00 + s01 + s02, y01 = s01 - s02 - s03, y10 = s10 + s11 + s12, y11 = s11 - s12 - s13;
                if (bias != null)
                {
                    y00 += b; y01 += b; y10 += b; y11 += b;
                }
                float* out0 = y + o * plane + bases[local / 4];
                Vector256.Shuffle(Vector256.Create(y00.GetLower(), y01.GetLower()), interleave).Store(out0);
                Vector256.Shuffle(Vector256.Create(y10.GetLower(), y11.GetLower()), interleave).Store(out0 + ow);
                if (local + 4 >= count) continue;
                float* out1 = y + o * plane + bases[local / 4 + 1];
                Vector256.Shuffle(Vector256.Create(y00.GetUpper(), y01.GetUpper()), interleave).Store(out1);
                Vector256.Shuffle(Vector256.Create(y10.GetUpper(), y11.GetUpper()), interleave).Store(out1 + ow);
            }
        }
    }

    /// <summary>Column j of M (positions j, 4 + j, 8 + j, 12 + j at 4·stride apart): (M0 + M1) + M2 and (M1 − M2) − M3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void ColumnSums(float* p, nint stride, out Vector256<float> top, out Vector256<float> bottom)
    {
        Vector256<float> m0 = Vector256.Load(p), m1 = Vector256.Load(p + 4 * stride), m2 = Vector256.Load(p + 8 * stride), m3 = Vector256.Load(p + 12 * stride);
        top = m0 + m1 + m2;
        bottom = m1 - m2 - m3;
    }

    /// <summary>Q [16, rows, ld] of local tiles [0, count) from the output gradient g [N, O, OH, OW] (positions <paramref name="stride"/> apart; column pass first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GradientTransform(float* g, WinogradShape s, int first, int count, float* q, int ld, nint stride)
    {
        nint ow = s.OutW, plane = (nint)s.OutH * s.OutW;
        int halves = (count + 3) / 4;
        nint* bases = stackalloc nint[2 * halves];
        HalfBases(s, first, count, bases + halves, bases);
        Vector256<int> deinterleave = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        for (int o = 0; o < s.OutChannels; o++)
            for (int local = 0; local < count; local += 8)
            {
                float* lo = g + o * plane + bases[local / 4], hi = local + 4 < count ? g + o * plane + bases[local / 4 + 1] : lo;
                // Row a of 4 tiles is 8 floats (q[a, 0], q[a, 1]) interleaved: evens to the lower half, odds to the upper.
                Vector256<float> r0lo = Vector256.Shuffle(Vector256.Load(lo), deinterleave), r0hi = Vector256.Shuffle(Vector256.Load(hi), deinterleave);
                Vector256<float> r1lo = Vector256.Shuffle(Vector256.Load(lo + ow), deinterleave), r1hi = Vector256.Shuffle(Vector256.Load(hi + ow), deinterleave);
                Vector256<float> q00 = Vector256.Create(r0lo.GetLower(), r0hi.GetLower()), q01 = Vector256.Create(r0lo.GetUpper(), r0hi.GetUpper());
                Vector256<float> q10 = Vector256.Create(r1lo.GetLower(), r1hi.GetLower()), q11 = Vector256.Create(r1lo.GetUpper(), r1hi.GetUpper());
                float* dst = q + (nint)o * ld + local;
                GradientRow(dst, stride, q00, q01);
                GradientRow(dst + 4 * stride, stride, q00 + q10, q01 + q11);
                GradientRow(dst + 8 * stride, stride, q00 - q10, q01 - q11);
                GradientRow(dst + 12 * stride, stride, -q10, -q11);
            }
    }

    /// <summary>Row pass of Q: (h0, h0 + h1, h0 − h1, −h1) to positions 4i .. 4i + 3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void GradientRow(float* dst, nint stride, Vector256<float> h0, Vector256<float> h1) =>
        Store4(dst, stride, h0, h0 + h1, h0 - h1, -h1);
}
