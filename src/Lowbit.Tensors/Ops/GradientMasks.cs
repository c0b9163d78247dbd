using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Tensors.Ops;

/// <summary>
/// The gradient that reaches a batch-norm backward pass, g' = mask(g, d) with d = x − m_f (the centred input): the
/// identity for batch norm alone, ReLU's mask for batch norm followed by ReLU. Scalar and vector forms give the same bits.
/// </summary>
internal interface IGradientMask
{
    /// <summary>g' for one element.</summary>
    float Apply(float g, float d);

    /// <summary>g' for 8 elements.</summary>
    Vector256<float> Apply(Vector256<float> g, Vector256<float> d);
}

/// <summary>g' = g.</summary>
internal readonly struct NoMask : IGradientMask
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float g, float d) => g;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Apply(Vector256<float> g, Vector256<float> d) => g;
}

/// <summary>
/// g' = g where the batch-norm output fma(d, scale, shift) is &gt; 0, else +0: ReLU's gradient (Tensor.Relu passes g where
/// its input is &gt; 0), with the output recomputed exactly as the forward computed it.
/// </summary>
internal readonly struct ReluMask(float scale, float shift) : IGradientMask
{
    private readonly float _scale = scale, _shift = shift;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float g, float d) => MathF.FusedMultiplyAdd(d, _scale, _shift) > 0 ? g : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Apply(Vector256<float> g, Vector256<float> d) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.FusedMultiplyAdd(d, Vector256.Create(_scale), Vector256.Create(_shift)), Vector256<float>.Zero), g, Vector256<float>.Zero);
}

/// <summary>Per-channel (scale, shift) of a batch-norm forward whose output went through ReLU (see <see cref="ReluMask"/>).</summary>
/// <param name="Scale">Float scale per channel, as the forward's affine map used it.</param>
/// <param name="Shift">Float shift per channel, as the forward's affine map used it.</param>
internal sealed record ReluMaskCoefficients(float[] Scale, float[] Shift);
