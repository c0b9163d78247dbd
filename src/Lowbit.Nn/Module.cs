using Lowbit.Tensors;

namespace Lowbit.Nn;

/// <summary>
/// A node of a model tree: owns parameters, buffers (non-learnable state) and child modules under stable names,
/// so that state dicts and per-layer configuration address them as "features.0.weight".
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Parameter Parameter)> _parameters = [];
    private readonly List<(string Name, Tensor Buffer)> _buffers = [];
    private readonly List<(string Name, Module Module)> _children = [];

    /// <summary>True in training mode (batch statistics, dropout, stochastic quantizers sample).</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Generator for stochastic behaviour during the current step (set by <see cref="SetRandom"/>).</summary>
    public Random? Random { get; private set; }

    /// <summary>Computes the module's output.</summary>
    public abstract Tensor Forward(Tensor x);

    /// <summary>Output shape for a given input shape excluding the batch dimension (for summaries and validation).</summary>
    public abstract int[] OutputShape(int[] inputShape);

    /// <summary>
    /// What the module computes per example for per-example input shape <paramref name="inputShape"/> (excluding the
    /// batch dimension): its operations with weights, quantizers, MACs and sizes, its child chains, and how its output
    /// values relate to its input. Cost models, statistics, regularisers and warnings read this instead of testing for
    /// concrete layer classes, so a new layer declares its cost rule here, beside its shape rule.
    /// </summary>
    /// <param name="inputShape">Per-example input shape; must be accepted by <see cref="OutputShape"/>.</param>
    /// <returns>The description.</returns>
    /// <exception cref="ArgumentException">The input shape does not fit the module.</exception>
    public abstract ModuleCost Cost(int[] inputShape);

    /// <summary>Short description for summaries, e.g. "Linear(784 → 1024)".</summary>
    public virtual string Describe() => GetType().Name;

    /// <summary>
    /// Smallest batch this module can train on: 1 for most; 2 for layers that normalise with batch statistics, whose
    /// variance over a single example is undefined. Trainers use it to decide the last-batch policy.
    /// </summary>
    public virtual int MinimumTrainingBatch => 1;

    /// <summary>Registers a learnable tensor.</summary>
    protected Parameter AddParameter(string name, Tensor value)
    {
        CheckName(name);
        var p = new Parameter(value);
        _parameters.Add((name, p));
        return p;
    }

    /// <summary>Registers non-learnable state that is saved in checkpoints (running statistics, bit maps).</summary>
    protected Tensor AddBuffer(string name, Tensor value)
    {
        CheckName(name);
        _buffers.Add((name, value));
        return value;
    }

    /// <summary>Registers a child module.</summary>
    protected T AddModule<T>(string name, T module) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckName(name);
        _children.Add((name, module));
        return module;
    }

    private void CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Contains('.', StringComparison.Ordinal)) throw new ArgumentException($"Name '{name}' must not contain '.'.", nameof(name));
        if (_parameters.Any(p => p.Name == name) || _buffers.Any(b => b.Name == name) || _children.Any(c => c.Name == name))
            throw new ArgumentException($"{GetType().Name} already has a member named '{name}'.", nameof(name));
    }

    /// <summary>Direct children.</summary>
    public IReadOnlyList<(string Name, Module Module)> Children => _children;

    /// <summary>This module's own parameters (not its children's).</summary>
    protected IReadOnlyList<(string Name, Parameter Parameter)> OwnParameters => _parameters;

    /// <summary>All parameters of the tree with dotted names.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters(string prefix = "")
    {
        foreach (var (n, p) in _parameters) yield return (prefix + n, p);
        foreach (var (n, c) in _children)
            foreach (var item in c.NamedParameters(prefix + n + ".")) yield return item;
    }

    /// <summary>All buffers of the tree with dotted names.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(string prefix = "")
    {
        foreach (var (n, b) in _buffers) yield return (prefix + n, b);
        foreach (var (n, c) in _children)
            foreach (var item in c.NamedBuffers(prefix + n + ".")) yield return item;
    }

    /// <summary>This module and all descendants, depth first, with dotted names ("" for the root).</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix.TrimEnd('.'), this);
        foreach (var (n, c) in _children)
            foreach (var item in c.NamedModules(prefix + n + ".")) yield return item;
    }

    /// <summary>All parameters.</summary>
    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>Parameters and buffers by dotted name (tensors are shared, not copied).</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (n, p) in NamedParameters()) d.Add(n, p.Value);
        foreach (var (n, b) in NamedBuffers()) d.Add(n, b);
        return d;
    }

    /// <summary>Copies values from a state dict; every key must match by name and shape (strict).</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var own = StateDict();
        var missing = own.Keys.Where(k => !state.ContainsKey(k)).ToList();
        if (missing.Count > 0) throw new ArgumentException($"State dict lacks '{missing[0]}' ({missing.Count} missing entries).", nameof(state));
        var extra = state.Keys.Where(k => !own.ContainsKey(k)).ToList();
        if (extra.Count > 0) throw new ArgumentException($"State dict has unexpected entry '{extra[0]}' for this model.", nameof(state));
        foreach (var (k, t) in own)
        {
            var src = state[k];
            if (!src.ShapeSpan.SequenceEqual(t.ShapeSpan))
                throw new ArgumentException($"State dict entry '{k}' has shape {ShapeUtil.Format(src.ShapeSpan)} but the model expects {ShapeUtil.Format(t.ShapeSpan)}.", nameof(state));
            t.CopyFrom(src);
        }
        foreach (var (name, module) in NamedModules())
            if (module.FindInvalidState() is { } problem)
                throw new ArgumentException($"State dict entries of '{(name.Length == 0 ? "the model" : name)}' are unusable: {problem}.", nameof(state));
    }

    /// <summary>
    /// After <see cref="LoadStateDict"/>: the first of this module's own values it cannot work with (a negative running
    /// variance, a non-positive learned scale), or null. Children are checked separately.
    /// </summary>
    protected virtual string? FindInvalidState() => null;

    /// <summary>Sets training mode on the whole tree.</summary>
    public void Train(bool on = true)
    {
        foreach (var (_, m) in NamedModules()) m.Training = on;
    }

    /// <summary>Sets evaluation mode on the whole tree.</summary>
    public void Eval() => Train(false);

    /// <summary>Gives the whole tree a generator for the next step (dropout, stochastic quantizers).</summary>
    public void SetRandom(Random? random)
    {
        foreach (var (_, m) in NamedModules()) m.Random = random;
    }

    /// <summary>
    /// Tells every module of the tree where training is (the trainer calls this before each step and each evaluation);
    /// modules with per-step schedules override <see cref="OnProgress"/>.
    /// </summary>
    public void SetProgress(TrainingProgress progress)
    {
        foreach (var (_, m) in NamedModules()) m.OnProgress(progress);
    }

    /// <summary>Follows training progress (e.g. sets an annealed temperature); the default does nothing.</summary>
    protected virtual void OnProgress(TrainingProgress progress)
    {
    }

    /// <summary>Clears all gradients.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }

    /// <summary>Sum of regularisation terms of the tree (e.g. BNN+'s pull toward ±α), or null when none.</summary>
    public Tensor? Regularization()
    {
        Tensor? total = null;
        foreach (var (_, m) in NamedModules())
        {
            var r = m.OwnRegularization();
            if (r is not null) total = total is null ? r : Tensor.Add(total, r);
        }
        return total;
    }

    /// <summary>This module's own regularisation term (without children).</summary>
    protected virtual Tensor? OwnRegularization() => null;

    /// <summary>Converts every parameter and buffer to <paramref name="type"/> (Float64 for gradient checks).</summary>
    public void ConvertTo(DType type)
    {
        foreach (var (_, m) in NamedModules()) m.ConvertOwn(type);
    }

    /// <summary>Converts this module's own tensors; overrides must call the base.</summary>
    protected virtual void ConvertOwn(DType type)
    {
        foreach (var (_, p) in _parameters) p.Value = p.Value.Detach().To(type);
        for (int i = 0; i < _buffers.Count; i++)
        {
            var converted = _buffers[i].Buffer.To(type);
            _buffers[i] = (_buffers[i].Name, converted);
            OnBufferReplaced(_buffers[i].Name, converted);
        }
    }

    /// <summary>Called when a buffer was replaced (type conversion); modules holding a field to it update it.</summary>
    protected virtual void OnBufferReplaced(string name, Tensor value)
    {
    }

    /// <summary>Called after training steps modify parameters (e.g. to refresh cached quantized weights).</summary>
    public virtual void AfterStep()
    {
    }
}
