using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Tensors.Ops;

/// <summary>
/// The gradient that reaches a batch-norm backward pass, g' = mask(g, d) with d = x − m_f (the centred input): the
/// identity for batch norm alone, ReLU's mask for batch norm followed by ReLU. Scalar and vector forms give the same bits.
/// </summary>
internal interface IGradientMask
{
    /// <summary>g' for element <paramref name="i"/> of the plane.</summary>
    float Apply(float g, float d, int i);

    /// <summary>g' for elements i … i + 7 of the plane.</summary>
    Vector256<float> Apply(Vector256<float> g, Vector256<float> d, int i);
}

/// <summary>g' = g.</summary>
internal readonly struct NoMask : IGradientMask
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float g, float d, int i) => g;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Apply(Vector256<float> g, Vector256<float> d, int i) => g;
}

/// <summary>
/// g' = g where the batch-norm output fma(d, scale, shift) is &gt; 0, else +0: ReLU's gradient (Tensor.Relu passes g where
/// its input is &gt; 0), with the output recomputed exactly as the forward computed it.
/// </summary>
internal readonly struct ReluMask(float scale, float shift) : IGradientMask
{
    private readonly float _scale = scale, _shift = shift;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float g, float d, int i) => MathF.FusedMultiplyAdd(d, _scale, _shift) > 0 ? g : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Apply(Vector256<float> g, Vector256<float> d, int i) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.FusedMultiplyAdd(d, Vector256.Create(_scale), Vector256.Create(_shift)), Vector256<float>.Zero), g, Vector256<float>.Zero);
}

/// <summary>
/// g' = g where the activation's input v = fma(d, scale, shift) + r[i] passes the gradient (low &lt; v ≤ high, or
/// low ≤ v ≤ high when lowInclusive), else +0, and g' is also stored to gOut[i] (the residual's gradient): batch norm,
/// residual sum and clamp (Tensor.BatchNormAddClamp), with v recomputed exactly as the forward computed it.
/// </summary>
internal readonly ref struct ResidualClampMask(ReadOnlySpan<float> r, Span<float> gOut, float scale, float shift, float low, float high, bool lowInclusive)
    : IGradientMask
{
    private readonly ReadOnlySpan<float> _r = r;
    private readonly Span<float> _gOut = gOut;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float g, float d, int i)
    {
        float v = MathF.FusedMultiplyAdd(d, scale, shift) + _r[i];
        float masked = (lowInclusive ? v >= low : v > low) && v <= high ? g : 0f;
        _gOut[i] = masked;
        return masked;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Apply(Vector256<float> g, Vector256<float> d, int i)
    {
        var v = Vector256.FusedMultiplyAdd(d, Vector256.Create(scale), Vector256.Create(shift)) + Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(_r), (nuint)i);
        var lo = Vector256.Create(low);
        var above = lowInclusive ? Vector256.GreaterThanOrEqual(v, lo) : Vector256.GreaterThan(v, lo);
        var masked = Vector256.ConditionalSelect(above & Vector256.LessThanOrEqual(v, Vector256.Create(high)), g, Vector256<float>.Zero);
        masked.StoreUnsafe(ref MemoryMarshal.GetReference(_gOut), (nuint)i);
        return masked;
    }
}

/// <summary>Per-channel (scale, shift) of a batch-norm forward whose output went through ReLU (see <see cref="ReluMask"/>).</summary>
/// <param name="Scale">Float scale per channel, as the forward's affine map used it.</param>
/// <param name="Shift">Float shift per channel, as the forward's affine map used it.</param>
internal sealed record ReluMaskCoefficients(float[] Scale, float[] Shift);
