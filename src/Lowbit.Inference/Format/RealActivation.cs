using Lowbit.Tensors;

namespace Lowbit.Inference.Format;

/// <summary>An element-wise activation applied to real-valued outputs with the model's own operation (stored as a <c>u32</c>).</summary>
public enum RealActivation
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>max(x, 0) (<see cref="Tensor.Relu"/>).</summary>
    Relu = 1,

    /// <summary>clip(x, −1, 1) (<see cref="Tensor.HardTanh"/>).</summary>
    HardTanh = 2,
}

/// <summary>Applying and reading <see cref="RealActivation"/>.</summary>
internal static class RealActivations
{
    public static Tensor Apply(RealActivation activation, Tensor x) => activation switch
    {
        RealActivation.Relu => Tensor.Relu(x),
        RealActivation.HardTanh => Tensor.HardTanh(x),
        _ => x,
    };

    public static RealActivation Read(ref PackedModelReader r, int index) =>
        (RealActivation)r.ReadCount($"layer {index} activation (0 none, 1 relu, 2 hardtanh)", 0, 2);
}
