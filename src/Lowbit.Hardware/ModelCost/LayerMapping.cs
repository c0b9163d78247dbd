using Lowbit.Nn;
using Lowbit.Nn.Layers;

namespace Lowbit.Hardware.ModelCost;

/// <summary>One module → one cost row (or none for views / identities); the rules are listed on <see cref="ModelCostMapper"/>.</summary>
internal static class LayerMapping
{
    private const string Supported = "Linear, Conv2d, BatchNorm, ShiftBatchNorm, MaxPool2d, AvgPool2d, QuantActivation, Relu, HardTanh, Flatten, Dropout";

    /// <summary>Maps <paramref name="module"/>; null for modules without a row (flatten, dropout).</summary>
    public static (LayerCostInput Row, IReadOnlyList<KeyValuePair<int, long>> Parameters, MappingState Next)? Map(
        Module module, string name, MappingState state, int[] outputShape) => module switch
    {
        Flatten or Dropout => null,
        Linear linear => MapLinear(linear, name, state),
        Conv2d conv => MapConv(conv, name, state, outputShape),
        BatchNorm bn => MapBatchNorm(name, bn.Features, bn.Gamma is not null, state, outputShape),
        ShiftBatchNorm sbn => MapBatchNorm(name, sbn.Features, sbn.Gamma is not null, state, outputShape),
        MaxPool2d => MapPool(name, outputShape, state), // the max of quantized values is one of them
        AvgPool2d => MapPool(name, outputShape, state.AfterFloat()),
        QuantActivation activation => MapQuantActivation(activation, name, state, outputShape),
        Relu or HardTanh => (Elementwise(name, outputShape, state.StoredBits), [], state),
        _ => throw new ArgumentException(
            $"Layer {name} ({module.Describe()}) has no cost mapping; supported modules: {Supported}."),
    };

    private static (LayerCostInput, IReadOnlyList<KeyValuePair<int, long>>, MappingState) MapLinear(Linear layer, string name, MappingState state)
    {
        var weights = QuantizerEncoding.Weights(layer.WeightQuantizer, layer.Weight.Value, name);
        var activations = InputEncoding(layer.InputQuantizer, state, name);
        long otherFloats = (layer.Bias?.Value.Length ?? 0) + LearnedElements(layer.InputQuantizer);
        var row = LayerCostInput.Dense(name, layer.InFeatures, layer.OutFeatures, weights.Encoding, activations, 32, weights.ActivePerLevel)
            with { ScaleCount = weights.ScaleCount, OtherFloatParameters = otherFloats };
        return (row, ParametersByBits(row), state.AfterFloat());
    }

    private static (LayerCostInput, IReadOnlyList<KeyValuePair<int, long>>, MappingState) MapConv(Conv2d layer, string name, MappingState state, int[] outputShape)
    {
        var weights = QuantizerEncoding.Weights(layer.WeightQuantizer, layer.Weight.Value, name);
        var activations = InputEncoding(layer.InputQuantizer, state, name);
        long otherFloats = (layer.Bias?.Value.Length ?? 0) + LearnedElements(layer.InputQuantizer);
        // outputShape: [outChannels, outHeight, outWidth]
        var row = LayerCostInput.Conv2d(
                name, layer.InChannels, layer.OutChannels, layer.KernelSize, layer.KernelSize, outputShape[1], outputShape[2],
                weights.Encoding, activations, 32, activeWeightsPerLevel: weights.ActivePerLevel)
            with { ScaleCount = weights.ScaleCount, OtherFloatParameters = otherFloats };
        return (row, ParametersByBits(row), state.AfterFloat());
    }

    private static (LayerCostInput, IReadOnlyList<KeyValuePair<int, long>>, MappingState) MapBatchNorm(
        string name, int features, bool affine, MappingState state, int[] outputShape)
    {
        // [features] after a dense layer (1 position) or [channels, height, width] after a convolution.
        long positions = Elements(outputShape) / features;
        long parameters = (affine ? 4L : 2L) * features; // γ, β (if affine), running mean, running variance
        var row = LayerCostInput.BatchNorm(name, features, positions, 32) with { OtherFloatParameters = parameters };
        return (row, ParametersByBits(row), state.AfterFloat());
    }

    private static (LayerCostInput, IReadOnlyList<KeyValuePair<int, long>>, MappingState) MapPool(
        string name, int[] outputShape, MappingState next)
    {
        // outputShape: [channels, outHeight, outWidth]
        var row = LayerCostInput.Pool(name, outputShape[0], outputShape[1], outputShape[2], next.StoredBits);
        return (row, [], next);
    }

    private static (LayerCostInput, IReadOnlyList<KeyValuePair<int, long>>, MappingState) MapQuantActivation(
        QuantActivation activation, string name, MappingState state, int[] outputShape)
    {
        var encoding = QuantizerEncoding.Activations(activation.Quantizer.Quantizer, name);
        long learned = LearnedElements(activation.Quantizer);
        var row = Elementwise(name, outputShape, encoding.Bits) with { OtherFloatParameters = learned };
        return (row, ParametersByBits(row), state with { Encoding = encoding, StoredBits = encoding.Bits });
    }

    private static LayerCostInput Elementwise(string name, int[] outputShape, double outputBits) => new()
    {
        Name = name,
        Kind = LayerKind.Activation,
        Weights = 0,
        Macs = 0,
        OutputPositions = 0,
        FanIn = 0,
        WeightEncoding = OperandEncoding.Float32,
        ActivationEncoding = OperandEncoding.Float32,
        OutputElements = Elements(outputShape),
        OutputBits = outputBits,
    };

    private static OperandEncoding InputEncoding(QuantizerModule? inputQuantizer, MappingState state, string name) =>
        inputQuantizer is null ? state.Encoding : QuantizerEncoding.Activations(inputQuantizer.Quantizer, name);

    private static long LearnedElements(QuantizerModule? module) =>
        module?.Quantizer.LearnableTensors.Sum(t => (long)t.Value.Length) ?? 0;

    private static long Elements(int[] shape) => shape.Aggregate(1L, (p, d) => checked(p * d));

    /// <summary>
    /// Stored parameters per bit width: weights at 32 / k / B bits, heterogeneous weights split by their own plane
    /// count (|A_b| − |A_{b+1}| weights with b bits), scales and other float parameters at 32.
    /// </summary>
    internal static IReadOnlyList<KeyValuePair<int, long>> ParametersByBits(LayerCostInput row)
    {
        var counts = new SortedDictionary<int, long>();
        void Add(int bits, long count)
        {
            if (count > 0)
            {
                counts[bits] = counts.GetValueOrDefault(bits) + count;
            }
        }

        if (row.ActiveWeightsPerLevel is { } active)
        {
            for (int b = 1; b <= active.Count; b++)
            {
                Add(b, active[b - 1] - (b < active.Count ? active[b] : 0));
            }
        }
        else
        {
            Add(row.WeightEncoding.Bits, row.Weights);
        }

        Add(32, row.ScaleCount + row.OtherFloatParameters);
        return counts.ToList();
    }
}
