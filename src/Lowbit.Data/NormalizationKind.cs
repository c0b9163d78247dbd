namespace Lowbit.Data;

/// <summary>How bytes 0..255 become floats when batching.</summary>
public enum NormalizationKind
{
    /// <summary>y = x / 255, in [0, 1].</summary>
    ZeroOne,

    /// <summary>y = 2x / 255 - 1, in [-1, 1] (BinaryNet's convention): 0 maps to -1, 255 to +1.</summary>
    PlusMinusOne,

    /// <summary>y = (x / 255 - mean[c]) / std[c], with per-channel statistics of the training set.</summary>
    Standardize,
}
