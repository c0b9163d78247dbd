namespace Lowbit.Quantization.MixedPrecision;

/// <summary>
/// Bit-map selection rules for heterogeneous binarization: Middle-Out (HBB, Fromm, Patel, Philipose, arXiv 1805.10368) and the random and
/// magnitude ablations. Every rule gives exactly <see cref="BitMix.Counts"/> elements to each bitwidth.
/// </summary>
internal static class BitMapSelection
{
    /// <summary>
    /// Middle-Out over levels b = 1..B_max: μ = mean_{n∈R}|r_n| over the unassigned set R; for b &lt; B_max the
    /// c_b elements of R with the smallest ||r_n| − μ| get b bits (ties: lower flat index first); the last level
    /// takes the rest; then r_n −= μ·sign(r_n) for the still-unassigned n (sign(0) = +1).
    /// </summary>
    /// <param name="x">Values.</param>
    /// <param name="mix">Bit mix.</param>
    /// <param name="map">Output bits per element.</param>
    /// <param name="means">Optional output: μ at each level b (index b − 1).</param>
    /// <param name="residualTrace">Optional [B_max][n]: r at the start of level b for n ∈ R, NaN otherwise.</param>
    public static void MiddleOut(ReadOnlySpan<double> x, BitMix mix, Span<byte> map, double[]? means = null, double[][]? residualTrace = null)
    {
        int n = x.Length;
        var counts = mix.Counts(n);
        var r = x.ToArray();
        var remaining = Enumerable.Range(0, n).ToArray(); // ascending flat indices
        var keys = new double[n];
        for (int b = 1; b <= mix.MaxBits; b++)
        {
            double sum = 0;
            foreach (int i in remaining) sum += Math.Abs(r[i]);
            double mu = remaining.Length > 0 ? sum / remaining.Length : 0.0;
            if (means is not null) means[b - 1] = mu;
            if (residualTrace is not null)
            {
                Array.Fill(residualTrace[b - 1], double.NaN);
                foreach (int i in remaining) residualTrace[b - 1][i] = r[i];
            }
            if (b == mix.MaxBits)
            {
                foreach (int i in remaining) map[i] = (byte)b;
                break;
            }
            foreach (int i in remaining) keys[i] = Math.Abs(Math.Abs(r[i]) - mu);
            remaining = AssignSmallest(remaining, keys, counts[b - 1], map, (byte)b);
            foreach (int i in remaining) r[i] -= r[i] >= 0 ? mu : -mu;
        }
    }

    /// <summary>Magnitude ablation: ordered by (|x_n|, n) ascending, the first c_1 get 1 bit, the next c_2 get 2, ….</summary>
    public static void Magnitude(ReadOnlySpan<double> x, BitMix mix, Span<byte> map)
    {
        int n = x.Length;
        var counts = mix.Counts(n);
        var keys = new double[n];
        for (int i = 0; i < n; i++) keys[i] = Math.Abs(x[i]);
        var remaining = Enumerable.Range(0, n).ToArray();
        for (int b = 1; b < mix.MaxBits; b++) remaining = AssignSmallest(remaining, keys, counts[b - 1], map, (byte)b);
        foreach (int i in remaining) map[i] = (byte)mix.MaxBits;
    }

    /// <summary>Random ablation: a uniform random permutation (Fisher–Yates); its first c_1 get 1 bit, the next c_2 get 2, ….</summary>
    public static void Random(int n, BitMix mix, Span<byte> map, Random random)
    {
        var counts = mix.Counts(n);
        var order = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        int pos = 0;
        for (int b = 1; b <= mix.MaxBits; b++)
            for (int k = 0; k < counts[b - 1]; k++) map[order[pos++]] = (byte)b;
    }

    /// <summary>
    /// Gives <paramref name="bits"/> to the <paramref name="count"/> members of <paramref name="candidates"/>
    /// (ascending indices) with the smallest (key, index) and returns the others, still ascending. The threshold key
    /// comes from a quickselect (expected O(m)); one linear pass then takes every key below it and the lowest-index ties.
    /// </summary>
    private static int[] AssignSmallest(int[] candidates, double[] keys, int count, Span<byte> map, byte bits)
    {
        if (count == 0) return candidates;
        var scratch = new double[candidates.Length];
        for (int k = 0; k < scratch.Length; k++) scratch[k] = keys[candidates[k]];
        double threshold = KthSmallest(scratch, count - 1);
        int below = 0;
        foreach (int i in candidates) if (keys[i] < threshold) below++;
        int tiesToTake = count - below;
        var rest = new int[candidates.Length - count];
        int r = 0;
        foreach (int i in candidates)
        {
            double key = keys[i];
            if (key < threshold) map[i] = bits;
            else if (key == threshold && tiesToTake > 0)
            {
                map[i] = bits;
                tiesToTake--;
            }
            else rest[r++] = i;
        }
        return rest;
    }

    /// <summary>The k-th smallest (0-based) value of <paramref name="a"/>, which is reordered (Hoare quickselect, median-of-three pivot; finite values).</summary>
    internal static double KthSmallest(Span<double> a, int k)
    {
        int lo = 0, hi = a.Length - 1;
        while (lo < hi)
        {
            double x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi];
            double pivot = Math.Max(Math.Min(x, y), Math.Min(Math.Max(x, y), z));
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }
            // a[lo..j] ≤ pivot, a[i..hi] ≥ pivot, a[j+1..i−1] = pivot.
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else return a[k];
        }
        return a[k];
    }
}
