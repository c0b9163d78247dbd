namespace Lowbit.Quantization.Tests.MixedPrecision;

/// <summary>Slow, obviously-correct references for the mixed-precision tests (LINQ, no shared code with the library).</summary>
internal static class MixedPrecisionReference
{
    /// <summary>Heterogeneous binarization (docs/MIXED-PRECISION.md) with a bit map; returns x̂ and the means of levels 1..maxBits.</summary>
    public static (double[] Xhat, double[] Means) Heterogeneous(double[] x, int[] bits, int maxBits)
    {
        var r = (double[])x.Clone();
        var xhat = new double[x.Length];
        var means = new double[maxBits];
        for (int level = 1; level <= maxBits; level++)
        {
            var active = Enumerable.Range(0, x.Length).Where(n => bits[n] >= level).ToList();
            double mu = active.Count == 0 ? 0 : active.Sum(n => Math.Abs(r[n])) / active.Count;
            means[level - 1] = mu;
            foreach (int n in active)
            {
                double s = r[n] < 0 ? -1 : 1;
                xhat[n] += mu * s;
                r[n] -= mu * s;
            }
        }
        return (xhat, means);
    }

    /// <summary>Exact counts per level 1..B_max: round(p_b·N) half away from zero, capped by what is left; last level takes the rest.</summary>
    public static int[] Counts(double[] fractions, int n)
    {
        var c = new int[fractions.Length];
        int left = n;
        for (int b = 0; b < fractions.Length - 1; b++)
        {
            c[b] = Math.Min((int)Math.Round(fractions[b] * n, MidpointRounding.AwayFromZero), left);
            left -= c[b];
        }
        c[^1] = left;
        return c;
    }

    /// <summary>Middle-Out as in docs/MIXED-PRECISION.md, sorting by (||r| − μ|, index) with LINQ at every level.</summary>
    public static int[] MiddleOut(double[] x, double[] fractions)
    {
        int n = x.Length, levels = fractions.Length;
        var counts = Counts(fractions, n);
        var bits = new int[n];
        var r = (double[])x.Clone();
        var unassigned = Enumerable.Range(0, n).ToList();
        for (int b = 1; b <= levels; b++)
        {
            double mu = unassigned.Count == 0 ? 0 : unassigned.Average(i => Math.Abs(r[i]));
            var chosen = b == levels
                ? unassigned.ToList()
                : unassigned.OrderBy(i => Math.Abs(Math.Abs(r[i]) - mu)).ThenBy(i => i).Take(counts[b - 1]).ToList();
            foreach (int i in chosen) bits[i] = b;
            unassigned = unassigned.Except(chosen).ToList();
            foreach (int i in unassigned) r[i] -= r[i] < 0 ? -mu : mu;
        }
        return bits;
    }

    /// <summary>Magnitude ablation: order by (|x|, index); consecutive runs of the counts get 1, 2, … bits.</summary>
    public static int[] Magnitude(double[] x, double[] fractions)
    {
        var counts = Counts(fractions, x.Length);
        var order = Enumerable.Range(0, x.Length).OrderBy(i => Math.Abs(x[i])).ThenBy(i => i).ToArray();
        var bits = new int[x.Length];
        int pos = 0;
        for (int b = 1; b <= fractions.Length; b++)
            for (int k = 0; k < counts[b - 1]; k++) bits[order[pos++]] = b;
        return bits;
    }

    public static double[] RandomValues(Random rng, int n, double scale = 1) =>
        Enumerable.Range(0, n).Select(_ => (rng.NextDouble() * 2 - 1) * scale).ToArray();

    public static double[] Normal(Random rng, int n) =>
        Enumerable.Range(0, n).Select(_ => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble())).ToArray();
}
