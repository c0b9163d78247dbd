namespace Lowbit.Tensors;

/// <summary>Element type of a <see cref="Tensor"/>.</summary>
/// <remarks>Float32 is the training and inference type. Float64 exists so that gradient checks can use
/// finite differences in double precision (as <c>torch.autograd.gradcheck</c> does); every op supports both.</remarks>
public enum DType
{
    /// <summary>IEEE 754 single precision.</summary>
    Float32,

    /// <summary>IEEE 754 double precision (gradient checks, reference computations).</summary>
    Float64,
}
