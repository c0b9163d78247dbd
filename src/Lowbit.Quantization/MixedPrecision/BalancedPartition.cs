namespace Lowbit.Quantization.MixedPrecision;

/// <summary>One split of the recursive partition (tests and diagnostics).</summary>
/// <param name="Depth">0 for the first split.</param>
/// <param name="Threshold">Values ≤ threshold go to the lower half.</param>
/// <param name="Subset">The values that were split (ascending).</param>
internal sealed record BalancedSplit(int Depth, double Threshold, double[] Subset);

/// <summary>
/// Recursive percentile partition of Balanced Quantization (METHODS.md §9 step 1): k levels of splits give 2^k bins;
/// the bin index is the code. Reference implementation: one stable sort, then splits of contiguous ranges.
/// </summary>
internal static class BalancedPartition
{
    /// <summary>
    /// Codes (bin indices, ascending with the value) of <paramref name="x"/>. Each subset S of m values is split at
    /// t = its lower median v_(⌈m/2⌉) (median mode) or its mean (mean mode); values ≤ t go to the lower half, so equal
    /// values always share a bin. With distinct values the median mode gives every bin ⌊N/2^k⌋ or ⌈N/2^k⌉ values.
    /// An empty subset produces empty bins.
    /// </summary>
    public static int[] Codes(ReadOnlySpan<double> x, int bits, bool median, List<BalancedSplit>? splits = null)
    {
        int n = x.Length;
        var order = new int[n];
        var sortedValues = x.ToArray();
        for (int i = 0; i < n; i++) order[i] = i;
        Array.Sort(sortedValues, order); // equal values may swap indices; codes depend on values only
        var codes = new int[n];
        Split(sortedValues, order, 0, n, 0, 0, bits, median, codes, splits);
        return codes;
    }

    private static void Split(double[] v, int[] order, int lo, int hi, int depth, int code, int bits, bool median, int[] codes, List<BalancedSplit>? splits)
    {
        if (depth == bits)
        {
            for (int p = lo; p < hi; p++) codes[order[p]] = code;
            return;
        }
        int mid = lo;
        if (hi > lo)
        {
            double t;
            if (median)
            {
                t = v[lo + (hi - lo + 1) / 2 - 1];
            }
            else
            {
                double sum = 0;
                for (int p = lo; p < hi; p++) sum += v[p];
                t = sum / (hi - lo);
            }
            mid = UpperBound(v, lo, hi, t);
            splits?.Add(new BalancedSplit(depth, t, v[lo..hi]));
        }
        Split(v, order, lo, mid, depth + 1, 2 * code, bits, median, codes, splits);
        Split(v, order, mid, hi, depth + 1, 2 * code + 1, bits, median, codes, splits);
    }

    /// <summary>First position in the ascending range [lo, hi) whose value is &gt; t.</summary>
    private static int UpperBound(double[] v, int lo, int hi, double t)
    {
        while (lo < hi)
        {
            int m = lo + (hi - lo) / 2;
            if (v[m] <= t) lo = m + 1;
            else hi = m;
        }
        return lo;
    }
}
