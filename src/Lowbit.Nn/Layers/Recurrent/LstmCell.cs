using System.Numerics;
using System.Runtime.InteropServices;
using System.Numerics.Tensors;

namespace Lowbit.Nn.Layers.Recurrent;

/// <summary>
/// The element-wise part of one LSTM step for one batch row, vectorised with <see cref="Vector{T}"/>; the vector body
/// and the scalar tail evaluate the same expressions in the same order, so every element gets the same result
/// wherever it falls.
/// </summary>
/// <remarks>
/// A gate row holds the four H-wide blocks [i, f, g, o] (PyTorch's order). Forward: c = f ⊙ c_prev + i ⊙ g,
/// tc = tanh(c), h = o ⊙ tc. Backward, from ∂L/∂h (dh) and the recurrent ∂L/∂c (dc, replaced by ∂L/∂c_prev):
/// dc' = dc + dh ⊙ o ⊙ (1 − tc²); ∂i = dc' ⊙ g, ∂f = dc' ⊙ c_prev, ∂g = dc' ⊙ i, ∂o = dh ⊙ tc, ∂c_prev = dc' ⊙ f.
/// </remarks>
internal static class LstmCell
{
    /// <summary>c, tc and h of one row from its (quantized) gate activations and c_prev.</summary>
    public static void Forward<T>(ReadOnlySpan<T> gates, ReadOnlySpan<T> cPrev, Span<T> c, Span<T> tanhC, Span<T> hidden)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = c.Length;
        var i = gates.Slice(0, h);
        var f = gates.Slice(h, h);
        var g = gates.Slice(2 * h, h);
        var o = gates.Slice(3 * h, h);
        int j = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            for (; j + Vector<T>.Count <= h; j += Vector<T>.Count)
                (Load(f, j) * Load(cPrev, j) + Load(i, j) * Load(g, j)).StoreUnsafe(ref MemoryMarshal.GetReference(c), (nuint)j);
        }

        for (; j < h; j++) c[j] = f[j] * cPrev[j] + i[j] * g[j];
        TensorPrimitives.Tanh<T>(c, tanhC);
        TensorPrimitives.Multiply<T>(o, tanhC, hidden);
    }

    /// <summary>
    /// The gate gradients of one row (before the activations' derivatives) into <paramref name="dGates"/>; replaces
    /// <paramref name="dc"/> (∂L/∂c of this step from the step after) by ∂L/∂c_prev.
    /// </summary>
    public static void Backward<T>(ReadOnlySpan<T> gates, ReadOnlySpan<T> cPrev, ReadOnlySpan<T> tanhC, ReadOnlySpan<T> dh, Span<T> dc, Span<T> dGates)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = dc.Length;
        var i = gates.Slice(0, h);
        var f = gates.Slice(h, h);
        var g = gates.Slice(2 * h, h);
        var o = gates.Slice(3 * h, h);
        var di = dGates.Slice(0, h);
        var df = dGates.Slice(h, h);
        var dg = dGates.Slice(2 * h, h);
        var dO = dGates.Slice(3 * h, h);
        int j = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var one = Vector<T>.One;
            for (; j + Vector<T>.Count <= h; j += Vector<T>.Count)
            {
                var dho = Load(dh, j);
                var tc = Load(tanhC, j);
                var dck = Load(dc, j) + dho * Load(o, j) * (one - tc * tc);
                Store(dck * Load(g, j), di, j);
                Store(dck * Load(cPrev, j), df, j);
                Store(dck * Load(i, j), dg, j);
                Store(dho * tc, dO, j);
                Store(dck * Load(f, j), dc, j);
            }
        }

        for (; j < h; j++)
        {
            T dho = dh[j], tc = tanhC[j];
            T dck = dc[j] + dho * o[j] * (T.One - tc * tc);
            di[j] = dck * g[j];
            df[j] = dck * cPrev[j];
            dg[j] = dck * i[j];
            dO[j] = dho * tc;
            dc[j] = dck * f[j];
        }
    }

    /// <summary>Multiplies a row's gate gradients by the activations' derivatives: σ' = a(1 − a) on i, f, o; tanh' = 1 − a² on g.</summary>
    public static void ActivationBackward<T>(ReadOnlySpan<T> activations, Span<T> dGates) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = dGates.Length / 4;
        SigmoidBackward(activations.Slice(0, 2 * h), dGates.Slice(0, 2 * h));
        TanhBackward(activations.Slice(2 * h, h), dGates.Slice(2 * h, h));
        SigmoidBackward(activations.Slice(3 * h, h), dGates.Slice(3 * h, h));
    }

    private static void SigmoidBackward<T>(ReadOnlySpan<T> a, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            for (; j + Vector<T>.Count <= d.Length; j += Vector<T>.Count)
            {
                var x = Load(a, j);
                Store(Load(d, j) * (x * (Vector<T>.One - x)), d, j);
            }
        }

        for (; j < d.Length; j++) d[j] *= a[j] * (T.One - a[j]);
    }

    private static void TanhBackward<T>(ReadOnlySpan<T> a, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            for (; j + Vector<T>.Count <= d.Length; j += Vector<T>.Count)
            {
                var x = Load(a, j);
                Store(Load(d, j) * (Vector<T>.One - x * x), d, j);
            }
        }

        for (; j < d.Length; j++) d[j] *= T.One - a[j] * a[j];
    }

    private static Vector<T> Load<T>(ReadOnlySpan<T> span, int index) where T : unmanaged =>
        Vector.LoadUnsafe(ref MemoryMarshal.GetReference(span), (nuint)index);

    private static void Store<T>(Vector<T> value, Span<T> span, int index) where T : unmanaged =>
        value.StoreUnsafe(ref MemoryMarshal.GetReference(span), (nuint)index);
}
