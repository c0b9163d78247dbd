using Lowbit.Nn;

namespace Lowbit.Hardware.ModelCost;

/// <summary>
/// Maps one module, through its own <see cref="Module.Cost"/> description, to cost rows (one per operation; none for
/// views), recursing into child chains. The rules are listed on <see cref="ModelCostMapper"/>.
/// </summary>
internal sealed class LayerMapping
{
    private readonly List<LayerCostInput> _rows = [];
    private readonly List<ModelLayerCost> _details = [];

    /// <summary>Rows in evaluation order.</summary>
    public IReadOnlyList<LayerCostInput> Rows => _rows;

    /// <summary>Per-row details, same order as <see cref="Rows"/>.</summary>
    public IReadOnlyList<ModelLayerCost> Details => _details;

    /// <summary>Maps <paramref name="module"/> at <paramref name="path"/> receiving <paramref name="state"/>; returns the state after it.</summary>
    public MappingState Map(Module module, string path, MappingState state)
    {
        var cost = Checked(() => module.Cost(state.Shape), path, module);
        var current = state;
        for (int b = 0; b < cost.Branches.Count; b++)
        {
            var s = state;
            foreach (var (name, child) in cost.Branches[b]) s = Map(child, CostWalker.Join(path, name), s);
            if (b == 0) current = s;
            else current = current.AfterFloat() with { Shape = s.Shape }; // a sum of branches is computed in float
        }

        // Children first, so that a shape error names the innermost layer.
        int[] outputShape = Checked(() => module.OutputShape(state.Shape), path, module);
        var next = cost.Output switch
        {
            OutputLevels.Float => current.AfterFloat(),
            OutputLevels.Quantize => Quantized(cost, current, path, module),
            _ => current,
        };
        foreach (var op in cost.Operations)
        {
            string rowName = RowName(path, module, op.Part);
            var row = Row(op, rowName, current, next.StoredBits);
            row.Validate();
            _rows.Add(row);
            _details.Add(new ModelLayerCost(rowName, module.Describe(), outputShape, ParametersByBits(row)));
        }

        return next with { Shape = outputShape };
    }

    private static T Checked<T>(Func<T> read, string path, Module module)
    {
        try
        {
            return read();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Layer {RowName(path, module, null)}: {e.Message}", e);
        }
    }

    private static MappingState Quantized(ModuleCost cost, MappingState current, string path, Module module)
    {
        var quantizer = cost.OutputQuantizer
            ?? throw new ArgumentException($"Layer {RowName(path, module, null)} says its output is quantized but names no quantizer.");
        var encoding = QuantizerEncoding.Activations(quantizer.Quantizer, RowName(path, module, null));
        return current with { Encoding = encoding, StoredBits = encoding.Bits };
    }

    /// <summary>"index:Type" for top-level layers ("1:Linear"), "3.body.0:Conv2d" inside containers, ".part" for multi-operation modules.</summary>
    private static string RowName(string path, Module module, string? part)
    {
        string type = module.GetType().Name + (part is null ? "" : "." + part);
        return path.Length == 0 ? type : path + ":" + type;
    }

    private static LayerCostInput Row(OperationCost op, string name, MappingState state, double outputBits)
    {
        if (op.IsWeighted)
        {
            var weights = QuantizerEncoding.Weights(op.WeightQuantizer, op.Weight!.Value, name);
            var activations = op.InputQuantizer is not null ? QuantizerEncoding.Activations(op.InputQuantizer.Quantizer, name)
                : op.FloatInput ? OperandEncoding.Float32 : state.Encoding;
            return new LayerCostInput
            {
                Name = name,
                Kind = op.Kind == OperationKind.Dense ? LayerKind.Dense : LayerKind.Conv2d,
                Weights = op.WeightElements,
                Macs = op.Macs,
                OutputPositions = op.OutputPositions,
                FanIn = op.FanIn,
                WeightEncoding = weights.Encoding,
                ActivationEncoding = activations,
                ActiveWeightsPerLevel = weights.ActivePerLevel,
                ScaleCount = weights.ScaleCount,
                OtherFloatParameters = op.OtherFloatParameters,
                ShiftIndices = op.ShiftIndices,
                ShiftIndexBits = op.ShiftIndexBits,
                OutputElements = op.OutputElements,
                OutputBits = 32,
            };
        }

        if (op.Kind == OperationKind.Lookup)
        {
            // A table look-up: the table is stored (possibly quantized), nothing is multiplied.
            var table = op.Weight is null ? new OperandDescription(OperandEncoding.Float32, null, 0) : QuantizerEncoding.Weights(op.WeightQuantizer, op.Weight.Value, name);
            return new LayerCostInput
            {
                Name = name,
                Kind = LayerKind.Other,
                Weights = op.WeightElements,
                Macs = 0,
                OutputPositions = 0,
                FanIn = 0,
                WeightEncoding = table.Encoding,
                ActivationEncoding = OperandEncoding.Float32,
                ActiveWeightsPerLevel = table.ActivePerLevel,
                ScaleCount = table.ScaleCount,
                OtherFloatParameters = op.OtherFloatParameters,
                OutputElements = op.OutputElements,
                OutputBits = outputBits,
            };
        }

        return new LayerCostInput
        {
            Name = name,
            Kind = op.Kind switch
            {
                OperationKind.Normalization => LayerKind.BatchNorm,
                OperationKind.Pool => LayerKind.Pool,
                OperationKind.Elementwise => LayerKind.Activation,
                OperationKind.Add => LayerKind.Add,
                _ => LayerKind.Other,
            },
            Weights = 0,
            Macs = 0,
            OutputPositions = 0,
            FanIn = 0,
            WeightEncoding = OperandEncoding.Float32,
            ActivationEncoding = OperandEncoding.Float32,
            OtherFloatParameters = op.OtherFloatParameters,
            OutputElements = op.OutputElements,
            OutputBits = outputBits,
        };
    }

    /// <summary>
    /// Stored parameters per bit width: weights at 32 / k / B bits, heterogeneous weights split by their own plane
    /// count (|A_b| − |A_{b+1}| weights with b bits), scales and other float parameters at 32, shift indices at their
    /// index bits.
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
        Add(row.ShiftIndexBits, row.ShiftIndices);
        return counts.ToList();
    }
}
