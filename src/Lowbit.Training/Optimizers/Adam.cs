using Lowbit.Nn;
using Lowbit.Tensors;

namespace Lowbit.Training.Optimizers;

/// <summary>
/// Adam (Kingma &amp; Ba 2015) with L2 weight decay added to the gradient:
/// m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; w ← w − η·(m/(1−β1ᵗ)) / (sqrt(v/(1−β2ᵗ)) + ε).
/// </summary>
public sealed class Adam : MomentOptimizer
{
    /// <summary>Creates the optimizer.</summary>
    public Adam(IEnumerable<(string Name, Parameter Parameter)> parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0)
        : base(parameters, learningRate, beta1, beta2, epsilon, weightDecay)
    {
    }

    /// <inheritdoc/>
    protected override void Update(string name, Parameter parameter, Span<float> value, Span<float> grad, double learningRate)
    {
        var m = StateTensor("m", name, value.Length);
        var v = StateTensor("v", name, value.Length);
        double t = StepCount;
        var step = new AdamStep((float)Beta1, (float)Beta2, parameter.Decay ? (float)WeightDecay : 0f, (float)Epsilon,
            (float)((float)learningRate / (float)(1 - Math.Pow(Beta1, t))), (float)Math.Sqrt(1 - Math.Pow(Beta2, t)));
        var w = parameter.Value;
        var g = parameter.Grad!;
        var clip = parameter.Clip;
        // Elementwise, so chunking across threads cannot change any result.
        Compute.For(value.Length, ParallelGrain, 16, (start, end) =>
        {
            int count = end - start;
            var chunk = w.AsSpan().Slice(start, count);
            step.Apply(chunk, g.AsSpan().Slice(start, count), m.AsSpan().Slice(start, count), v.AsSpan().Slice(start, count));
            if (clip is { } c)
            {
                System.Numerics.Tensors.TensorPrimitives.Max(chunk, (float)c.Min, chunk);
                System.Numerics.Tensors.TensorPrimitives.Min(chunk, (float)c.Max, chunk);
            }
        });
    }

    /// <inheritdoc/>
    protected override bool ClipsInUpdate => true;

    /// <summary>One Adam update with fixed coefficients; c1 folded into the step size, c2 = sqrt(1 − β2ᵗ).</summary>
    internal readonly record struct AdamStep(float Beta1, float Beta2, float WeightDecay, float Epsilon, float StepSize, float C2)
    {
        /// <summary>Updates w, m, v in place from g (vector loop with a scalar tail; identical arithmetic per element).</summary>
        public void Apply(Span<float> value, ReadOnlySpan<float> grad, Span<float> m, Span<float> v)
        {
            float b1 = Beta1, b2 = Beta2, wd = WeightDecay, eps = Epsilon, stepSize = StepSize, c2 = C2;
            int i = 0;
            if (System.Numerics.Vector.IsHardwareAccelerated)
            {
                // Same arithmetic as the scalar loop below, element for element (IEEE float ops are exact per lane).
                var wv = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(value);
                var gv = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(grad);
                var mv = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(m);
                var vv = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(v);
                for (int k = 0; k < wv.Length; k++)
                {
                    var g = gv[k] + wd * wv[k];
                    mv[k] = b1 * mv[k] + (1 - b1) * g;
                    vv[k] = b2 * vv[k] + (1 - b2) * g * g;
                    wv[k] -= stepSize * mv[k] / (System.Numerics.Vector.SquareRoot(vv[k]) / c2 + new System.Numerics.Vector<float>(eps));
                }
                i = wv.Length * System.Numerics.Vector<float>.Count;
            }
            for (; i < value.Length; i++)
            {
                float g = grad[i] + wd * value[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                value[i] -= stepSize * m[i] / (MathF.Sqrt(v[i]) / c2 + eps);
            }
        }
    }
}

/// <summary>
/// AdaMax (the infinity-norm variant of Adam): m ← β1·m + (1−β1)·g; u ← max(β2·u, |g|);
/// w ← w − (η/(1−β1ᵗ))·m/(u + ε).
/// </summary>
public sealed class AdaMax : MomentOptimizer
{
    /// <summary>Creates the optimizer.</summary>
    public AdaMax(IEnumerable<(string Name, Parameter Parameter)> parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0)
        : base(parameters, learningRate, beta1, beta2, epsilon, weightDecay)
    {
    }

    /// <inheritdoc/>
    protected override void Update(string name, Parameter parameter, Span<float> value, Span<float> grad, double learningRate)
    {
        var m = StateBuffer("m", name, value.Length);
        var u = StateBuffer("u", name, value.Length);
        float b1 = (float)Beta1, b2 = (float)Beta2, wd = parameter.Decay ? (float)WeightDecay : 0f, eps = (float)Epsilon;
        float stepSize = (float)(learningRate / (1 - Math.Pow(Beta1, StepCount)));
        for (int i = 0; i < value.Length; i++)
        {
            float g = grad[i] + wd * value[i];
            m[i] = b1 * m[i] + (1 - b1) * g;
            u[i] = MathF.Max(b2 * u[i], MathF.Abs(g));
            value[i] -= stepSize * m[i] / (u[i] + eps);
        }
    }
}
