using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Tensors.Ops;

/// <summary>
/// Max-pooling loops over planes [p0, p1) of x [N·C planes of H × W]. The window maximum is the first element in
/// row-major window order that no later element exceeds (comparison with &gt;), the rule of the reference
/// <c>Tensor.MaxPoolCoreReference</c>; 2 × 2 windows with stride 2 have an unrolled path with the same comparisons.
/// </summary>
internal static class PoolKernels
{
    /// <summary>Whether windows are disjoint and cover every input element (stride = kernel divides H and W).</summary>
    public static bool TilesExactly(in ConvGeometry g) =>
        g.Stride == g.KernelH && g.KernelH == g.KernelW && g.Height % g.KernelH == 0 && g.Width % g.KernelW == 0;

    /// <summary>y[o] = max over window o, for the windows of planes [p0, p1).</summary>
    public static void MaxForward<T>(ReadOnlySpan<T> x, Span<T> y, ConvGeometry g, int p0, int p1) where T : unmanaged, INumber<T>
    {
        int oh = g.OutH, ow = g.OutW, plane = g.Height * g.Width;
        if (g.KernelH == 1 && g.KernelW == 1)
        {
            // A 1×1 window is a strided pick (residual shortcuts subsample this way).
            bool evens = typeof(T) == typeof(float) && g.Stride == 2 && Vector256.IsHardwareAccelerated;
            for (int p = p0; p < p1; p++)
                for (int oy = 0, o = p * oh * ow; oy < oh; oy++)
                {
                    int rowStart = p * plane + oy * g.Stride * g.Width;
                    int ox = evens ? PickEvensVector(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y), rowStart, g.Width, o, ow) : 0;
                    for (o += ox; ox < ow; ox++, o++) y[o] = x[rowStart + ox * g.Stride];
                }
            return;
        }
        bool twoByTwo = g.KernelH == 2 && g.KernelW == 2 && g.Stride == 2;
        bool vector = twoByTwo && typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated;
        for (int p = p0; p < p1; p++)
        {
            int o = p * oh * ow;
            for (int oy = 0; oy < oh; oy++)
            {
                int rowStart = p * plane + oy * g.Stride * g.Width;
                int ox = vector ? MaxForward2x2Vector(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y), rowStart, g.Width, o, ow) : 0;
                o += ox;
                for (; ox < ow; ox++, o++)
                {
                    int start = rowStart + ox * g.Stride;
                    y[o] = x[twoByTwo ? ArgMax2x2(x, start, g.Width) : ArgMax(x, start, g)];
                }
            }
        }
    }

    /// <summary>Planes [p0, p1) of gx: g[o] at each window's maximum (summed where windows overlap), 0 everywhere else.</summary>
    public static void MaxBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gy, Span<T> gx, ConvGeometry g, int p0, int p1) where T : unmanaged, INumber<T>
    {
        int oh = g.OutH, ow = g.OutW, plane = g.Height * g.Width, w = g.Width;
        if (g.KernelH == 2 && TilesExactly(g))
        {
            bool vector = typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated;
            for (int p = p0; p < p1; p++)
            {
                int o = p * oh * ow;
                for (int oy = 0; oy < oh; oy++)
                {
                    int rowStart = p * plane + 2 * oy * w;
                    int ox = vector ? MaxBackward2x2Vector(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(gy), MemoryMarshal.Cast<T, float>(gx), rowStart, w, o, ow) : 0;
                    o += ox;
                    for (; ox < ow; ox++, o++)
                    {
                        int start = rowStart + 2 * ox, best = ArgMax2x2(x, start, w);
                        gx[start] = gx[start + 1] = gx[start + w] = gx[start + w + 1] = T.Zero;
                        gx[best] = T.Zero + gy[o]; // as the reference 0 + g (turns −0 into +0)
                    }
                }
            }
            return;
        }
        // The caller hands over an uninitialised gx (see MaxPool2d): clear these planes, then add at the maxima.
        if (g.KernelH == 1 && g.KernelW == 1)
        {
            for (int p = p0; p < p1; p++)
            {
                gx.Slice(p * plane, plane).Clear();
                bool evens = typeof(T) == typeof(float) && g.Stride == 2 && Vector256.IsHardwareAccelerated;
                for (int oy = 0, o = p * oh * ow; oy < oh; oy++)
                {
                    int rowStart = p * plane + oy * g.Stride * w;
                    int ox = evens ? SpreadEvensVector(MemoryMarshal.Cast<T, float>(gy), MemoryMarshal.Cast<T, float>(gx), rowStart, w, o, ow) : 0;
                    for (o += ox; ox < ow; ox++, o++) gx[rowStart + ox * g.Stride] += gy[o];
                }
            }
            return;
        }
        for (int p = p0; p < p1; p++)
        {
            gx.Slice(p * plane, plane).Clear();
            int o = p * oh * ow;
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++, o++)
                {
                    int best = ArgMax(x, p * plane + oy * g.Stride * w + ox * g.Stride, g);
                    gx[best] += gy[o];
                }
        }
    }

    private static int ArgMax2x2<T>(ReadOnlySpan<T> x, int start, int width) where T : unmanaged, INumber<T>
    {
        int best = start;
        T value = x[start];
        if (x[start + 1] > value) { value = x[start + 1]; best = start + 1; }
        if (x[start + width] > value) { value = x[start + width]; best = start + width; }
        if (x[start + width + 1] > value) best = start + width + 1;
        return best;
    }

    private static int ArgMax<T>(ReadOnlySpan<T> x, int start, in ConvGeometry g) where T : unmanaged, INumber<T>
    {
        int best = start;
        T value = x[start];
        for (int ky = 0; ky < g.KernelH; ky++)
            for (int kx = 0; kx < g.KernelW; kx++)
            {
                int idx = start + ky * g.Width + kx;
                if (x[idx] > value) { value = x[idx]; best = idx; }
            }
        return best;
    }

    // 2 × 2 / stride 2, 4 outputs per step. Lane 2k of v holds x[2k] of the window row and lane 2k of v shifted by
    // one holds x[2k + 1], so the even lanes carry window k; odd lanes are ignored. The select chain is the scalar
    // rule: take a candidate only when it is greater than the current maximum, in row-major order. A row's last
    // group may overlap the previous one (recomputing the same windows and writing the same values), so rows of
    // 4 or more windows need no scalar tail.
    private static ReadOnlySpan<int> EvenLanes => [0, 2, 4, 6, 0, 2, 4, 6];
    private static ReadOnlySpan<int> PairLanes => [0, 0, 2, 2, 4, 4, 6, 6];
    private static ReadOnlySpan<int> DuplicateLanes => [0, 0, 1, 1, 2, 2, 3, 3];

    /// <summary>Window maxima and their positions (0..3 row-major) for 4 windows starting at x[start].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Max, Vector256<int> Index) Windows4(ref float x0, nuint start, nuint width)
    {
        var best = Vector256.LoadUnsafe(ref x0, start);
        var index = Vector256<int>.Zero;
        var c1 = Vector256.LoadUnsafe(ref x0, start + 1);
        var m = Vector256.GreaterThan(c1, best);
        best = Vector256.ConditionalSelect(m, c1, best);
        index = Vector256.ConditionalSelect(m.AsInt32(), Vector256.Create(1), index);
        var c2 = Vector256.LoadUnsafe(ref x0, start + width);
        m = Vector256.GreaterThan(c2, best);
        best = Vector256.ConditionalSelect(m, c2, best);
        index = Vector256.ConditionalSelect(m.AsInt32(), Vector256.Create(2), index);
        var c3 = Vector256.LoadUnsafe(ref x0, start + width + 1);
        m = Vector256.GreaterThan(c3, best);
        best = Vector256.ConditionalSelect(m, c3, best);
        index = Vector256.ConditionalSelect(m.AsInt32(), Vector256.Create(3), index);
        return (best, index);
    }

    /// <summary>
    /// First window of each 4-window group of a row, or −1 when the vector path cannot run (fewer than 4 windows,
    /// or the shifted loads, which read up to x[rowStart + width + 2·ox + 8], would leave the span).
    /// </summary>
    private static int GroupStart(int group, int ow, int rowStart, int width, int length)
    {
        int ox = Math.Min(4 * group, ow - 4);
        return ox >= 0 && rowStart + width + 2 * ox + 9 <= length ? ox : -1;
    }

    /// <summary>Vector part of one output row; returns how many leading outputs it wrote (the caller finishes the row).</summary>
    /// <summary>
    /// y[o + j] = x[rowStart + 2j] for the leading j in whole groups of 8 whose 16 source floats lie in the row (a 1×1,
    /// stride-2 pick); returns how many outputs were written.
    /// </summary>
    private static int PickEvensVector(ReadOnlySpan<float> x, Span<float> y, int rowStart, int width, int o, int ow)
    {
        ref float source = ref MemoryMarshal.GetReference(x);
        ref float destination = ref MemoryMarshal.GetReference(y);
        Vector256<int> split = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        int ox = 0;
        for (; ox + 8 <= ow && 2 * ox + 16 <= width; ox += 8)
        {
            Vector256<float> a = Vector256.Shuffle(Vector256.LoadUnsafe(ref source, (nuint)(rowStart + 2 * ox)), split);
            Vector256<float> b = Vector256.Shuffle(Vector256.LoadUnsafe(ref source, (nuint)(rowStart + 2 * ox + 8)), split);
            Vector256.Create(a.GetLower(), b.GetLower()).StoreUnsafe(ref destination, (nuint)(o + ox));
        }
        return ox;
    }

    /// <summary>
    /// The backward of <see cref="PickEvensVector"/> on a cleared row: gx[rowStart + 2j] = 0 + g[o + j] (as the scalar
    /// 0 + g, turning −0 into +0) and gx[rowStart + 2j + 1] = 0, for the same leading groups; returns how many were written.
    /// </summary>
    private static int SpreadEvensVector(ReadOnlySpan<float> gy, Span<float> gx, int rowStart, int width, int o, int ow)
    {
        ref float source = ref MemoryMarshal.GetReference(gy);
        ref float destination = ref MemoryMarshal.GetReference(gx);
        Vector256<int> spread = Vector256.Create(0, 4, 1, 4, 2, 4, 3, 4); // lane 4 is a zero
        int ox = 0;
        for (; ox + 8 <= ow && 2 * ox + 16 <= width; ox += 8)
        {
            Vector256<float> v = Vector256<float>.Zero + Vector256.LoadUnsafe(ref source, (nuint)(o + ox));
            nuint at = (nuint)(rowStart + 2 * ox);
            Vector256.Shuffle(Vector256.Create(v.GetLower(), Vector128<float>.Zero), spread).StoreUnsafe(ref destination, at);
            Vector256.Shuffle(Vector256.Create(v.GetUpper(), Vector128<float>.Zero), spread).StoreUnsafe(ref destination, at + 8);
        }
        return ox;
    }

    private static int MaxForward2x2Vector(ReadOnlySpan<float> x, Span<float> y, int rowStart, int width, int o, int ow)
    {
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        var even = Vector256.Create(EvenLanes);
        int done = 0;
        for (int group = 0; done < ow; group++)
        {
            int ox = GroupStart(group, ow, rowStart, width, x.Length);
            if (ox < 0) break;
            var (best, _) = Windows4(ref x0, (nuint)(rowStart + 2 * ox), (nuint)width);
            Vector256.Shuffle(best, even).GetLower().StoreUnsafe(ref y0, (nuint)(o + ox));
            done = ox + 4;
        }
        return done;
    }

    /// <summary>Vector part of one output row of the exact-tiling backward pass; returns how many leading outputs it handled.</summary>
    private static int MaxBackward2x2Vector(ReadOnlySpan<float> x, ReadOnlySpan<float> gy, Span<float> gx, int rowStart, int width, int o, int ow)
    {
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float g0 = ref MemoryMarshal.GetReference(gy);
        ref float d0 = ref MemoryMarshal.GetReference(gx);
        var pairs = Vector256.Create(PairLanes);
        var duplicate = Vector256.Create(DuplicateLanes);
        var top = Vector256.Create(0, 1, 0, 1, 0, 1, 0, 1);
        var bottom = top + Vector256.Create(2);
        int done = 0;
        for (int group = 0; done < ow; group++)
        {
            int ox = GroupStart(group, ow, rowStart, width, x.Length);
            if (ox < 0) break;
            nuint start = (nuint)(rowStart + 2 * ox);
            var (_, index) = Windows4(ref x0, start, (nuint)width);
            var indexPairs = Vector256.Shuffle(index, pairs);
            var g = Vector256.Shuffle(Vector128.LoadUnsafe(ref g0, (nuint)(o + ox)).ToVector256(), duplicate);
            // + 0 as the reference's 0 + g (−0 becomes +0).
            (Vector256.ConditionalSelect(Vector256.Equals(indexPairs, top).AsSingle(), g, Vector256<float>.Zero) + Vector256<float>.Zero).StoreUnsafe(ref d0, start);
            (Vector256.ConditionalSelect(Vector256.Equals(indexPairs, bottom).AsSingle(), g, Vector256<float>.Zero) + Vector256<float>.Zero).StoreUnsafe(ref d0, start + (nuint)width);
            done = ox + 4;
        }
        return done;
    }
}
