namespace Lowbit.Quantization.MixedPrecision;

/// <summary>
/// Fast path for Middle-Out selection fused with heterogeneous binarization (docs/MIXED-PRECISION.md): the same bit
/// map, means and x̂ as <see cref="BitMapSelection.MiddleOut"/> followed by <see cref="ResidualMath.Binarize"/>,
/// bit for bit, in a few linear passes per level and with scratch buffers reused across calls.
/// </summary>
/// <remarks>
/// Why it is exact:
/// - The unassigned set R is kept as dense arrays (residual, flat index) in ascending index order, so μ is the same
///   sequential double sum over ascending indices as in the reference, and the tie rule "lower flat index first" is
///   the array order.
/// - The threshold (the c_b-th smallest key ||r| − μ|) comes from a histogram select: bucket(key) =
///   min(⌊key·scale⌋, K − 1) is non-decreasing in key, so every key in a lower bucket is smaller than every key in a
///   higher one, and the threshold is the (c_b − below)-th smallest key inside its bucket (quickselect there). The
///   threshold is an element's exact key value, found by any correct selection; the set taken (key &lt; t, then the
///   lowest-index ties key = t) is then the reference's.
/// - Keys are recomputed from the stored residual with the same expression in every pass, so they are identical.
/// - Consistency: at level b the unassigned set R is the binarization's active set A_b and μ is its μ_b, so
///   x̂_n += μ_b·sign(r_n) for every n ∈ R (including those that stop at b) reproduces the binarization's x̂; the
///   residual update r −= μ·sign(r) is applied to the elements that go on, exactly as both references do.
/// - sign(0) = +1: ±μ is formed as CopySign(μ, r + 0.0), and r + 0.0 turns −0.0 into +0.0 (IEEE round to
///   nearest), matching the reference's r ≥ 0 test; μ·(±1) = ±μ exactly.
/// Magnitude ablation (<c>magnitude: true</c>): the same machinery with the fixed keys |x_n| (stored and compacted with
/// the residuals) gives <see cref="BitMapSelection.Magnitude"/>'s map (order (|x|, index)); the unassigned set is
/// again the binarization's active set, so the fused binarization is exact as well.
/// Not thread-safe: one instance per quantizer, used by one forward at a time.
/// Cost: per level about four passes over the unassigned elements (sum, histogram, bucket gather, assign and
/// compact) plus a quickselect over one bucket (≈ |R|/4096 elements for a smooth key distribution; the whole set
/// in the worst case, e.g. all keys equal, which is still correct).
/// </remarks>
internal sealed class MiddleOutBinarizer
{
    /// <summary>Histogram buckets per selection (16 KiB of counts: stays in L1).</summary>
    internal const int Buckets = 4096;

    private readonly int[] _histogram = new int[Buckets];
    private double[] _residual = [];
    private int[] _index = [];
    private double[] _bucket = [];
    private double[] _key = [];

    /// <summary>
    /// Middle-Out map of <paramref name="x"/> for <paramref name="mix"/> and the heterogeneous binarization with it.
    /// </summary>
    /// <param name="x">Values of one slice (finite).</param>
    /// <param name="mix">Bit mix.</param>
    /// <param name="map">Output bits per element, length of x.</param>
    /// <param name="xhat">Output x̂ of the heterogeneous binarization, length of x.</param>
    /// <param name="means">Output μ_1..μ_B_max.</param>
    /// <param name="magnitude">Select by the magnitude ablation instead (keys |x_n| of the input, fixed across levels):
    /// the same map as <see cref="BitMapSelection.Magnitude"/>.</param>
    public void Run(ReadOnlySpan<double> x, BitMix mix, Span<byte> map, Span<double> xhat, Span<double> means, bool magnitude = false)
    {
        int n = x.Length;
        if (map.Length != n || xhat.Length != n || means.Length < mix.MaxBits)
            throw new ArgumentException($"MiddleOutBinarizer: map ({map.Length}), x̂ ({xhat.Length}) must have x's length {n} and means ({means.Length}) at least {mix.MaxBits} entries.");
        var counts = mix.Counts(n);
        EnsureCapacity(n);
        var r = _residual;
        var index = _index;
        x.CopyTo(r);
        for (int i = 0; i < n; i++) index[i] = i;
        if (magnitude)
            for (int i = 0; i < n; i++) _key[i] = Math.Abs(x[i]);
        xhat.Clear();
        int remaining = n;
        for (int b = 1; b <= mix.MaxBits; b++)
        {
            var (mu, maxAbs) = MeanAndMaxAbs(r.AsSpan(0, remaining));
            means[b - 1] = mu;
            if (b == mix.MaxBits)
            {
                AssignAll(r.AsSpan(0, remaining), index.AsSpan(0, remaining), mu, (byte)b, map, xhat);
                break;
            }
            int count = counts[b - 1];
            if (count == 0)
            {
                UpdateAll(r.AsSpan(0, remaining), index.AsSpan(0, remaining), mu, xhat);
                continue;
            }
            remaining = magnitude
                ? SelectLevel(new StoredKeys(_key), remaining, MaxKey(_key.AsSpan(0, remaining)), mu, count, (byte)b, map, xhat)
                : SelectLevel(new MiddleOutKeys(r, mu), remaining, Math.Max(mu, maxAbs - mu), mu, count, (byte)b, map, xhat);
        }
    }

    /// <summary>±μ with sign(0) = +1 (−0.0 counts as +0.0).</summary>
    private static double Signed(double mu, double r) => Math.CopySign(mu, r + 0.0);

    /// <summary>||r| − μ|: the Middle-Out key, one expression for every pass.</summary>
    private static double Key(double r, double mu) => Math.Abs(Math.Abs(r) - mu);

    private static (double Mean, double MaxAbs) MeanAndMaxAbs(ReadOnlySpan<double> r)
    {
        double sum = 0, max = 0;
        foreach (double v in r)
        {
            double a = Math.Abs(v);
            sum += a;
            if (a > max) max = a; // finite inputs: no NaN/−0 handling needed (Math.Max is slower)
        }
        return (r.Length > 0 ? sum / r.Length : 0.0, max);
    }

    private static void AssignAll(ReadOnlySpan<double> r, ReadOnlySpan<int> index, double mu, byte bits, Span<byte> map, Span<double> xhat)
    {
        for (int k = 0; k < r.Length; k++)
        {
            int i = index[k];
            map[i] = bits;
            xhat[i] += Signed(mu, r[k]);
        }
    }

    private static void UpdateAll(Span<double> r, ReadOnlySpan<int> index, double mu, Span<double> xhat)
    {
        for (int k = 0; k < r.Length; k++)
        {
            double s = Signed(mu, r[k]);
            xhat[index[k]] += s;
            r[k] -= s;
        }
    }

    /// <summary>Selection keys of the unassigned elements (dense index k).</summary>
    private interface IKeys
    {
        double this[int k] { get; }
    }

    /// <summary>Middle-Out: ||r_k| − μ|, recomputed from the residual with one expression.</summary>
    private readonly struct MiddleOutKeys(double[] residual, double mu) : IKeys
    {
        public double this[int k] => Key(residual[k], mu);
    }

    /// <summary>Magnitude: |x_k| of the input, stored and compacted with the residuals.</summary>
    private readonly struct StoredKeys(double[] keys) : IKeys
    {
        public double this[int k] => keys[k];
    }

    private static double MaxKey(ReadOnlySpan<double> keys)
    {
        double max = 0;
        foreach (double k in keys) if (k > max) max = k;
        return max;
    }

    /// <summary>Threshold for <paramref name="count"/> elements, then assign and compact; returns how many stay unassigned.</summary>
    private int SelectLevel<TKeys>(TKeys keys, int remaining, double bound, double mu, int count, byte bits, Span<byte> map, Span<double> xhat)
        where TKeys : struct, IKeys
    {
        var (threshold, ties) = Threshold(keys, remaining, bound, count);
        return AssignAndCompact(keys, remaining, mu, threshold, ties, bits, map, xhat);
    }

    /// <summary>The <paramref name="count"/>-th smallest key (1-based) and how many keys equal to it are taken; every key lies in [0, bound].</summary>
    private (double Threshold, int Ties) Threshold<TKeys>(TKeys keys, int remaining, double bound, int count)
        where TKeys : struct, IKeys
    {
        double scale = (Buckets - 1) / bound;
        if (!double.IsFinite(scale)) scale = 0.0; // bound 0 or subnormal: one bucket, plain quickselect
        var histogram = _histogram;
        Array.Clear(histogram);
        for (int k = 0; k < remaining; k++) histogram[Bucket(keys[k], scale)]++;
        int target = count - 1, below = 0, bucket = 0;
        while (below + histogram[bucket] <= target) below += histogram[bucket++];
        var inBucket = _bucket.Length >= histogram[bucket] ? _bucket : (_bucket = new double[histogram[bucket]]);
        int m = 0;
        for (int k = 0; k < remaining; k++)
        {
            double key = keys[k];
            if (Bucket(key, scale) == bucket) inBucket[m++] = key;
        }
        double threshold = BitMapSelection.KthSmallest(inBucket.AsSpan(0, m), target - below);
        int smaller = below;
        for (int k = 0; k < m; k++) if (inBucket[k] < threshold) smaller++;
        return (threshold, count - smaller);
    }

    /// <summary>min(⌊key·scale⌋, K − 1): non-decreasing in key (scale ≥ 0, key ≥ 0).</summary>
    private static int Bucket(double key, double scale)
    {
        double t = key * scale;
        return t < Buckets - 1 ? (int)t : Buckets - 1;
    }

    /// <summary>
    /// Adds ±μ to x̂ for every unassigned element; gives <paramref name="bits"/> to keys below the threshold and to the
    /// first <paramref name="ties"/> keys equal to it; compacts the others (residual minus ±μ) to the front.
    /// </summary>
    private int AssignAndCompact<TKeys>(TKeys keys, int remaining, double mu, double threshold, int ties, byte bits, Span<byte> map, Span<double> xhat)
        where TKeys : struct, IKeys
    {
        var r = _residual;
        var index = _index;
        var stored = _key;
        bool compactKeys = typeof(TKeys) == typeof(StoredKeys);
        int kept = 0;
        for (int k = 0; k < remaining; k++)
        {
            double key = keys[k]; // read before slot `kept` (≤ k) is overwritten
            double v = r[k];
            int i = index[k];
            double s = Signed(mu, v);
            xhat[i] += s;
            // Non-short-circuit & and |: the outcome is data-dependent, so avoid branches.
            bool tie = key == threshold;
            bool take = (key < threshold) | (tie & ties > 0);
            ties -= (tie & take) ? 1 : 0;
            // Branch-free compaction: always write the slot, advance only when the element goes on.
            r[kept] = v - s;
            index[kept] = i;
            if (compactKeys) stored[kept] = key;
            map[i] = take ? bits : (byte)0;
            kept += take ? 0 : 1;
        }
        return kept;
    }

    private void EnsureCapacity(int n)
    {
        if (_residual.Length >= n) return;
        _residual = new double[n];
        _index = new int[n];
        _key = new double[n];
    }
}
