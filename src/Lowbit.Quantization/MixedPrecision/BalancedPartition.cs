namespace Lowbit.Quantization.MixedPrecision;

/// <summary>One split of the recursive partition (tests and diagnostics).</summary>
/// <param name="Depth">0 for the first split.</param>
/// <param name="Threshold">Values ≤ threshold go to the lower half.</param>
/// <param name="Subset">The values that were split (ascending).</param>
internal sealed record BalancedSplit(int Depth, double Threshold, double[] Subset);

/// <summary>
/// Recursive percentile partition of Balanced Quantization (Zhou et al., arXiv 1706.07145): k levels of splits give 2^k bins;
/// the bin index is the code. Reference implementation: one stable sort, then splits of contiguous ranges.
/// </summary>
internal static partial class BalancedPartition
{
    /// <summary>
    /// Codes (bin indices, ascending with the value) of <paramref name="x"/>. Each subset S of m values is split at
    /// t = its lower median v_(⌈m/2⌉) (median mode) or its mean (mean mode); values ≤ t go to the lower half, so equal
    /// values always share a bin. With distinct values the median mode gives every bin ⌊N/2^k⌋ or ⌈N/2^k⌉ values.
    /// An empty subset produces empty bins.
    /// </summary>
    public static int[] Codes(ReadOnlySpan<double> x, int bits, bool median, List<BalancedSplit>? splits = null)
        => splits is null ? CodesBySelection(x, bits, median) : CodesBySort(x, bits, median, splits);

    /// <summary>
    /// The same codes as <see cref="CodesBySort"/> without a sort: each subset's threshold is found by selection
    /// (lower median, expected O(m)) or a sum (mean), the subset is partitioned in place into values ≤ t and &gt; t,
    /// and the two halves recurse; finally each value walks the threshold tree. O(N·k) instead of O(N log N);
    /// 2^k − 1 thresholds. In mean mode the subset sum runs in partition order rather than ascending order, so a
    /// value within rounding of a mean threshold could fall on the other side than in the sorted reference.
    /// </summary>
    public static int[] CodesBySelection(ReadOnlySpan<double> x, int bits, bool median)
    {
        int n = x.Length;
        var work = x.ToArray();
        int nodes = (1 << bits) - 1;
        var thresholds = new double[nodes];
        var present = new bool[nodes];
        Thresholds(work, 0, n, 0, bits, median, thresholds, present);
        var codes = new int[n];
        for (int i = 0; i < n; i++)
        {
            double v = x[i];
            int node = 0;
            for (int d = 0; d < bits; d++)
            {
                // An empty subset has no threshold; nothing reaches it, so either branch is fine.
                node = 2 * node + (present[node] && v > thresholds[node] ? 2 : 1);
            }
            codes[i] = node - nodes;
        }
        return codes;
    }

    private static void Thresholds(double[] v, int lo, int hi, int node, int bits, bool median, double[] thresholds, bool[] present)
    {
        if (node >= thresholds.Length || hi <= lo) return;
        double t;
        if (median)
        {
            t = Select(v, lo, hi, lo + (hi - lo + 1) / 2 - 1);
        }
        else
        {
            double sum = 0;
            for (int p = lo; p < hi; p++) sum += v[p];
            t = sum / (hi - lo);
        }
        thresholds[node] = t;
        present[node] = true;
        // Stable-enough two-way partition: values ≤ t to the front.
        int mid = lo;
        for (int p = lo; p < hi; p++)
        {
            if (v[p] <= t) { (v[mid], v[p]) = (v[p], v[mid]); mid++; }
        }
        Thresholds(v, lo, mid, 2 * node + 1, bits, median, thresholds, present);
        Thresholds(v, mid, hi, 2 * node + 2, bits, median, thresholds, present);
    }

    /// <summary>The value of rank <paramref name="k"/> (0-based, absolute index) of v[lo..hi); reorders the range.</summary>
    private static double Select(double[] v, int lo, int hi, int k)
    {
        int l = lo, r = hi - 1;
        while (r > l)
        {
            // median-of-three pivot, Hoare partition
            int m = l + (r - l) / 2;
            if (v[m] < v[l]) (v[m], v[l]) = (v[l], v[m]);
            if (v[r] < v[l]) (v[r], v[l]) = (v[l], v[r]);
            if (v[r] < v[m]) (v[r], v[m]) = (v[m], v[r]);
            double pivot = v[m];
            int i = l, j = r;
            while (i <= j)
            {
                while (v[i] < pivot) i++;
                while (v[j] > pivot) j--;
                if (i <= j) { (v[i], v[j]) = (v[j], v[i]); i++; j--; }
            }
            if (k <= j) r = j;
            else if (k >= i) l = i;
            else return v[k];
        }
        return v[k];
    }

    /// <summary>Reference: one stable sort, then splits of contiguous ranges (also records the splits).</summary>
    public static int[] CodesBySort(ReadOnlySpan<double> x, int bits, bool median, List<BalancedSplit>? splits = null)
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
