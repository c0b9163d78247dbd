using Lowbit.Tensors;

namespace Lowbit.Nn.Layers;

/// <summary>Applies child modules in order; children are named "0", "1", ….</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> _layers = [];

    /// <summary>Creates the container.</summary>
    public Sequential(params Module[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        foreach (var l in layers) Add(l);
    }

    /// <summary>Appends a layer.</summary>
    public void Add(Module layer)
    {
        AddModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
    }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<Module> Layers => _layers;

    /// <summary>Sees every layer's output (e.g. an arithmetic policy that rounds it), or null.</summary>
    public ILayerOutputHook? OutputHook { get; set; }

    /// <inheritdoc/>
    /// <remarks>
    /// Without an <see cref="OutputHook"/>, a <see cref="BatchNorm"/> directly followed by a <see cref="Relu"/> runs as one
    /// op (<see cref="BatchNorm.ForwardRelu"/>), and a <see cref="Residual"/> followed by a <see cref="Relu"/> or
    /// <see cref="HardTanh"/> takes the activation into its last op (<see cref="Residual.ForwardActivated"/>), with the
    /// values and gradients of the separate layers.
    /// </remarks>
    public override Tensor Forward(Tensor x) => ForwardLayers(x, _layers.Count);

    /// <summary><see cref="Forward"/> through the first <paramref name="count"/> layers only.</summary>
    internal Tensor ForwardLayers(Tensor x, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (OutputHook is null && i + 1 < count && FusedPair(_layers[i], _layers[i + 1], x) is { } fused)
            {
                x = fused;
                i++;
                continue;
            }
            x = _layers[i].Forward(x);
            if (OutputHook is { } hook) x = hook.AfterLayer(i, _layers[i], x);
        }
        return x;
    }

    /// <summary>The output of <paramref name="first"/> then <paramref name="second"/> as one op, or null when the pair has none.</summary>
    private static Tensor? FusedPair(Module first, Module second, Tensor x) => (first, second) switch
    {
        (BatchNorm norm, Relu) => norm.ForwardRelu(x),
        (Residual block, Relu) => block.ForwardActivated(x, ClampBounds.Relu),
        (Residual block, HardTanh) => block.ForwardActivated(x, ClampBounds.HardTanh),
        _ => null,
    };

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        var s = inputShape;
        for (int i = 0; i < _layers.Count; i++)
        {
            try
            {
                s = _layers[i].OutputShape(s);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"layer {i} ({_layers[i].Describe()}): {e.Message}", e);
            }
        }
        return s;
    }

    /// <inheritdoc/>
    public override ModuleCost Cost(int[] inputShape) => new() { Branches = [Children], Output = OutputLevels.Preserve };

    /// <inheritdoc/>
    public override string Describe() => $"Sequential({_layers.Count} layers)";
}
