namespace Lowbit.Quantization.MixedPrecision;

/// <summary>
/// The residual (or heterogeneous) binarization of a tensor as exported: sign planes b_j and scalars μ_j, so that
/// x̂_n = Σ_j μ_{s,j}·b_{j,n} with s the slice (sample) of element n.
/// </summary>
/// <remarks>
/// Layout: <see cref="Signs"/>[j][n] for level j = 0..MaxBits−1 (level j+1 in docs/MIXED-PRECISION.md) and flat
/// element n; +1/−1 on the active set A_{j+1}, 0 outside it (outside the set the sign is unused and stored as 0).
/// <see cref="Means"/>[s·MaxBits + j] = μ_{j+1} of slice s (one slice for weights, one per sample for activations).
/// <see cref="BitMap"/> is null for homogeneous residual binarization (every element uses every level).
/// </remarks>
/// <param name="MaxBits">Number of planes B (B_max).</param>
/// <param name="Slices">Number of slices sharing one set of means (1 for weights).</param>
/// <param name="Signs">Sign planes [MaxBits][elements].</param>
/// <param name="Means">Means [Slices·MaxBits].</param>
/// <param name="BitMap">Bits per element, or null when homogeneous.</param>
public sealed record ResidualPlanes(int MaxBits, int Slices, sbyte[][] Signs, double[] Means, byte[]? BitMap)
{
    /// <summary>Elements of the tensor.</summary>
    public int Elements => Signs.Length == 0 ? 0 : Signs[0].Length;

    /// <summary>μ_level (level 1-based) of slice <paramref name="slice"/>.</summary>
    public double Mean(int slice, int level) => Means[slice * MaxBits + level - 1];

    /// <summary>|A_j| for j = 1..MaxBits: elements active at each level (summed over slices).</summary>
    public int[] ActivePerLevel()
    {
        var counts = new int[MaxBits];
        for (int j = 0; j < MaxBits; j++)
            foreach (var s in Signs[j])
                if (s != 0) counts[j]++;
        return counts;
    }

    /// <summary>x̂ = Σ_j μ_j·b_j per element (the quantized tensor, flat).</summary>
    public double[] Reconstruct()
    {
        int n = Elements;
        int perSlice = n / Slices;
        var x = new double[n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < MaxBits; j++)
                x[i] += Means[i / perSlice * MaxBits + j] * Signs[j][i];
        return x;
    }
}
