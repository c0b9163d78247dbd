using Lowbit.Tensors;

namespace Lowbit.Nn;

/// <summary>
/// Sees, and may replace, the output of every layer of a <see cref="Layers.Sequential"/> (the arithmetic policy rounds
/// weighted sums and layer outputs onto number formats through it, without the layers knowing).
/// </summary>
public interface ILayerOutputHook
{
    /// <summary>Called after layer <paramref name="index"/> produced <paramref name="output"/>; returns what the next layer gets.</summary>
    /// <param name="index">Position of the layer in the container.</param>
    /// <param name="layer">The layer (its <see cref="Module.Training"/> flag tells training from evaluation).</param>
    /// <param name="output">The layer's output.</param>
    Tensor AfterLayer(int index, Module layer, Tensor output);
}
