using Lowbit.Nn;
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

    /// <summary>Applies one update to every parameter that has a gradient, then its clipping.</summary>
    public void Step()
    {
        StepCount++;
        foreach (var (name, p) in _parameters)
        {
            if (p.Grad is null) continue;
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
    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _state.Clear();
        foreach (var (k, v) in state)
        {
            if (k == "step") StepCount = (long)v.Item();
            else _state[k] = v.Clone();
        }
    }
}
