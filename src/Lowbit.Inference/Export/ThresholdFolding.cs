namespace Lowbit.Inference.Export;

/// <summary>
/// Folds "bias, batch norm, then sign" of one unit into a single comparison that reproduces the float32 model
/// exactly (the standard fold of binarized-network accelerators; derivation below and in docs/FORMAT.md).
/// </summary>
/// <remarks>
/// The textbook fold sign(γ(y−μ)/sqrt(σ²+ε)+β) = sign(y − τ) with τ = μ − β·sqrt(σ²+ε)/γ is exact in real
/// arithmetic only; the training model rounds every step to float32, so τ computed in closed form can put a
/// boundary value on the wrong side. Instead the fold evaluates the model's own float32 expression
/// (<see cref="UnitAffine.Apply"/>): on every integer candidate for binary layers (y = N − 2d, d = 0..N), and by
/// bisection over the ordered float32 values for real-input layers. Both rely only on y ↦ Apply(y) being monotone,
/// which holds because float rounding is monotone; γ &lt; 0 reverses the direction (the weight row is then negated),
/// γ = 0 gives a constant.
/// </remarks>
internal static class ThresholdFolding
{
    /// <summary>
    /// Probe inputs for checking folded thresholds against the model's own quantizer: for each finite threshold τ of
    /// unit j (level l = 1..levels), the unit's affine map at ±τ (code must be ≥ l) and at ±(the float just below τ)
    /// (code must be &lt; l), the sign following the unit's direction flag.
    /// </summary>
    public static (List<float> Probes, List<(int Unit, int Level, bool AtLeast)> Expect) Probes(UnitAffine[] units, bool[] negated, float[] thresholds, int levels)
    {
        var probes = new List<float>();
        var expect = new List<(int Unit, int Level, bool AtLeast)>();
        for (int j = 0; j < units.Length; j++)
            for (int l = 1; l <= levels; l++)
            {
                float t = thresholds[j * levels + l - 1];
                if (!float.IsFinite(t)) continue;
                float below = MathF.BitDecrement(t);
                probes.Add(units[j].Apply(negated[j] ? -t : t));
                expect.Add((j, l, true));
                probes.Add(units[j].Apply(negated[j] ? -below : below));
                expect.Add((j, l, false));
            }
        return (probes, expect);
    }

    /// <summary>
    /// Integer fold for a binary layer with N inputs: returns whether to negate the weight row and the largest
    /// mismatch count d (= popcount(x XOR w')) for which the unit outputs +1, or −1 when it never does.
    /// </summary>
    /// <exception cref="InvalidOperationException">The decisions over the candidates are not monotone (impossible for finite parameters).</exception>
    public static (bool Negate, int MaxMismatches) FoldBinary(UnitAffine unit, int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        // decision[d] for d = 0..N mismatches against the original row: y = N − 2d (d = 0 is the largest y).
        var decisions = new bool[n + 1];
        int changes = 0;
        for (int d = 0; d <= n; d++)
        {
            decisions[d] = unit.Sign(n - 2 * d);
            if (d > 0 && decisions[d] != decisions[d - 1]) changes++;
        }
        if (changes > 1)
            throw new InvalidOperationException($"Batch norm + sign is not monotone over the integer dot products (unit {unit}); cannot fold.");
        // Original row: +1 for small d (large y) means "d ≤ threshold". Negated row: d' = N − d, so a unit that is +1
        // for large d (small y) becomes "d' ≤ threshold" too.
        bool negate = changes == 1 && !decisions[0];
        int last = -1;
        for (int d = 0; d <= n; d++)
        {
            bool decision = negate ? decisions[n - d] : decisions[d];
            if (decision) last = d;
        }
        return (negate, last);
    }

    /// <summary>
    /// Float fold for a real-input layer whose float32 dot products satisfy |y| ≤ <paramref name="limit"/>: returns
    /// whether to negate the weight row and the smallest float32 τ' with "unit is +1 ⇔ y' ≥ τ'" for y' = ±y
    /// (−∞: always +1, +∞: always −1).
    /// </summary>
    public static (bool Negate, float Threshold) FoldReal(UnitAffine unit, float limit)
    {
        CheckLimit(limit);
        bool negate = unit.Direction < 0;
        return (negate, FirstReached(z => unit.Sign(negate ? -z : z), limit));
    }

    /// <summary>
    /// Float fold of a unit whose output is the code <paramref name="code"/>(Apply(y)) ∈ [0, levels], monotone
    /// non-decreasing in its argument (an activation quantizer after batch norm), for float32 dot products with
    /// |y| ≤ <paramref name="limit"/>: returns whether to compare z = −y instead of y and, for l = 1..levels, the
    /// smallest float32 τ_l with "code ≥ l ⇔ z ≥ τ_l" (−∞: always, +∞: never). The τ_l are non-decreasing.
    /// </summary>
    public static (bool Negate, float[] Thresholds) FoldLevels(UnitAffine unit, float limit, int levels, Func<float, int> code)
    {
        CheckLimit(limit);
        ArgumentOutOfRangeException.ThrowIfLessThan(levels, 1);
        ArgumentNullException.ThrowIfNull(code);
        bool negate = unit.Direction < 0;
        var thresholds = new float[levels];
        for (int l = 1; l <= levels; l++)
        {
            int level = l;
            thresholds[l - 1] = FirstReached(z => code(unit.Apply(negate ? -z : z)) >= level, limit);
        }
        return (negate, thresholds);
    }

    private static void CheckLimit(float limit)
    {
        if (!(limit > 0) || !float.IsFinite(limit)) throw new ArgumentOutOfRangeException(nameof(limit), limit, "The dot-product bound must be positive and finite.");
    }

    /// <summary>Smallest float32 z in [−limit, limit] with <paramref name="decide"/>(z), for a monotone predicate; −∞ if it holds at −limit, +∞ if not at limit.</summary>
    private static float FirstReached(Func<float, bool> decide, float limit)
    {
        if (decide(-limit)) return float.NegativeInfinity;
        if (!decide(limit)) return float.PositiveInfinity;
        long lo = OrderedKey(-limit), hi = OrderedKey(limit); // decide(lo) false, decide(hi) true
        while (hi - lo > 1)
        {
            long mid = lo + (hi - lo) / 2;
            if (decide(FromOrderedKey(mid))) hi = mid;
            else lo = mid;
        }
        return FromOrderedKey(hi);
    }

    /// <summary>Maps float32 values to integers in the same order (−0 and +0 both map to 0).</summary>
    internal static long OrderedKey(float value)
    {
        int bits = BitConverter.SingleToInt32Bits(value);
        return bits >= 0 ? bits : -(long)(bits & int.MaxValue);
    }

    internal static float FromOrderedKey(long key) =>
        key >= 0 ? BitConverter.Int32BitsToSingle((int)key) : BitConverter.Int32BitsToSingle((int)(-key) | int.MinValue);
}
