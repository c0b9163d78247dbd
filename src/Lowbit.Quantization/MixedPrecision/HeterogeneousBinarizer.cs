using Lowbit.Tensors;

namespace Lowbit.Quantization.MixedPrecision;

/// <summary>Heterogeneous bitwidth binarization with a per-element bit map (<c>hbb</c>).</summary>
/// <remarks>
/// Forward: given bits M_n ∈ {1..B_max}, level i acts on A_i = {n : M_n ≥ i}:
/// μ_i = mean_{n∈A_i} |r_n| (0 if A_i is empty), and for n ∈ A_i: x̂_n += μ_i·sign(r_n), r_n −= μ_i·sign(r_n);
/// r starts at x. Average bits = mean(M) = Σ_b b·p_b.
/// Bit map: <see cref="BitSelection.MiddleOut"/> (default), <see cref="BitSelection.Random"/> or
/// <see cref="BitSelection.Magnitude"/>, each with the exact counts of <see cref="BitMix.Counts"/>; Middle-Out ties
/// are broken by the lower flat index.
/// When the map is chosen (role "weight"): recompute "every_step" (default) selects M from the current weights on
/// every forward pass (training and evaluation) for middle_out and magnitude; random draws a new map on every
/// training forward (needs the context's generator) and evaluation reuses the last one. recompute "frozen"
/// selects M on the first forward and keeps it. <see cref="Freeze(Tensor)"/> selects M from given (final) weights and
/// keeps it from then on, for deployment and fine-tuning; the frozen flag is the state tensor "frozen".
/// Checkpoints: with <c>elements</c> = N (the weight's element count) the map is the state tensor "bit_map"
/// (float32 [N], bits per element, 0 = not chosen yet); without it the map lives only in memory, which is
/// complete for every_step with middle_out/magnitude (M is a function of the checkpointed weights). recompute
/// "frozen" and selection "random" therefore require <c>elements</c>, and a model whose checkpoint says
/// "frozen" but holds no map is an error rather than a silent re-selection.
/// Activations (role "activation"; the authors' BinOps code supports per-sample heterogeneous activations): each
/// sample (slice of dimension 0) gets its own map by the same selection rule and its own means, recomputed on every
/// forward pass (M depends on the input, so it is neither stored nor frozen); random selection is not offered there
/// because evaluation has no generator.
/// Speed: when Middle-Out or magnitude selects a map (every forward by default), selection and binarization run fused
/// in <see cref="MiddleOutBinarizer"/> (histogram select, reused buffers), bit-identical to the reference
/// <see cref="BitMapSelection.MiddleOut"/> / <see cref="BitMapSelection.Magnitude"/> followed by the binarization above; the map is
/// still recomputed on every step.
/// Backward: g_x = g_x̂·1[|x| ≤ clip] (clip = 1); no gradient into the μ_i or the bit map (BinOps).
/// Options: <c>mix</c> ("1:0.7,2:0.2,3:0.1") or <c>average_bits</c> (see <see cref="BitMix.FromAverageBits"/>),
/// <c>selection</c> (middle_out | random | magnitude), <c>recompute</c> (every_step | frozen), <c>role</c>,
/// <c>elements</c>, <c>clip</c>.
/// Paper: Fromm, Patel, Philipose, "Heterogeneous Bitwidth Binarization in Convolutional Neural Networks",
/// arXiv 1805.10368 (NeurIPS 2018).
/// </remarks>
public sealed class HeterogeneousBinarizer : Quantizer, ICostInfo
{
    private readonly Tensor? _bitMapState;
    private readonly Tensor _frozenState = Tensor.Zeros(1);
    private byte[]? _map;
    private MiddleOutBinarizer? _middleOut;

    /// <summary>Creates the quantizer.</summary>
    /// <param name="mix">Bitwidth mixture.</param>
    /// <param name="selection">Bit-map selection rule.</param>
    /// <param name="frozen">recompute "frozen" (select once, on first use) instead of "every_step".</param>
    /// <param name="role">"weight" or "activation" (per-sample maps and means).</param>
    /// <param name="elements">Element count N of the weight for a checkpointed map, or 0.</param>
    /// <param name="clip">Gradient passes where |x| ≤ clip.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its range or the combination is unsupported.</exception>
    public HeterogeneousBinarizer(BitMix mix, BitSelection selection = BitSelection.MiddleOut, bool frozen = false, string role = "weight", int elements = 0, double clip = 1.0)
    {
        ArgumentNullException.ThrowIfNull(mix);
        Mix = mix;
        Selection = selection;
        RecomputeFrozen = frozen;
        Role = MixedMath.CheckRole(role, "hbb");
        Clip = QuantMath.CheckPositive(clip, nameof(clip), "hbb");
        ArgumentOutOfRangeException.ThrowIfNegative(elements);
        if (Role == "activation")
        {
            if (frozen) throw new ArgumentOutOfRangeException(nameof(frozen), frozen, "hbb: role \"activation\" selects a map per sample on every forward; recompute must be \"every_step\".");
            if (selection == BitSelection.Random) throw new ArgumentOutOfRangeException(nameof(selection), selection, "hbb: role \"activation\" supports selection middle_out or magnitude.");
            if (elements != 0) throw new ArgumentOutOfRangeException(nameof(elements), elements, "hbb: elements is for weights (activation maps are not stored).");
        }
        else if ((frozen || selection == BitSelection.Random) && elements == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(elements), elements,
                "hbb: recompute \"frozen\" and selection \"random\" need elements = the weight's element count (e.g. 784·1024 = 802816 for dense 784→1024) so the bit map is checkpointed.");
        }
        Elements = elements;
        if (elements > 0) _bitMapState = Tensor.Zeros(elements);
    }

    /// <summary>The bitwidth mixture.</summary>
    public BitMix Mix { get; }

    /// <summary>Bit-map selection rule.</summary>
    public BitSelection Selection { get; }

    /// <summary>True for recompute "frozen".</summary>
    public bool RecomputeFrozen { get; }

    /// <summary>"weight" or "activation".</summary>
    public string Role { get; }

    /// <summary>Gradient window half-width.</summary>
    public double Clip { get; }

    /// <summary>Element count of the checkpointed map (0 when the map is not checkpointed).</summary>
    public int Elements { get; }

    /// <summary>True once <see cref="Freeze()"/> or <see cref="Freeze(Tensor)"/> ran (restored from checkpoints).</summary>
    public bool IsFrozen => _frozenState.GetFlat(0) != 0;

    /// <inheritdoc/>
    public override string Name => "hbb";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => new Dictionary<string, object>(StringComparer.Ordinal)
    {
        ["mix"] = Mix.ToString(),
        ["selection"] = Selection switch { BitSelection.Random => "random", BitSelection.Magnitude => "magnitude", _ => "middle_out" },
        ["recompute"] = RecomputeFrozen ? "frozen" : "every_step",
        ["role"] = Role,
        ["elements"] = Elements,
        ["clip"] = Clip,
    };

    /// <summary>Nominal average bits Σ_b b·p_b of the mix (the realised mean(M) is <see cref="AverageBits"/>).</summary>
    public override double BitWidth => Mix.AverageBits;

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Tensor Value)> StateTensors =>
        _bitMapState is null ? [("frozen", _frozenState)] : [("bit_map", _bitMapState), ("frozen", _frozenState)];

    /// <inheritdoc/>
    public override string? FindInvalidState()
    {
        if (!IsFlag(_frozenState)) return "hbb: 'frozen' must be 0 or 1";
        try
        {
            CurrentMap();
            return null;
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }

    /// <summary>The current bit map (a copy; per sample of the last forward for activations), or null before the first selection.</summary>
    public byte[]? BitMap => CurrentMap()?.ToArray();

    /// <summary>mean(M) of the current map, or null before the first selection.</summary>
    public double? AverageBits => CurrentMap() is { } m ? m.Average(b => (double)b) : null;

    /// <summary>|A_j| for j = 1..B_max of the current map (for the cost model), or null before the first selection.</summary>
    public int[]? ActivePerLevel => CurrentMap() is { } m ? Enumerable.Range(1, Mix.MaxBits).Select(j => m.Count(b => b >= j)).ToArray() : null;

    /// <inheritdoc/>
    public int MaxPlanes => Mix.MaxBits;

    /// <inheritdoc/>
    public bool Heterogeneous => true;

    /// <summary>
    /// |A_j| for <paramref name="latent"/>: from the current map when it has the latent's length (weights), else the
    /// counts every selection rule gives for that many elements (<see cref="BitMix.ActivePerLevel"/>; per sample summed
    /// over dimension 0 for role "activation").
    /// </summary>
    IReadOnlyList<long>? ICostInfo.ActivePerLevel(Tensor latent)
    {
        ArgumentNullException.ThrowIfNull(latent);
        if (Role == "weight" && CurrentMap() is { } map && map.Length == latent.Length)
            return Enumerable.Range(1, Mix.MaxBits).Select(j => (long)map.Count(b => b >= j)).ToArray();
        int slices = MixedMath.Slices(latent, Role == "activation");
        return Mix.ActivePerLevel(latent.Length / slices).Select(a => (long)a * slices).ToArray();
    }

    /// <summary>B_max means (one per level; per sample at run time for role "activation", none stored).</summary>
    public int ScaleCount(Tensor latent) => Mix.MaxBits;

    /// <summary>|A_j| that any map of <paramref name="n"/> elements (per slice) has: the counts are fixed by the mix.</summary>
    public int[] ActivePerLevelFor(int n) => Mix.ActivePerLevel(n);

    /// <summary>Keeps the current map from now on (deployment/fine-tuning).</summary>
    /// <exception cref="InvalidOperationException">No map was selected yet, or role is "activation".</exception>
    public void Freeze()
    {
        CheckFreezable();
        if (CurrentMap() is null) throw new InvalidOperationException("hbb: no bit map has been selected yet; run a forward pass or call Freeze(weights).");
        _frozenState.Fill(1);
    }

    /// <summary>Selects the map from <paramref name="weights"/> (the final weights) and keeps it from now on.</summary>
    /// <exception cref="InvalidOperationException">Role is "activation", or selection is random (use <see cref="Freeze()"/>).</exception>
    public void Freeze(Tensor weights)
    {
        CheckFreezable();
        if (Selection == BitSelection.Random) throw new InvalidOperationException("hbb: a random map does not depend on the weights; call Freeze() to keep the current one.");
        var v = MixedMath.FiniteValues(weights, Name);
        CheckLength(weights);
        StoreMap(Select(v, null));
        _frozenState.Fill(1);
    }

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var v = MixedMath.FiniteValues(x, Name);
        var (xhat, _) = Run(v, x, context, withPlanes: false);
        return MixedMath.ClippedStraightThrough(x, xhat, Clip);
    }

    /// <summary>Sign planes, means and bit map of <paramref name="x"/> with the map the next evaluation forward would use.</summary>
    /// <param name="x">Weights (or activations for role "activation").</param>
    public ResidualPlanes Decompose(Tensor x)
    {
        var v = MixedMath.FiniteValues(x, Name);
        return Run(v, x, QuantizerContext.Eval, withPlanes: true).Planes!;
    }

    private (double[] Xhat, ResidualPlanes? Planes) Run(double[] v, Tensor x, QuantizerContext context, bool withPlanes)
    {
        int slices = MixedMath.Slices(x, Role == "activation");
        int size = v.Length / slices;
        int maxBits = Mix.MaxBits;
        var means = new double[slices * maxBits];
        var xhat = new double[v.Length];
        byte[]? map = Role == "activation" ? null : KeptMap(x, context);
        if (map is null && Selection != BitSelection.Random && !withPlanes)
        {
            // Fast path: selection fused with binarization, bit-identical to MiddleOut/Magnitude + ResidualMath.Binarize.
            map = new byte[v.Length];
            var kernel = _middleOut ??= new MiddleOutBinarizer();
            bool magnitude = Selection == BitSelection.Magnitude;
            for (int s = 0; s < slices; s++)
                kernel.Run(v.AsSpan(s * size, size), Mix, map.AsSpan(s * size, size), xhat.AsSpan(s * size, size), means.AsSpan(s * maxBits, maxBits), magnitude);
            if (Role == "activation") _map = map;
            else StoreMap(map);
            return (xhat, null);
        }
        map ??= Role == "activation" ? SelectPerSlice(v, slices) : SelectAndStore(v, context);
        sbyte[][]? signs = null;
        if (withPlanes)
        {
            signs = new sbyte[maxBits][];
            for (int j = 0; j < maxBits; j++) signs[j] = new sbyte[v.Length];
        }
        for (int s = 0; s < slices; s++)
            ResidualMath.Binarize(v.AsSpan(s * size, size), map.AsSpan(s * size, size), maxBits, xhat.AsSpan(s * size, size), means.AsSpan(s * maxBits, maxBits), signs, s * size);
        return (xhat, signs is null ? null : new ResidualPlanes(maxBits, slices, signs, means, map));
    }

    /// <summary>The weight map to reuse (frozen, recompute "frozen", random in evaluation), or null when it is selected now.</summary>
    private byte[]? KeptMap(Tensor x, QuantizerContext context)
    {
        CheckLength(x);
        if (IsFrozen)
            return CurrentMap() ?? throw new InvalidOperationException("hbb: the bit map is frozen but was not restored (no 'elements' option, so checkpoints do not hold it); set elements to the weight's element count.");
        if (RecomputeFrozen && CurrentMap() is { } kept) return kept;
        if (Selection == BitSelection.Random && !context.Training)
            return CurrentMap() ?? throw new InvalidOperationException("hbb: selection random draws its map in training; run a training step (or Freeze) before evaluation.");
        return null;
    }

    private byte[] SelectAndStore(double[] v, QuantizerContext context)
    {
        var map = Select(v, Selection == BitSelection.Random ? QuantMath.RequireRandom(context, Name) : null);
        StoreMap(map);
        return map;
    }

    private byte[] Select(double[] v, Random? random)
    {
        var map = new byte[v.Length];
        switch (Selection)
        {
            case BitSelection.MiddleOut: BitMapSelection.MiddleOut(v, Mix, map); break;
            case BitSelection.Magnitude: BitMapSelection.Magnitude(v, Mix, map); break;
            default: BitMapSelection.Random(v.Length, Mix, map, random!); break;
        }
        return map;
    }

    private byte[] SelectPerSlice(double[] v, int slices)
    {
        int size = v.Length / slices;
        var map = new byte[v.Length];
        for (int s = 0; s < slices; s++)
        {
            var part = v.AsSpan(s * size, size);
            if (Selection == BitSelection.MiddleOut) BitMapSelection.MiddleOut(part, Mix, map.AsSpan(s * size, size));
            else BitMapSelection.Magnitude(part, Mix, map.AsSpan(s * size, size));
        }
        _map = map;
        return map;
    }

    private byte[]? CurrentMap()
    {
        if (_bitMapState is null) return _map;
        var state = _bitMapState.AsSpan();
        if (state[0] == 0) return null;
        var m = new byte[state.Length];
        for (int i = 0; i < m.Length; i++)
        {
            float b = state[i];
            if (b != Math.Floor(b) || b < 1 || b > Mix.MaxBits)
                throw new InvalidOperationException($"hbb: state 'bit_map' holds {b} at index {i}; allowed bitwidths are 1..{Mix.MaxBits} (checkpoint from another mix?).");
            m[i] = (byte)b;
        }
        return m;
    }

    private void StoreMap(byte[] map)
    {
        _map = map;
        if (_bitMapState is null) return;
        var s = _bitMapState.AsSpan();
        for (int i = 0; i < map.Length; i++) s[i] = map[i];
    }

    private void CheckLength(Tensor x)
    {
        if (Elements > 0 && x.Length != Elements)
            throw new ArgumentException($"hbb: input {ShapeUtil.Format(x.ShapeSpan)} has {x.Length} elements but the quantizer was created with elements = {Elements}.", nameof(x));
        if (_map is not null && Elements == 0 && _map.Length != x.Length && (IsFrozen || RecomputeFrozen))
            throw new ArgumentException($"hbb: input {ShapeUtil.Format(x.ShapeSpan)} has {x.Length} elements but the frozen bit map has {_map.Length}.", nameof(x));
    }

    private void CheckFreezable()
    {
        if (Role == "activation") throw new InvalidOperationException("hbb: activation bit maps depend on each input and cannot be frozen.");
    }
}
