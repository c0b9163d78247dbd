using Lowbit.Tensors;

namespace Lowbit.Testing;

/// <summary>
/// Finite-difference gradient checks in double precision: central differences with step h = 1e-6·max(1, |x|),
/// compared against autograd with a magnitude-relative tolerance.
/// </summary>
public static class GradCheck
{
    /// <summary>
    /// Checks d(sum(f(inputs) ⊙ w))/d(input) for every input that requires grad, with a fixed random weighting w
    /// so that every output element contributes. Inputs must be Float64.
    /// </summary>
    /// <param name="f">The function under test.</param>
    /// <param name="inputs">Float64 tensors; those with RequiresGrad are checked.</param>
    /// <param name="seed">Seed for the output weighting and the coordinate subset.</param>
    /// <param name="maxCoordinates">Coordinates checked per input (a random subset when larger).</param>
    /// <param name="tolerance">Allowed |analytic − numeric| / max(1, |numeric|).</param>
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, int seed = 1, int maxCoordinates = 60, double tolerance = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (var t in inputs)
            if (t.DType != DType.Float64) throw new ArgumentException("GradCheck needs Float64 inputs.");
        var rng = new Random(seed);
        var probe = f(inputs);
        var weights = Tensor.RandomUniform(rng, 0.5, 1.5, probe.Shape.ToArray(), DType.Float64);
        double Objective() => Tensor.Sum(Tensor.Mul(f(inputs), weights)).Item();

        foreach (var t in inputs) t.Grad = null;
        Tensor.Sum(Tensor.Mul(f(inputs), weights)).Backward();

        for (int idx = 0; idx < inputs.Length; idx++)
        {
            var x = inputs[idx];
            if (!x.RequiresGrad) continue;
            if (x.Grad is null) throw new Xunit.Sdk.XunitException($"Input {idx} {x} received no gradient.");
            var analytic = x.Grad.ToDoubleArray();
            var coords = Enumerable.Range(0, x.Length).ToArray();
            if (coords.Length > maxCoordinates) coords = coords.OrderBy(_ => rng.Next()).Take(maxCoordinates).ToArray();
            foreach (int i in coords)
            {
                double original = x.GetFlat(i);
                double h = 1e-6 * Math.Max(1.0, Math.Abs(original));
                x.SetFlat(i, original + h);
                double plus = Objective();
                x.SetFlat(i, original - h);
                double minus = Objective();
                x.SetFlat(i, original);
                double numeric = (plus - minus) / (2 * h);
                double err = Math.Abs(analytic[i] - numeric) / Math.Max(1.0, Math.Abs(numeric));
                if (!(err <= tolerance))
                    throw new Xunit.Sdk.XunitException($"Gradient mismatch for input {idx} {x} at flat index {i}: analytic {analytic[i]:R}, numeric {numeric:R}, relative error {err:E2} > {tolerance:E1} (seed {seed}).");
            }
        }
    }

    /// <summary>A Float64 tensor of uniform values in [low, high) that requires grad.</summary>
    public static Tensor Input(Random rng, int[] shape, double low = -1, double high = 1)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var t = Tensor.RandomUniform(rng, low, high, shape, DType.Float64);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>Like <see cref="Input"/> but with every value at least <paramref name="gap"/> away from each kink.</summary>
    public static Tensor InputAwayFrom(Random rng, int[] shape, double[] kinks, double gap = 1e-3, double low = -2, double high = 2)
    {
        var t = Input(rng, shape, low, high);
        for (int i = 0; i < t.Length; i++)
        {
            double v = t.GetFlat(i);
            foreach (double k in kinks)
                if (Math.Abs(v - k) < gap) v = k + (v >= k ? gap : -gap) * 2;
            t.SetFlat(i, v);
        }
        return t;
    }
}
