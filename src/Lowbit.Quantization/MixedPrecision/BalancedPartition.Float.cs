using System.Runtime.Intrinsics;

namespace Lowbit.Quantization.MixedPrecision;

internal static partial class BalancedPartition
{
    /// <summary>
    /// The median-mode codes of <see cref="CodesBySort"/> for float32 values (the common case: a layer's weights), in
    /// O(N) passes: an LSD radix sort of the values' order-preserving 32-bit keys, the thresholds read off the sorted
    /// values by the reference's recursion, then each value's code by a branch-free descent of the thresholds.
    /// </summary>
    /// <remarks>
    /// Widening float to double is exact and order-preserving, so comparisons, lower medians and upper bounds are those
    /// of the double reference and the codes are identical (tested against <see cref="CodesBySort"/>). The thresholds are
    /// stored in in-order position (the node that splits bins [a, a + 2h) at index a + h − 1), which makes them a sorted
    /// list: code = #{j : x &gt; t_j}. An empty subset (only ever a right half whose parent's values were all ≤ its
    /// threshold) gets its nearest ancestor's threshold: no value reaches it, and every value compares with the filler
    /// as with that ancestor, so the count still equals the reference's tree walk. Values must be finite.
    /// </remarks>
    public static int[] CodesMedian(ReadOnlySpan<float> x, int bits)
    {
        int n = x.Length;
        var sorted = SortedCopy(x);
        var thresholds = new float[(1 << bits) - 1];
        SplitInOrder(sorted, 0, n, 0, bits, 0, float.NaN, thresholds);
        var codes = new int[n];
        int done = bits <= CountingBits && Vector256.IsHardwareAccelerated ? CodesByCountVector256(x, thresholds, codes) : 0;
        for (int i = done; i < n; i++) codes[i] = CodeByDescent(x[i], thresholds, bits);
        return codes;
    }

    /// <summary>Up to this many bits (31 thresholds) codes are counted with vector compares rather than found by descent.</summary>
    internal const int CountingBits = 5;

    /// <summary>The code of <paramref name="v"/>: a branch-free descent of the in-order thresholds (the reference's tree walk).</summary>
    internal static int CodeByDescent(float v, float[] thresholds, int bits)
    {
        int code = 0;
        for (int step = 1 << (bits - 1); step > 0; step >>= 1)
            code += thresholds[code + step - 1] < v ? step : 0;
        return code;
    }

    /// <summary>Codes of whole 8-value blocks as #{j : x &gt; t_j}, eight values per compare; returns how many were done.</summary>
    internal static int CodesByCountVector256(ReadOnlySpan<float> x, float[] thresholds, int[] codes)
    {
        int i = 0;
        for (; i + 8 <= x.Length; i += 8)
        {
            var v = Vector256.Create(x.Slice(i, 8));
            var count = Vector256<int>.Zero;
            foreach (float t in thresholds)
                count -= Vector256.GreaterThan(v, Vector256.Create(t)).AsInt32(); // a true lane is −1
            count.CopyTo(codes.AsSpan(i, 8));
        }

        return i;
    }

    private static void SplitInOrder(float[] sorted, int lo, int hi, int depth, int bits, int firstBin, float inherited, float[] thresholds)
    {
        if (depth == bits) return;
        int half = 1 << (bits - depth - 1);
        int mid = hi;
        float t = inherited;
        if (hi > lo)
        {
            t = sorted[lo + (hi - lo + 1) / 2 - 1]; // lower median
            mid = UpperBound(sorted, lo, hi, t);
        }

        thresholds[firstBin + half - 1] = t;
        SplitInOrder(sorted, lo, mid, depth + 1, bits, firstBin, t, thresholds);
        SplitInOrder(sorted, mid, hi, depth + 1, bits, firstBin + half, t, thresholds);
    }

    private static int UpperBound(float[] v, int lo, int hi, float t)
    {
        while (lo < hi)
        {
            int m = lo + (hi - lo) / 2;
            if (v[m] <= t) lo = m + 1;
            else hi = m;
        }

        return lo;
    }

    /// <summary>The values in ascending order: three counting passes (11, 11, 10 bits) over order-preserving keys.</summary>
    private static float[] SortedCopy(ReadOnlySpan<float> x)
    {
        int n = x.Length;
        var keys = new uint[n];
        var buffer = new uint[n];
        for (int i = 0; i < n; i++)
        {
            uint b = BitConverter.SingleToUInt32Bits(x[i]);
            keys[i] = (b & 0x8000_0000u) != 0 ? ~b : b | 0x8000_0000u; // negatives reversed below the positives
        }

        var counts = new int[2048];
        foreach (int shift in new[] { 0, 11, 22 })
        {
            Array.Clear(counts);
            for (int i = 0; i < n; i++) counts[(keys[i] >> shift) & 2047]++;
            int total = 0;
            for (int d = 0; d < counts.Length; d++) (counts[d], total) = (total, total + counts[d]);
            for (int i = 0; i < n; i++) buffer[counts[(keys[i] >> shift) & 2047]++] = keys[i];
            (keys, buffer) = (buffer, keys);
        }

        var sorted = new float[n];
        for (int i = 0; i < n; i++)
        {
            uint k = keys[i];
            sorted[i] = BitConverter.UInt32BitsToSingle((k & 0x8000_0000u) != 0 ? k & 0x7FFF_FFFFu : ~k);
        }

        return sorted;
    }
}
