using System.Globalization;

namespace Lowbit.Quantization.MixedPrecision;

/// <summary>
/// A mixture of bitwidths for heterogeneous binarization: fractions p_b of elements with b bits (HBB),
/// e.g. "1:0.7,2:0.2,3:0.1" (average 1.4 bits).
/// </summary>
/// <remarks>
/// Exact counts for N elements (<see cref="Counts"/>), levels b = 1..B_max in ascending order (a bitwidth not
/// listed has p_b = 0): c_b = min(round(p_b·N), N − Σ_{b'&lt;b} c_b') for b &lt; B_max, and the last level takes the
/// rest, c_{B_max} = N − Σ_{b&lt;B_max} c_b. Rounding is half away from zero. The min only acts when rounding up
/// several levels would overshoot N (e.g. N = 1 with "1:0.5,2:0.5"); it keeps every count ≥ 0 and the total
/// exactly N. The realised average bits Σ_b b·c_b/N can therefore differ from the nominal Σ_b b·p_b by O(1/N).
/// <see cref="FromAverageBits"/> rule (our choice): the two adjacent bitwidths around the target,
/// a → {⌊a⌋: 1 − (a − ⌊a⌋), ⌊a⌋ + 1: a − ⌊a⌋} (1.4 → "1:0.6,2:0.4"; 2 → homogeneous 2 bits), which meets the
/// average exactly with the smallest spread; the proportions of the HBB paper's 1.4-bit mix
/// are not confirmed, so configs state theirs with <c>mix</c>.
/// </remarks>
public sealed class BitMix
{
    private readonly double[] _fractions; // index b − 1

    private BitMix(double[] fractions) => _fractions = fractions;

    /// <summary>Largest bitwidth with a positive fraction (B_max).</summary>
    public int MaxBits => _fractions.Length;

    /// <summary>Fraction p_b for bitwidth b (0 when not listed).</summary>
    public double Fraction(int bits) => bits >= 1 && bits <= MaxBits ? _fractions[bits - 1] : 0.0;

    /// <summary>Nominal average bits Σ_b b·p_b.</summary>
    public double AverageBits
    {
        get
        {
            double a = 0;
            for (int b = 1; b <= MaxBits; b++) a += b * _fractions[b - 1];
            return a;
        }
    }

    /// <summary>Parses "bits:fraction,…" (bits 1..8, distinct; fractions ≥ 0 summing to 1 within 1e-6).</summary>
    /// <param name="text">The mix, e.g. "1:0.7,2:0.2,3:0.1".</param>
    /// <exception cref="ArgumentException">The text is malformed or the fractions do not sum to 1.</exception>
    public static BitMix Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var fractions = new double[8];
        var seen = new bool[8];
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var kv = part.Split(':', StringSplitOptions.TrimEntries);
            if (kv.Length != 2
                || !int.TryParse(kv[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int bits)
                || !double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double p))
                throw new ArgumentException($"hbb: mix entry '{part}' in \"{text}\" must be bits:fraction, e.g. \"1:0.7,2:0.2,3:0.1\".", nameof(text));
            if (bits < 1 || bits > 8) throw new ArgumentException($"hbb: mix \"{text}\" has bitwidth {bits}; allowed 1..8.", nameof(text));
            if (seen[bits - 1]) throw new ArgumentException($"hbb: mix \"{text}\" lists bitwidth {bits} twice.", nameof(text));
            if (!(p >= 0) || !double.IsFinite(p)) throw new ArgumentException($"hbb: mix \"{text}\" has fraction {p} for {bits} bits; fractions must be in [0, 1].", nameof(text));
            seen[bits - 1] = true;
            fractions[bits - 1] = p;
        }
        double total = fractions.Sum();
        if (Math.Abs(total - 1) > 1e-6) throw new ArgumentException($"hbb: mix \"{text}\" has fractions summing to {total.ToString("R", CultureInfo.InvariantCulture)}; they must sum to 1.", nameof(text));
        return FromFractions(fractions, text);
    }

    /// <summary>Two adjacent bitwidths whose mix averages <paramref name="averageBits"/> (see remarks).</summary>
    /// <param name="averageBits">Target average in [1, 8].</param>
    /// <exception cref="ArgumentOutOfRangeException">The target is outside [1, 8].</exception>
    public static BitMix FromAverageBits(double averageBits)
    {
        if (!(averageBits >= 1 && averageBits <= 8))
            throw new ArgumentOutOfRangeException(nameof(averageBits), averageBits, "hbb: average_bits must be in [1, 8].");
        int low = (int)Math.Floor(averageBits);
        double high = Math.Round(averageBits - low, 12); // 1.4 − 1 = 0.3999…96 in binary; keep the decimal fraction
        var fractions = new double[8];
        fractions[low - 1] = Math.Round(1 - high, 12);
        if (high > 0) fractions[low] = high;
        return FromFractions(fractions, averageBits.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>Every element with <paramref name="bits"/> bits.</summary>
    public static BitMix Homogeneous(int bits)
    {
        var fractions = new double[8];
        fractions[QuantMath.CheckBits(bits, 1, 8, "hbb") - 1] = 1;
        return FromFractions(fractions, bits.ToString(CultureInfo.InvariantCulture));
    }

    private static BitMix FromFractions(double[] fractions, string text)
    {
        int max = 0;
        for (int b = 1; b <= fractions.Length; b++) if (fractions[b - 1] > 0) max = b;
        if (max == 0) throw new ArgumentException($"hbb: mix \"{text}\" has no positive fraction.", nameof(text));
        return new BitMix(fractions[..max]);
    }

    /// <summary>Exact element counts c_b for b = 1..B_max (index b − 1) out of <paramref name="n"/> (see remarks).</summary>
    public int[] Counts(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var c = new int[MaxBits];
        int remaining = n;
        for (int b = 1; b < MaxBits; b++)
        {
            c[b - 1] = (int)Math.Min(QuantMath.Round(_fractions[b - 1] * n), remaining);
            remaining -= c[b - 1];
        }
        c[MaxBits - 1] = remaining;
        return c;
    }

    /// <summary>|A_j| = Σ_{b ≥ j} c_b for j = 1..B_max (index j − 1): elements active at level j.</summary>
    public int[] ActivePerLevel(int n)
    {
        var c = Counts(n);
        var a = new int[MaxBits];
        int running = 0;
        for (int j = MaxBits; j >= 1; j--)
        {
            running += c[j - 1];
            a[j - 1] = running;
        }
        return a;
    }

    /// <summary>The mix as "bits:fraction,…" with the zero fractions left out.</summary>
    public override string ToString() =>
        string.Join(",", Enumerable.Range(1, MaxBits).Where(b => _fractions[b - 1] > 0)
            .Select(b => $"{b}:{_fractions[b - 1].ToString("R", CultureInfo.InvariantCulture)}"));
}
