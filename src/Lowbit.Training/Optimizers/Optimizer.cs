using Lowbit.Nn;
using Lowbit.Nn.Arithmetic;
using Lowbit.Tensors;

namespace Lowbit.Training.Optimizers;

/// <summary>
/// Base of all optimizers: applies an update rule to each Float32 parameter that has a gradient, using the
/// learning rate times the parameter's <see cref="Parameter.LearningRateScale"/>, then applies the parameter's
/// latent-weight clipping. State (moments) is exposed by name for checkpoints so a resumed run is exact.
/// </summary>
public abstract class Optimizer
{
    private readonly List<(string Name, Parameter Parameter)> _parameters;
    private readonly Dictionary<string, Tensor> _state = new(StringComparer.Ordinal);

    /// <summary>Creates the optimizer over named parameters.</summary>
    protected Optimizer(IEnumerable<(string Name, Parameter Parameter)> parameters, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters.ToList();
        foreach (var (name, p) in _parameters)
            if (p.Value.DType != DType.Float32)
                throw new ArgumentException($"Optimizers update Float32 parameters; '{name}' is {p.Value.DType}.", nameof(parameters));
        LearningRate = learningRate;
    }

    /// <summary>Base learning rate (schedules set it each epoch).</summary>
    public double LearningRate
    {
        get;
        set => field = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Learning rate must be positive and finite.");
    }

    /// <summary>Number of steps taken.</summary>
    public long StepCount { get; private set; }

    /// <summary>The parameters this optimizer updates.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> NamedParameters => _parameters;

    /// <summary>The arithmetic policy gradients, momenta and parameters are rounded through, or null.</summary>
    protected IUpdateArithmetic? Arithmetic { get; private set; }

    /// <summary>
    /// Whether this optimizer rounds all of its state through an arithmetic policy (<see cref="UseArithmetic"/>);
    /// optimizers whose state the policy has no format for (Adam's moment estimates) say false.
    /// </summary>
    protected virtual bool SupportsArithmetic => false;

    /// <summary>
    /// From now on rounds every gradient (before use), momentum buffer (after its update) and parameter (after the
    /// update) through <paramref name="arithmetic"/>, and keeps a master copy of each parameter at update precision in
    /// the optimizer state ("master:name"); the parameter tensors then hold the propagation copies the model computes
    /// with. Stores the current parameters once, so the first forward pass already uses rounded values.
    /// </summary>
    /// <exception cref="ArgumentException">This optimizer cannot round its state, or a parameter is not covered.</exception>
    public void UseArithmetic(IUpdateArithmetic arithmetic)
    {
        ArgumentNullException.ThrowIfNull(arithmetic);
        if (!SupportsArithmetic)
            throw new ArgumentException($"{GetType().Name} keeps state that arithmetic formats do not cover; low-precision arithmetic training uses the sgd optimizer (with or without momentum).", nameof(arithmetic));
        foreach (var (name, _) in _parameters)
            if (!arithmetic.Covers(name)) throw new ArgumentException($"parameter '{name}' is not covered by the arithmetic policy.", nameof(arithmetic));
        CheckArithmetic(arithmetic);
        Arithmetic = arithmetic;
        foreach (var (name, p) in _parameters)
        {
            var master = StateTensor("master", name, p.Value.Length);
            p.Value.AsSpan().CopyTo(master.AsSpan());
            arithmetic.Store(name, master, p.Value, 0, p.Value.Length);
        }
    }

    /// <summary>Lets an optimizer refuse settings it cannot combine with <paramref name="arithmetic"/> (e.g. a loss scale with weight decay).</summary>
    protected virtual void CheckArithmetic(IUpdateArithmetic arithmetic)
    {
    }

    /// <summary>
    /// Gradient clipping by global norm (Pascanu et al., arXiv 1211.5063): before each update, when the L2 norm of all
    /// gradients together exceeds this value, every gradient is multiplied by max/norm. Null (the default) disables it.
    /// </summary>
    public double? MaxGradientNorm
    {
        get;
        set => field = value is null || (value > 0 && double.IsFinite(value.Value)) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Gradient clipping norm must be positive and finite.");
    }

    /// <summary>Global L2 norm of the gradients at the last <see cref="Step"/> (before clipping); NaN before the first step.</summary>
    public double LastGradientNorm { get; private set; } = double.NaN;

    /// <summary>Applies one update to every parameter that has a gradient, then its clipping.</summary>
    public void Step()
    {
        StepCount++;
        ClipGradientNorm();
        foreach (var (name, p) in _parameters)
        {
            if (p.Grad is null) continue;
            if (Arithmetic is { } arithmetic)
            {
                StepWithArithmetic(name, p, arithmetic);
                continue;
            }
            var value = p.Value.AsSpan();
            var grad = p.Grad.AsSpan();
            if (p.PlainGradient)
            {
                // value −= lr·g (Parameter.PlainGradient): no optimizer state, no weight decay.
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(grad, (float)-(LearningRate * p.LearningRateScale), value, value);
                if (p.Clip is { } pc) Clip(p.Value, (float)pc.Min, (float)pc.Max);
                continue;
            }
            Update(name, p, value, grad, LearningRate * p.LearningRateScale);
            if (p.Clip is { } c && !ClipsInUpdate) Clip(p.Value, (float)c.Min, (float)c.Max);
        }
    }

    /// <summary>One update through the arithmetic policy, with the learning rate divided by the loss scale the gradient carries.</summary>
    private void StepWithArithmetic(string name, Parameter p, IUpdateArithmetic arithmetic) =>
        UpdateWithArithmetic(name, p, StateTensor("master", name, p.Value.Length), LearningRate * p.LearningRateScale / arithmetic.LossScale, arithmetic);

    /// <summary>Computes the global gradient norm (in parameter order, double precision) and rescales when it exceeds <see cref="MaxGradientNorm"/>.</summary>
    private void ClipGradientNorm()
    {
        if (MaxGradientNorm is not double max)
        {
            LastGradientNorm = double.NaN;
            return;
        }

        double sum = 0;
        foreach (var (_, p) in _parameters)
        {
            if (p.Grad is null) continue;
            double s = System.Numerics.Tensors.TensorPrimitives.SumOfSquares(p.Grad.AsSpan());
            sum += s;
        }

        // Under an arithmetic policy with loss scaling the gradients carry the loss scale; the norm is of dE/dW itself.
        double norm = Math.Sqrt(sum) / (Arithmetic?.LossScale ?? 1.0);
        LastGradientNorm = norm;
        if (!(norm > max)) return; // also leaves NaN gradients alone: the trainer reports a NaN loss
        // New tensors rather than in-place scaling: two parameters' gradients may share storage (e.g. both operands of an Add).
        double scale = max / norm;
        foreach (var (_, p) in _parameters)
            if (p.Grad is not null) p.Value.Grad = Tensor.MulScalar(p.Grad, scale);
    }

    /// <summary>
    /// Rounds dE/dW, starts from the master copy, updates, clips, and stores at update and propagation precision.
    /// Optimizers that round their own state (momentum) override this and run every pass block by block.
    /// </summary>
    /// <param name="name">Parameter name.</param>
    /// <param name="p">The parameter (its value holds the propagation copy, its gradient dE/dW).</param>
    /// <param name="master">Master copy at update precision.</param>
    /// <param name="learningRate">Effective learning rate (already divided by the loss scale).</param>
    /// <param name="arithmetic">The policy.</param>
    protected virtual void UpdateWithArithmetic(string name, Parameter p, Tensor master, double learningRate, IUpdateArithmetic arithmetic)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(master);
        ArgumentNullException.ThrowIfNull(arithmetic);
        int n = p.Value.Length;
        arithmetic.RoundGradient(name, p.Grad!, 0, n);
        var value = p.Value.AsSpan();
        master.AsSpan().CopyTo(value);
        Update(name, p, value, p.Grad!.AsSpan(), learningRate);
        if (p.Clip is { } c && !ClipsInUpdate) Clip(p.Value, (float)c.Min, (float)c.Max);
        arithmetic.Store(name, master, p.Value, 0, n);
    }

    /// <summary>
    /// True when <see cref="Update"/> applies <see cref="Parameter.Clip"/> itself (per chunk, while the values are
    /// still in cache) instead of leaving it to a separate pass after the update; the result is the same.
    /// </summary>
    protected virtual bool ClipsInUpdate => false;

    /// <summary>Minimum elements per parallel chunk of an elementwise update.</summary>
    protected const int ParallelGrain = 32768;

    private static void Clip(Tensor value, float min, float max)
    {
        Compute.For(value.Length, ParallelGrain, 16, (start, end) =>
        {
            var v = value.AsSpan().Slice(start, end - start);
            System.Numerics.Tensors.TensorPrimitives.Max(v, min, v);
            System.Numerics.Tensors.TensorPrimitives.Min(v, max, v);
        });
    }

    /// <summary>Updates one parameter in place.</summary>
    /// <param name="name">Parameter name (key for state).</param>
    /// <param name="parameter">The parameter (for its decay flag).</param>
    /// <param name="value">Values to update.</param>
    /// <param name="grad">Gradient (read only by contract).</param>
    /// <param name="learningRate">Effective learning rate for this parameter.</param>
    protected abstract void Update(string name, Parameter parameter, Span<float> value, Span<float> grad, double learningRate);

    /// <summary>Clears gradients of all parameters.</summary>
    public void ZeroGrad()
    {
        foreach (var (_, p) in _parameters) p.ZeroGrad();
    }

    /// <summary>A named state buffer for a parameter, created zero-filled (or filled) on first use.</summary>
    protected Span<float> StateBuffer(string kind, string parameterName, int length, float initial = 0f)
        => StateTensor(kind, parameterName, length, initial).AsSpan();

    /// <summary>The tensor behind <see cref="StateBuffer"/> (for updates that split the work across threads).</summary>
    protected Tensor StateTensor(string kind, string parameterName, int length, float initial = 0f)
    {
        string key = kind + ":" + parameterName;
        if (!_state.TryGetValue(key, out var t))
        {
            t = Tensor.Zeros(length);
            if (initial != 0f) t.Fill(initial);
            _state[key] = t;
        }
        return t;
    }

    /// <summary>A snapshot (copies) of the optimizer state for checkpoints: moments by key, plus the step count.</summary>
    public IReadOnlyDictionary<string, Tensor> State()
    {
        var d = _state.ToDictionary(kv => kv.Key, kv => kv.Value.Clone(), StringComparer.Ordinal);
        d["step"] = Tensor.Scalar(StepCount, DType.Float64);
        return d;
    }

    /// <summary>Restores state saved by <see cref="State"/>.</summary>
    /// <exception cref="ArgumentException">An entry is not "step" (a whole non-negative float64 scalar) or
    /// "kind:parameter" for one of this optimizer's parameters with a float32 vector of the parameter's length.</exception>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var lengths = _parameters.ToDictionary(p => p.Name, p => p.Parameter.Value.Length, StringComparer.Ordinal);
        long step = 0;
        foreach (var (k, v) in state)
        {
            if (k == "step")
            {
                double s = v.Length == 1 ? v.Item() : double.NaN;
                if (!(s >= 0 && s <= long.MaxValue / 2 && s == Math.Floor(s))) throw new ArgumentException($"Optimizer entry 'step' must be one whole number ≥ 0.", nameof(state));
                step = (long)s;
                continue;
            }
            int colon = k.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !lengths.TryGetValue(k[(colon + 1)..], out int length))
                throw new ArgumentException($"Optimizer entry '{k}' names no parameter of this model.", nameof(state));
            if (v.DType != DType.Float32 || v.Rank != 1 || v.Length != length)
                throw new ArgumentException($"Optimizer entry '{k}' is {v.DType} {ShapeUtil.Format(v.ShapeSpan)}; the parameter needs Float32 [{length}].", nameof(state));
        }
        _state.Clear();
        foreach (var (k, v) in state)
            if (k != "step") _state[k] = v.Clone();
        StepCount = step;
    }
}
