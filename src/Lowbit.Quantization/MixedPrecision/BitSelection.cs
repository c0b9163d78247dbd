namespace Lowbit.Quantization.MixedPrecision;

/// <summary>How a heterogeneous binarizer chooses which elements get how many bits (HBB, Fromm, Patel, Philipose, arXiv 1805.10368).</summary>
public enum BitSelection
{
    /// <summary>Middle-Out: elements whose residual magnitude is closest to the level mean stop first.</summary>
    MiddleOut,

    /// <summary>Uniformly random assignment with the exact counts (ablation).</summary>
    Random,

    /// <summary>Smallest |x| get the fewest bits (ablation).</summary>
    Magnitude,
}
