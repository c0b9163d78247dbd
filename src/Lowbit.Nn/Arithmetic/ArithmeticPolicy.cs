using Lowbit.Nn.Layers;
using Lowbit.Quantization.Arithmetic;
using Lowbit.Tensors;

namespace Lowbit.Nn.Arithmetic;

/// <summary>
/// Simulates low-precision training arithmetic for a <see cref="Sequential"/> model: every weighted sum z, every
/// block output y, the gradients reaching them, the weight and bias gradients, the momenta and the parameters are
/// rounded onto the formats of <see cref="ArithmeticOptions"/>, in groups that (under dynamic fixed point) each move
/// their own radix point over training.
/// </summary>
/// <remarks>
/// <para>Courbariaux, Bengio, David, "Training deep neural networks with low precision multiplications",
/// arXiv 1412.7024. A weighted layer (dense, conv2d) starts a block that runs up to the next weighted layer; its
/// groups are z (the weighted layer's output), y (the block's last output: after the activation, dropout or pooling,
/// i.e. the next layer's input or the model's output), W, b, dE/dz, dE/dy, dE/dW, dE/db and the two momenta.
/// The layers, the losses and the optimizer never see a format:</para>
/// <list type="bullet">
/// <item>forward and backward: the model calls <see cref="AfterLayer"/> on every layer output; at z and y positions
/// it inserts an op that rounds the value and, on the way back, rounds the gradient (dE/dz, dE/dy). The loss takes the
/// rounded model output, and its gradient is rounded as the last block's dE/dy. Values feeding the first weighted
/// layer (the data) are not rounded.</item>
/// <item>updates: the optimizer rounds gradients and momenta through <see cref="IUpdateArithmetic"/> and keeps a master
/// copy of each parameter at update precision; the model's parameter tensors hold the propagation copies.</item>
/// </list>
/// <para>Stochastic draws are seeded by (seed, step, group), so a run is reproducible and resumable. In evaluation
/// mode values are rounded to nearest and nothing is counted.</para>
/// </remarks>
public sealed partial class ArithmeticPolicy : ILayerOutputHook, IUpdateArithmetic
{
    private readonly Dictionary<int, Block> _zAt = [];
    private readonly Dictionary<int, Block> _yAt = [];
    private readonly Dictionary<string, (RoundingGroup Value, RoundingGroup Gradient, RoundingGroup Momentum, int Index)> _parameters = new(StringComparer.Ordinal);
    private readonly List<RoundingGroup> _groups = [];
    private readonly int _seed;
    private long _step;
    private bool _inStep;

    private sealed record Block(string Name, RoundingGroup Z, RoundingGroup Y, RoundingGroup Dz, RoundingGroup Dy,
        RoundingGroup W, RoundingGroup B, RoundingGroup DW, RoundingGroup DB, RoundingGroup VW, RoundingGroup VB);

    private ArithmeticPolicy(Sequential model, ArithmeticOptions options, int seed)
    {
        Options = options;
        _seed = seed;
        var weighted = new List<int>();
        for (int i = 0; i < model.Layers.Count; i++)
            if (model.Layers[i] is QuantizedLayer) weighted.Add(i);
        if (weighted.Count == 0)
            throw new ArgumentException("an arithmetic policy needs at least one dense or conv2d layer; this model has none.", nameof(model));
        Block? shared = null;
        for (int k = 0; k < weighted.Count; k++)
        {
            int first = weighted[k], last = k + 1 < weighted.Count ? weighted[k + 1] - 1 : model.Layers.Count - 1;
            var block = options.Groups == GroupScope.PerModel ? shared ??= NewBlock("all") : NewBlock($"L{k + 1}");
            _zAt[first] = block;
            _yAt[last] = block;
            var layer = (QuantizedLayer)model.Layers[first];
            string prefix = model.Children[first].Name + ".";
            _parameters[prefix + "weight"] = (block.W, block.DW, block.VW, _parameters.Count);
            if (layer.Bias is not null) _parameters[prefix + "bias"] = (block.B, block.DB, block.VB, _parameters.Count);
            LayerNames.Add((block.Name, $"layers.{first} {layer.Describe()}"));
        }
        foreach (var (name, _) in model.NamedParameters())
            if (!_parameters.ContainsKey(name))
                throw new ArgumentException($"parameter '{name}' is not a dense or conv2d weight or bias; arithmetic formats cover only those " +
                    "(remove batch norm, learnable quantizers and other parameterised layers, or train without an \"arithmetic\" block).", nameof(model));
    }

    /// <summary>Attaches a policy to <paramref name="model"/> (as its output hook) and returns it.</summary>
    /// <param name="model">The model (a root <see cref="Sequential"/>: parameter names are its own).</param>
    /// <param name="options">Formats and settings.</param>
    /// <param name="seed">Seed of stochastic rounding.</param>
    /// <exception cref="ArgumentException">The model has no weighted layer, or parameters outside dense/conv2d layers.</exception>
    public static ArithmeticPolicy Attach(Sequential model, ArithmeticOptions options, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var policy = new ArithmeticPolicy(model, options, seed);
        model.OutputHook = policy;
        return policy;
    }

    /// <summary>The formats and settings.</summary>
    public ArithmeticOptions Options { get; }

    /// <inheritdoc/>
    public double LossScale => Options.LossScale;

    /// <summary>Block names ("L1", ... or "all") with the layer each starts at.</summary>
    public List<(string Block, string Layer)> LayerNames { get; } = [];

    /// <summary>
    /// True during range initialisation: nothing is rounded, dynamic groups only count overflows and move their radix
    /// points (the paper trains a few epochs at high precision to find initial radix points).
    /// </summary>
    public bool MeasureOnly { get; set; }

    /// <summary>Group names with their current integer bits (fixed-point groups only), in a stable order.</summary>
    public IReadOnlyList<(string Group, int IntegerBits, bool Dynamic)> RadixPoints() =>
        _groups.Where(g => g.Format is FixedPointFormat || g.CopyFormat is FixedPointFormat)
            .Select(g => (g.Name, g.Format is FixedPointFormat ? g.IntegerBits(g.Format) : g.IntegerBits(g.CopyFormat!), g.Tracker is not null))
            .ToList();

    /// <summary>Every group's name and format (for parameters "stored / propagation copy").</summary>
    public IReadOnlyList<(string Group, string Format)> Formats() =>
        _groups.Select(g => (g.Name, g.CopyFormat is null ? g.Format.Name : $"{g.Format.Name} / {g.CopyFormat.Name}")).ToList();

    /// <summary>Starts training step <paramref name="step"/>: from now until <see cref="EndStep"/> overflows are counted.</summary>
    public void BeginStep(long step)
    {
        _step = step;
        _inStep = true;
    }

    /// <summary>Ends the step; returns the radix-point updates of groups whose window ended.</summary>
    public IReadOnlyList<(string Group, RadixUpdate Update)> EndStep()
    {
        _inStep = false;
        var updates = new List<(string, RadixUpdate)>();
        foreach (var g in _groups)
            if (g.Tracker?.EndStep() is { } u) updates.Add((g.Name, u));
        return updates;
    }

    /// <summary>The radix-point state of every dynamic group (between steps), for checkpoints.</summary>
    public IReadOnlyDictionary<string, RadixTrackerState> SaveState() =>
        _groups.Where(g => g.Tracker is not null).ToDictionary(g => g.Name, g => g.Tracker!.Save(), StringComparer.Ordinal);

    /// <summary>Restores <see cref="SaveState"/>; every dynamic group must be present.</summary>
    /// <exception cref="ArgumentException">A group is missing or unknown.</exception>
    public void LoadState(IReadOnlyDictionary<string, RadixTrackerState> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var dynamic = _groups.Where(g => g.Tracker is not null).ToList();
        foreach (var g in dynamic)
        {
            if (!state.TryGetValue(g.Name, out var s)) throw new ArgumentException($"saved arithmetic state lacks group '{g.Name}'.", nameof(state));
            g.Tracker!.Load(s);
        }
        foreach (var name in state.Keys)
            if (dynamic.All(g => g.Name != name))
                throw new ArgumentException($"saved arithmetic state has unknown group '{new string(name.Take(60).Select(c => char.IsControl(c) ? '?' : c).ToArray())}{(name.Length > 60 ? "..." : "")}'.", nameof(state));
    }

    /// <summary>Puts every dynamic group back at its format's starting integer bits with an empty window.</summary>
    public void ResetRadixPoints()
    {
        foreach (var g in _groups) g.Tracker?.Reset(g.TrackedFormat!.IntegerBits);
    }

    /// <inheritdoc/>
    public Tensor AfterLayer(int index, Module layer, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(output);
        if (_zAt.TryGetValue(index, out var b)) output = RoundOp(output, b.Z, b.Dz, layer.Training);
        if (_yAt.TryGetValue(index, out b)) output = RoundOp(output, b.Y, b.Dy, layer.Training);
        return output;
    }

    private Tensor RoundOp(Tensor x, RoundingGroup value, RoundingGroup gradient, bool training)
    {
        if (value.Format.IsIdentity && gradient.Format.IsIdentity) return x;
        var forward = Call(value, training, 0);
        var backward = Call(gradient, training, 1);
        return Tensor.MapWithGradient(x, (s, d) => value.Round(s, d, value.Format, forward), (s, d) => gradient.Round(s, d, gradient.Format, backward),
            "round " + value.Name);
    }

    private RoundingCall Call(RoundingGroup group, bool training, int salt) =>
        new(_inStep && training, training && !MeasureOnly ? Seed(group, salt) : null, MeasureOnly);

    /// <summary>A 32-bit seed from (seed, step, group, salt: which use of the group) with SplitMix64 finalisation.</summary>
    private uint Seed(RoundingGroup group, int salt)
    {
        ulong z = (ulong)(uint)_seed * 0x9E3779B97F4A7C15UL ^ (ulong)_step * 0xD1B54A32D192ED03UL ^ (ulong)group.Index * 0x8CB92BA72F3D8DD7UL
            ^ (ulong)(uint)salt * 0xF1357AEA2E62A9C5UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (uint)(z ^ (z >> 31));
    }

    /// <summary>The ten groups of a block, created in <see cref="Quantity"/> order.</summary>
    private Block NewBlock(string name)
    {
        var g = Enum.GetValues<Quantity>().Select(q =>
        {
            var copy = q is Quantity.Weight or Quantity.Bias ? Options.Propagation : null;
            var group = new RoundingGroup($"{name}/{QuantityNames.Name(q)}", _groups.Count, Options.FormatOf(q), copy);
            _groups.Add(group);
            return group;
        }).ToArray();
        return new Block(name, g[(int)Quantity.WeightedSum], g[(int)Quantity.Output], g[(int)Quantity.WeightedSumGradient], g[(int)Quantity.OutputGradient],
            g[(int)Quantity.Weight], g[(int)Quantity.Bias], g[(int)Quantity.WeightGradient], g[(int)Quantity.BiasGradient],
            g[(int)Quantity.WeightMomentum], g[(int)Quantity.BiasMomentum]);
    }
}
