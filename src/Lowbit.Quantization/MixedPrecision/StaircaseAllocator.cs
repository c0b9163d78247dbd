namespace Lowbit.Quantization.MixedPrecision;

/// <summary>
/// PDB's bitwidth assignment: a non-increasing staircase b_1 ≥ b_2 ≥ … ≥ b_L under a memory budget (Chu et al., arXiv
/// 1912.12656).
/// </summary>
/// <remarks>
/// Inputs are per layer (or per stage: pass summed parameter counts and the stage's separability), in depth order.
/// Rule (our choice; the paper's exact procedure is not confirmed):
/// 1. Ideal real bitwidths inversely proportional to separability, scaled to the budget B:
///    t_l = B·(1/S_l)·Σ_l P_l / Σ_l (P_l/S_l), so the parameter-weighted mean of t is exactly B and low-separability
///    layers get more.
/// 2. Among all staircases with b_l in the candidate set, b_1 ≥ … ≥ b_L and parameter-weighted average
///    Σ P_l·b_l / Σ P_l ≤ B (+1e-9), pick the one minimising Σ_l P_l·(b_l − t_l)²; ties (within 1e-9) go to the larger
///    average, then to more bits in earlier layers.
/// Search: exhaustive depth-first enumeration with budget pruning (C(L + K − 1, L) staircases for K candidates); more than
/// 5·10^6 visited nodes is an error asking to group layers into stages.
/// Paper: Chu, Luo, Yang, Huang, Pattern Recognition 111:107647 (2021): bitwidth never increases with depth and is assigned
/// from a quantitative separability measure (<see cref="SeparabilityMeasure"/>).
/// </remarks>
public static class StaircaseAllocator
{
    private const long MaxNodes = 5_000_000;

    /// <summary>Chooses the staircase (see remarks).</summary>
    /// <param name="separability">S_l &gt; 0 and finite per layer, in depth order.</param>
    /// <param name="parameterCounts">P_l ≥ 1 per layer.</param>
    /// <param name="budgetBits">Average bits B allowed over all parameters.</param>
    /// <param name="candidates">Allowed bitwidths (default 1..8).</param>
    /// <returns>b_l per layer, non-increasing.</returns>
    /// <exception cref="ArgumentException">Inputs disagree in length or are out of range, or no staircase fits the budget.</exception>
    public static int[] Allocate(IReadOnlyList<double> separability, IReadOnlyList<long> parameterCounts, double budgetBits, IReadOnlyList<int>? candidates = null)
    {
        ArgumentNullException.ThrowIfNull(separability);
        ArgumentNullException.ThrowIfNull(parameterCounts);
        int layers = separability.Count;
        if (layers == 0 || parameterCounts.Count != layers)
            throw new ArgumentException($"PDB staircase: {separability.Count} separability scores and {parameterCounts.Count} parameter counts; need the same number ≥ 1.", nameof(parameterCounts));
        for (int l = 0; l < layers; l++)
        {
            if (!(separability[l] > 0) || !double.IsFinite(separability[l]))
                throw new ArgumentException($"PDB staircase: separability of layer {l} is {separability[l]}; need a finite value > 0.", nameof(separability));
            if (parameterCounts[l] < 1) throw new ArgumentException($"PDB staircase: layer {l} has {parameterCounts[l]} parameters; need ≥ 1.", nameof(parameterCounts));
        }
        var bits = (candidates ?? [1, 2, 3, 4, 5, 6, 7, 8]).Distinct().OrderByDescending(b => b).ToArray();
        if (bits.Length == 0 || bits[^1] < 1) throw new ArgumentException("PDB staircase: candidates must be bitwidths ≥ 1.", nameof(candidates));
        if (!(budgetBits > 0) || !double.IsFinite(budgetBits)) throw new ArgumentOutOfRangeException(nameof(budgetBits), budgetBits, "PDB staircase: the budget must be a positive number of average bits.");

        double total = parameterCounts.Sum(p => (double)p);
        double inverse = 0;
        for (int l = 0; l < layers; l++) inverse += parameterCounts[l] / separability[l];
        var target = new double[layers];
        for (int l = 0; l < layers; l++) target[l] = budgetBits / separability[l] * total / inverse;

        var search = new Search(target, parameterCounts, bits, budgetBits * total + 1e-9 * total);
        search.Run(0, 0, 0, 0, bits[0]);
        if (search.Best is null)
            throw new ArgumentException($"PDB staircase: even {bits[^1]} bits everywhere exceed the budget of {budgetBits} average bits.", nameof(budgetBits));
        return search.Best;
    }

    private sealed class Search(double[] target, IReadOnlyList<long> counts, int[] bits, double maxBitTotal)
    {
        private readonly int[] _current = new int[target.Length];
        private double _bestCost = double.PositiveInfinity, _bestBits = -1;
        private long _nodes;

        public int[]? Best { get; private set; }

        public void Run(int layer, int indexFrom, double usedBits, double cost, int previous)
        {
            if (++_nodes > MaxNodes) throw new ArgumentException($"PDB staircase: more than {MaxNodes} candidate staircases; group layers into stages.", nameof(counts));
            if (layer == target.Length)
            {
                Offer(usedBits, cost);
                return;
            }
            double restMin = 0;
            for (int l = layer + 1; l < target.Length; l++) restMin += counts[l] * (double)bits[^1];
            for (int k = indexFrom; k < bits.Length; k++)
            {
                int b = bits[k];
                if (b > previous) continue;
                double used = usedBits + counts[layer] * (double)b;
                if (used + restMin > maxBitTotal) continue;
                _current[layer] = b;
                Run(layer + 1, k, used, cost + counts[layer] * (b - target[layer]) * (b - target[layer]), b);
            }
        }

        private void Offer(double usedBits, double cost)
        {
            const double Tie = 1e-9;
            double scale = Math.Max(1, Math.Abs(_bestCost));
            bool better = cost < _bestCost - Tie * scale
                || (Math.Abs(cost - _bestCost) <= Tie * scale && usedBits > _bestBits + Tie); // equal cost: larger average
            // Equal cost and bits: enumeration visits larger early bits first, so the first one found is kept.
            if (!better) return;
            _bestCost = cost;
            _bestBits = usedBits;
            Best = (int[])_current.Clone();
        }
    }
}
