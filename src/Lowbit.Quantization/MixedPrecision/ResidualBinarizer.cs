using Lowbit.Tensors;

namespace Lowbit.Quantization.MixedPrecision;

/// <summary>Homogeneous residual binarization with B planes, one mean per plane (<c>residual</c>).</summary>
/// <remarks>
/// Forward: r_1 = x, x̂ = 0; for i = 1..B: μ_i = mean(|r_i|), x̂ += μ_i·sign(r_i),
/// r_{i+1} = r_i − μ_i·sign(r_i). So x̂ = Σ_i μ_i·b_i with sign planes b_i ∈ {±1}^N.
/// Scope of the means: the whole tensor for role "weight"; per sample (per slice of dimension 0) for role
/// "activation" on tensors of rank ≥ 2, as Fromm's BinOps op does for a batch axis.
/// Backward: g_x = g_x̂·1[|x| ≤ clip] (clip = 1 by default, inclusive); no gradient flows into the μ_i.
/// Conventions: sign(0) = +1, so a residual that becomes exactly 0 is pushed to +μ at the next level; a tensor
/// of zeros gives μ = 0 and x̂ = 0. Means are accumulated in double precision for Float32 inputs too.
/// Options: <c>bits</c> B (1..8, default 2), <c>role</c> ("weight" | "activation"), <c>clip</c> (default 1),
/// <c>means</c> ("per_sample" (default) | "running", role "activation" only) and <c>momentum</c> (default 0.1, for
/// "running"), <c>train_means</c> ("per_sample" (default) | "running": quantize the training forward with the running
/// means after the batch's update, so the weights train against the deployed map; STE backward unchanged).
/// Frozen activation means (<c>"means": "running"</c>, for deployment, as batch norm freezes its statistics): training
/// forward and backward are exactly the per-sample ones; in addition every training forward updates running averages
/// R_1..R_B of the per-sample means (<see cref="ResidualRunningMeans"/>: R_i ← (1 − momentum)·R_i + momentum·m_i with
/// m_i the average of μ_i over the batch's samples; the first update sets R_i = m_i). Evaluation uses the R_i instead
/// of per-sample means, so the B-plane activation is a fixed 2^B-level function of each value v (for B = 2:
/// thresholds −R_1, 0, R_1; see <see cref="ResidualRunningMeans"/> for the conventions). The R_i are the float32 state
/// tensor "running_means" [B] (saved in checkpoints, restored on resume) and "running_updates" [1] counts updates.
/// Export: <see cref="Decompose"/> returns the sign planes and means (for "running" in evaluation: the running means).
/// Speed: <see cref="Quantize"/> runs <see cref="ResidualKernel"/> (branch-free, no allocation per slice),
/// bit-identical to the reference loop <see cref="ResidualMath.Binarize"/> that <see cref="Decompose"/> uses.
/// Paper: Fromm, Patel, Philipose, "Heterogeneous Bitwidth Binarization in Convolutional Neural Networks",
/// arXiv 1805.10368 (NeurIPS 2018); the residual scheme follows the authors' BinOps <c>Multibit</c> op.
/// </remarks>
public sealed class ResidualBinarizer : Quantizer, ICostInfo
{
    private double[] _scratch = []; // residual buffer of the fast path, reused across calls
    private readonly ResidualRunningMeans? _running;

    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">Number of planes B (1..8).</param>
    /// <param name="role">"weight" (per-tensor means) or "activation" (per-sample means).</param>
    /// <param name="clip">Gradient passes where |x| ≤ clip (positive).</param>
    /// <param name="means">"per_sample" (means of each sample, the paper's activations) or "running" (frozen running
    /// averages in evaluation; role "activation" only).</param>
    /// <param name="momentum">Update factor of the running means, in (0, 1] (only with means "running").</param>
    /// <param name="trainMeans">With means "running": which means the training forward quantizes with, "per_sample"
    /// (default; the paper's training, bit-identical to means "per_sample") or "running" (the running means after this
    /// batch's update, i.e. the deployed map: trains, or fine-tunes, the weights against the frozen-means activation).</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its range.</exception>
    public ResidualBinarizer(int bits = 2, string role = "weight", double clip = 1.0, string means = "per_sample", double momentum = 0.1, string trainMeans = "per_sample")
    {
        Bits = QuantMath.CheckBits(bits, 1, 8, "residual");
        Role = MixedMath.CheckRole(role, "residual");
        Clip = QuantMath.CheckPositive(clip, nameof(clip), "residual");
        if (means is not ("per_sample" or "running"))
            throw new ArgumentOutOfRangeException(nameof(means), means, "residual: option 'means' must be \"per_sample\" or \"running\".");
        if (means == "running" && Role != "activation")
            throw new ArgumentOutOfRangeException(nameof(means), means, "residual: means \"running\" freezes per-sample activation means; it needs role \"activation\" (weights use one mean per tensor).");
        if (!(momentum > 0 && momentum <= 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "residual: option 'momentum' must be in (0, 1].");
        if (trainMeans is not ("per_sample" or "running"))
            throw new ArgumentOutOfRangeException(nameof(trainMeans), trainMeans, "residual: option 'train_means' must be \"per_sample\" or \"running\".");
        if (trainMeans == "running" && means != "running")
            throw new ArgumentOutOfRangeException(nameof(trainMeans), trainMeans, "residual: train_means \"running\" needs means \"running\".");
        Means = means;
        Momentum = momentum;
        TrainMeans = trainMeans;
        if (means == "running") _running = new ResidualRunningMeans(Bits, momentum);
    }

    /// <summary>Number of planes B.</summary>
    public int Bits { get; }

    /// <summary>"weight" or "activation".</summary>
    public string Role { get; }

    /// <summary>Half-width of the gradient window.</summary>
    public double Clip { get; }

    /// <summary>"per_sample" or "running".</summary>
    public string Means { get; }

    /// <summary>Update factor of the running means (used with <see cref="Means"/> "running").</summary>
    public double Momentum { get; }

    /// <summary>Means of the training forward: "per_sample" or "running" (see the constructor).</summary>
    public string TrainMeans { get; }

    /// <summary>The running means R_1..R_B as the evaluation forward uses them (float32 values widened), or null for "per_sample".</summary>
    public double[]? RunningMeans => _running?.Values();

    /// <summary>Training forwards that updated the running means (0 for "per_sample").</summary>
    public long RunningUpdates => _running?.Updates ?? 0;

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Tensor Value)> StateTensors => _running?.StateTensors ?? [];

    /// <inheritdoc/>
    public override string? FindInvalidState() => _running?.FindInvalidState();

    /// <inheritdoc/>
    public override string Name => "residual";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => Means == "running"
        ? new Dictionary<string, object>(StringComparer.Ordinal) { ["bits"] = Bits, ["role"] = Role, ["clip"] = Clip, ["means"] = Means, ["momentum"] = Momentum, ["train_means"] = TrainMeans }
        : new Dictionary<string, object>(StringComparer.Ordinal) { ["bits"] = Bits, ["role"] = Role, ["clip"] = Clip, ["means"] = Means };

    /// <inheritdoc/>
    public override double BitWidth => Bits;

    /// <inheritdoc/>
    public int MaxPlanes => Bits;

    /// <inheritdoc/>
    public bool Heterogeneous => false;

    /// <inheritdoc/>
    public IReadOnlyList<long>? ActivePerLevel(Tensor latent) => null;

    /// <summary>B means (one per plane; per sample at run time for role "activation", none stored).</summary>
    public int ScaleCount(Tensor latent) => Bits;

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_running is null && x.DType == DType.Float32) return QuantizeFloat32(x);
        var v = MixedMath.FiniteValues(x, Name);
        if (_running is not null && !context.Training)
            return MixedMath.ClippedStraightThrough(x, _running.Apply(v, withSigns: null), Clip);
        int slices = MixedMath.Slices(x, Role == "activation");
        var (xhat, means, _) = Run(v, slices, withPlanes: false);
        if (_running is null) return MixedMath.ClippedStraightThrough(x, xhat, Clip);
        _running.Update(means.AsSpan(0, slices * Bits), slices);
        return MixedMath.ClippedStraightThrough(x, TrainMeans == "running" ? _running.Apply(v, withSigns: null) : xhat, Clip);
    }

    /// <summary>
    /// Per-sample (or per-tensor) means without whole-tensor double copies (<see cref="ResidualKernel.BinarizeSlices"/>),
    /// x̂ rounded once to float into an op result (from the training step's arena), and the clipped STE recomputed from
    /// x in backward instead of a stored factor. Bit-identical to the double path followed by the float write.
    /// </summary>
    private Tensor QuantizeFloat32(Tensor x)
    {
        ReadOnlySpan<float> xs = x.AsSpan();
        if (xs.Length == 0) MixedMath.CheckFinite(xs, x, Name); // throws: empty tensor
        int slices = MixedMath.Slices(x, Role == "activation");
        int size = xs.Length / slices;
        if (_scratch.Length < 3 * size) _scratch = new double[3 * size];
        var q = Tensor.Empty(x.DType, x.Shape.ToArray()); // every slice is written below
        // A NaN or infinity makes a mean non-finite; the check then names the first such value.
        if (!ResidualKernel.BinarizeSlices(xs, slices, Bits, q.AsSpan(), _scratch))
        {
            MixedMath.CheckFinite(xs, x, Name);
            throw new InvalidOperationException($"{Name}: a non-finite mean from finite inputs {ShapeUtil.Format(x.ShapeSpan)}.");
        }
        if (!x.TracksGrad) return q;
        return Tensor.StraightThroughWindow(x, q, -Clip, Clip);
    }

    /// <summary>The sign planes b_j and means μ_j of <paramref name="x"/> (for export and inspection).</summary>
    /// <param name="x">The tensor to binarize (weights, or activations with a batch axis for role "activation").</param>
    /// <remarks>With means "running" the decomposition is the evaluation forward's: one slice whose means are the running means.</remarks>
    public ResidualPlanes Decompose(Tensor x)
    {
        var v = MixedMath.FiniteValues(x, Name);
        if (_running is not null)
        {
            var signs = new sbyte[Bits][];
            for (int j = 0; j < Bits; j++) signs[j] = new sbyte[v.Length];
            _running.Apply(v, signs);
            return new ResidualPlanes(Bits, 1, signs, _running.Values(), null);
        }
        return Run(v, MixedMath.Slices(x, Role == "activation"), withPlanes: true).Planes!;
    }

    private (double[] Xhat, double[] Means, ResidualPlanes? Planes) Run(double[] v, int slices, bool withPlanes)
    {
        int size = v.Length / slices;
        sbyte[][]? signs = null;
        if (withPlanes)
        {
            signs = new sbyte[Bits][];
            for (int j = 0; j < Bits; j++) signs[j] = new sbyte[v.Length];
        }
        var means = new double[slices * Bits];
        var xhat = new double[v.Length];
        if (!withPlanes)
        {
            // Fast path, bit-identical to the reference loop below (ResidualKernel).
            if (_scratch.Length < size) _scratch = new double[size];
            for (int s = 0; s < slices; s++)
                ResidualKernel.Binarize(v.AsSpan(s * size, size), Bits, xhat.AsSpan(s * size, size), means.AsSpan(s * Bits, Bits), _scratch);
            return (xhat, means, null);
        }
        for (int s = 0; s < slices; s++)
            ResidualMath.Binarize(v.AsSpan(s * size, size), default, Bits, xhat.AsSpan(s * size, size), means.AsSpan(s * Bits, Bits), signs, s * size);
        return (xhat, means, signs is null ? null : new ResidualPlanes(Bits, slices, signs, means, null));
    }
}
