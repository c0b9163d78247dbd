using Lowbit.Tensors;

namespace Lowbit.Quantization.MixedPrecision;

/// <summary>
/// Frozen activation means of a residual activation quantizer (<c>"means": "running"</c>): running averages of the
/// per-sample means μ_1..μ_B, updated in training and used in evaluation, as batch norm does with its statistics.
/// </summary>
/// <remarks>
/// Update (training forward): m_i = (1/S)·Σ_s μ_{s,i} over the S samples of the batch (double), then
/// R_i ← (1 − momentum)·R_i + momentum·m_i in double, stored as float32 (the state tensor "running_means" [B]); the
/// first update sets R_i = m_i (no bias towards the zero initial state). "running_updates" [1] counts updates.
/// Evaluation map of a value v with the stored R_i (float32 values, used in double):
/// r_1 = v, x̂ = 0; for i = 1..B: s_i = sign(r_i) (sign(0) = sign(−0) = +1), x̂ += R_i·s_i, r_{i+1} = r_i − R_i·s_i;
/// the result is float32(x̂), written as <c>x̂ = 0 + CopySign(R_1, r_1 + 0.0)</c>, then <c>x̂ += CopySign(R_i, r_i + 0.0)</c>
/// (the same double operations as the per-sample kernel). The code (s_1, …, s_B) read as a binary number with s_1 as
/// the most significant bit (+1 = 1) is non-decreasing in v: within a region of fixed s_1..s_{i−1}, r_i is v minus a
/// constant, rounded monotonically. For B = 2: v ≥ R_1 → (+,+) = R_1 + R_2; 0 ≤ v &lt; R_1 → (+,−) = R_1 − R_2;
/// −R_1 ≤ v &lt; 0 → (−,+) = −R_1 + R_2; v &lt; −R_1 → (−,−) = −R_1 − R_2 (v − R_1 ≥ 0 ⇔ v ≥ R_1 holds exactly in
/// IEEE arithmetic). The thresholds are −R_1, 0, R_1 whatever R_2 is; when R_2 &gt; R_1 the levels are not monotone in
/// v (R_1 − R_2 &lt; 0 &lt; R_2 − R_1) but the code still is. R_1 = 0 gives two levels (v ≥ 0 → R_2, else −R_2).
/// </remarks>
internal sealed class ResidualRunningMeans
{
    private readonly int _bits;
    private readonly double _momentum;
    private readonly Tensor _means;
    private readonly Tensor _updates = Tensor.Zeros(1);

    public ResidualRunningMeans(int bits, double momentum)
    {
        _bits = bits;
        _momentum = momentum;
        _means = Tensor.Zeros(bits);
    }

    /// <summary>"running_means" [B] and "running_updates" [1], float32.</summary>
    public IReadOnlyList<(string Name, Tensor Value)> StateTensors => [("running_means", _means), ("running_updates", _updates)];

    /// <summary>The first restored value that cannot be used (means not finite, a negative or fractional update count), or null.</summary>
    public string? FindInvalidState()
    {
        double updates = _updates.GetFlat(0);
        if (!(updates >= 0) || updates != Math.Floor(updates)) return $"residual: 'running_updates' is {updates}; it counts updates (a whole number ≥ 0)";
        return _means.ToDoubleArray().Any(m => !double.IsFinite(m)) ? "residual: a running mean is not finite" : null;
    }

    /// <summary>Number of updates so far (restored from checkpoints).</summary>
    public long Updates => (long)_updates.GetFlat(0);

    /// <summary>R_1..R_B as stored (float32 widened to double).</summary>
    public double[] Values()
    {
        var r = new double[_bits];
        for (int i = 0; i < _bits; i++) r[i] = _means.GetFlat(i);
        return r;
    }

    /// <summary>Folds the per-sample means of one batch (<c>[slices, B]</c>) into the running means.</summary>
    public void Update(ReadOnlySpan<double> means, int slices)
    {
        bool first = Updates == 0;
        for (int i = 0; i < _bits; i++)
        {
            double sum = 0;
            for (int s = 0; s < slices; s++) sum += means[s * _bits + i];
            double batch = sum / slices;
            double next = first ? batch : (1 - _momentum) * _means.GetFlat(i) + _momentum * batch;
            _means.SetFlat(i, next);
        }
        _updates.SetFlat(0, Updates + 1);
    }

    /// <summary>The evaluation map (see remarks) of every value; optionally the signs s_i per level ([B][n], ±1).</summary>
    public double[] Apply(ReadOnlySpan<double> v, sbyte[][]? withSigns)
    {
        var r = Values();
        var xhat = new double[v.Length];
        for (int n = 0; n < v.Length; n++)
        {
            double residual = v[n], x = 0.0;
            for (int i = 0; i < _bits; i++)
            {
                double s = Math.CopySign(r[i], residual + 0.0);
                if (withSigns is not null) withSigns[i][n] = residual + 0.0 >= 0 ? (sbyte)1 : (sbyte)-1;
                x += s;
                residual -= s;
            }
            xhat[n] = x;
        }
        return xhat;
    }
}
