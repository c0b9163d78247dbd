namespace Lowbit.Hardware;

/// <summary>A chain of layers (each layer consumes the previous layer's output) and the network input, per sample.</summary>
/// <param name="Name">Model name for the report.</param>
/// <param name="InputElements">Elements of one input sample (784 for MNIST).</param>
/// <param name="InputBits">Bits per input element (8 for raw pixels, 32 for float).</param>
/// <param name="Layers">Layers in execution order.</param>
public sealed record NetworkCostInput(string Name, long InputElements, double InputBits, IReadOnlyList<LayerCostInput> Layers);
