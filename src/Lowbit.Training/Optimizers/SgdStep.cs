using System.Numerics;
using System.Runtime.InteropServices;

namespace Lowbit.Training.Optimizers;

/// <summary>
/// The passes of one SGD update split around the rounding of the momentum buffer, vectorised with the same IEEE
/// operations per element as <see cref="Sgd"/>'s scalar loop (separate multiply and add, no fused multiply-add), so
/// results are bit-identical to it.
/// </summary>
internal readonly record struct SgdStep(float LearningRate, float Momentum, float WeightDecay, bool Nesterov)
{
    /// <summary>v ← μ·v + (g + λ·w).</summary>
    public void Velocity(Span<float> v, ReadOnlySpan<float> g, ReadOnlySpan<float> w)
    {
        float mu = Momentum, wd = WeightDecay;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
            var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
            var wv = MemoryMarshal.Cast<float, Vector<float>>(w);
            for (int k = 0; k < vv.Length; k++) vv[k] = mu * vv[k] + (gv[k] + wd * wv[k]);
            i = vv.Length * Vector<float>.Count;
        }
        for (; i < v.Length; i++) v[i] = mu * v[i] + (g[i] + wd * w[i]);
    }

    /// <summary>w ← w − η·v, or with Nesterov w ← w − η·((g + λ·w) + μ·v).</summary>
    public void Apply(Span<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> v)
    {
        float lr = LearningRate, mu = Momentum, wd = WeightDecay;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var wv = MemoryMarshal.Cast<float, Vector<float>>(w);
            var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
            var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
            for (int k = 0; k < wv.Length; k++) wv[k] -= lr * (Nesterov ? gv[k] + wd * wv[k] + mu * vv[k] : vv[k]);
            i = wv.Length * Vector<float>.Count;
        }
        for (; i < w.Length; i++) w[i] -= lr * (Nesterov ? g[i] + wd * w[i] + mu * v[i] : v[i]);
    }

    /// <summary>w ← w − η·(g + λ·w) (no momentum).</summary>
    public void Plain(Span<float> w, ReadOnlySpan<float> g)
    {
        float lr = LearningRate, wd = WeightDecay;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var wv = MemoryMarshal.Cast<float, Vector<float>>(w);
            var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
            for (int k = 0; k < wv.Length; k++) wv[k] -= lr * (gv[k] + wd * wv[k]);
            i = wv.Length * Vector<float>.Count;
        }
        for (; i < w.Length; i++) w[i] -= lr * (g[i] + wd * w[i]);
    }
}
