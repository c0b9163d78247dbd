using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>
/// A quantizer whose bit width is itself learned (BitPruning): model-level bit regularisers read
/// <see cref="BitLength"/>, and a fine-tuning phase rounds and freezes it.
/// </summary>
public interface ILearnedBitLength
{
    /// <summary>The learnable bitlengths (one per group), a differentiable leaf tensor.</summary>
    Tensor BitLength { get; }

    /// <summary>True once <see cref="Freeze"/> ran.</summary>
    bool IsFrozen { get; }

    /// <summary>Rounds the bitlengths to integers, writes them back and keeps them fixed from now on.</summary>
    /// <param name="roundUp">Round up (true) or to the nearest integer.</param>
    /// <returns>The frozen bits per group.</returns>
    int[] Freeze(bool roundUp = true);
}
