using Lowbit.Tensors;

namespace Lowbit.Quantization.MixedPrecision;

/// <summary>Class separability of a layer's features for the PDB bitwidth assignment (Chu et al., arXiv 1912.12656).</summary>
/// <remarks>
/// Fisher ratio S = tr(S_B)/tr(S_W) with S_W = Σ_c Σ_{i∈c} (f_i − μ_c)(f_i − μ_c)ᵀ and
/// S_B = Σ_c N_c·(μ_c − μ)(μ_c − μ)ᵀ, so tr(S_W) = Σ_c Σ_{i∈c} ‖f_i − μ_c‖² and tr(S_B) = Σ_c N_c·‖μ_c − μ‖²
/// (μ_c class means, μ the overall mean). Features [N, D] are used as they are; [N, C, H, W] are globally
/// average-pooled to [N, C] first (our choice, docs/MIXED-PRECISION.md). A ratio with tr(S_W) = 0 and tr(S_B) &gt; 0
/// (every class collapsed to a point) is +∞. The paper's exact metric is not confirmed; this is our default.
/// Paper: Chu, Luo, Yang, Huang, "Mixed-precision quantized neural networks with progressively decreasing bitwidth",
/// Pattern Recognition 111:107647 (2021).
/// </remarks>
public static class SeparabilityMeasure
{
    /// <summary>tr(S_B)/tr(S_W) of <paramref name="features"/> grouped by <paramref name="labels"/>.</summary>
    /// <param name="features">[N, D] or [N, C, H, W].</param>
    /// <param name="labels">Class label (≥ 0) of each of the N rows.</param>
    /// <exception cref="ArgumentException">Shapes disagree, a label is negative, there is only one class, or all features are identical.</exception>
    public static double FisherRatio(Tensor features, ReadOnlySpan<int> labels)
    {
        var (between, within) = FisherTraces(features, labels);
        if (within == 0)
        {
            if (between == 0) throw new ArgumentException("PDB separability: all feature vectors are identical; the Fisher ratio is undefined.", nameof(features));
            return double.PositiveInfinity;
        }
        return between / within;
    }

    /// <summary>The traces (tr S_B, tr S_W); see <see cref="FisherRatio"/>.</summary>
    public static (double Between, double Within) FisherTraces(Tensor features, ReadOnlySpan<int> labels)
    {
        var (f, n, d) = Pooled(features);
        if (labels.Length != n)
            throw new ArgumentException($"PDB separability: {labels.Length} labels for features {ShapeUtil.Format(features.ShapeSpan)} ({n} rows).", nameof(labels));
        int classes = 0;
        foreach (int y in labels)
        {
            if (y < 0) throw new ArgumentException($"PDB separability: labels must be ≥ 0, got {y}.", nameof(labels));
            classes = Math.Max(classes, y + 1);
        }
        var counts = new int[classes];
        var classMean = new double[classes, d];
        var mean = new double[d];
        for (int i = 0; i < n; i++)
        {
            counts[labels[i]]++;
            for (int k = 0; k < d; k++)
            {
                classMean[labels[i], k] += f[i * d + k];
                mean[k] += f[i * d + k];
            }
        }
        if (counts.Count(c => c > 0) < 2) throw new ArgumentException("PDB separability: needs samples of at least two classes.", nameof(labels));
        for (int k = 0; k < d; k++) mean[k] /= n;
        for (int c = 0; c < classes; c++)
            for (int k = 0; k < d; k++)
                if (counts[c] > 0) classMean[c, k] /= counts[c];
        double between = 0, within = 0;
        for (int c = 0; c < classes; c++)
            for (int k = 0; k < d; k++)
                between += counts[c] * Square(classMean[c, k] - mean[k]);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < d; k++)
                within += Square(f[i * d + k] - classMean[labels[i], k]);
        return (between, within);
    }

    private static double Square(double a) => a * a;

    private static (double[] Values, int Rows, int Dims) Pooled(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var v = features.ToDoubleArray();
        if (features.Rank == 2 && features.Length > 0) return (v, features.Dim(0), features.Dim(1));
        if (features.Rank == 4 && features.Length > 0)
        {
            int n = features.Dim(0), c = features.Dim(1), hw = features.Dim(2) * features.Dim(3);
            var pooled = new double[n * c];
            for (int i = 0; i < n * c; i++)
            {
                double s = 0;
                for (int p = 0; p < hw; p++) s += v[i * hw + p];
                pooled[i] = s / hw;
            }
            return (pooled, n, c);
        }
        throw new ArgumentException($"PDB separability: features must be [N, D] or [N, C, H, W] and non-empty, got {ShapeUtil.Format(features.ShapeSpan)}.", nameof(features));
    }
}
