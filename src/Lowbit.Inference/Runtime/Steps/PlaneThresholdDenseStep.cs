using Lowbit.Inference.Format;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Kind 4 (<see cref="PlaneThresholdDenseLayer"/>): each unit's output code decided from the exact code products when
/// no threshold lies within the bound of the estimate (<see cref="LevelDecision"/>), else from the float32 dot product
/// recomputed in the model's operation order (<see cref="ThresholdReplay"/>).
/// </summary>
internal sealed class PlaneThresholdDenseStep(PlaneThresholdDenseLayer layer, StepContext context) : PlaneDenseStep(layer, context)
{
    private readonly PlaneThresholdDenseLayer _layer = layer;
    private readonly List<int> _pending = [];
    private float[] _replayWeights = [];

    public override void Run(scoped in StepIO io)
    {
        int m = io.Images, n = _layer.InFeatures, units = _layer.OutFeatures;
        var products = Products(io.InputBytes, m);
        for (int i = 0; i < m; i++)
            DecideRow(io.InputBytes.Slice(i * n, n), products.Slice(i * units, units), io.OutputBytes.Slice(i * units, units));
    }

    private void DecideRow(ReadOnlySpan<byte> codes, ReadOnlySpan<long> products, Span<byte> outCodes)
    {
        int levels = _layer.ThresholdsPerUnit;
        var (inputSum, absSum) = InputSums(codes);
        double inputTerm = InputCoefficient * inputSum, bound = Bound(absSum);
        _pending.Clear();
        for (int j = 0; j < products.Length; j++)
        {
            double y = ProductCoefficient * products[j] + UnitOffset[j] + inputTerm;
            outCodes[j] = (byte)LevelDecision.Code(y, bound + 1e-12 * Math.Abs(y), _layer.Negated[j], _layer.Thresholds.AsSpan(j * levels, levels), out bool undecided);
            if (undecided) _pending.Add(j);
        }
        if (_pending.Count == 0) return;
        int n = _layer.InFeatures;
        ThresholdReplay.Decide(_layer.InputLevels, codes, WeightsFloat, Dot, _pending, _layer.Thresholds, _layer.Negated, levels,
            Context.Scratch.Floats(0, n), Context.Scratch.Floats(1, _pending.Count), ref _replayWeights, outCodes);
        Context.Counters.Replays += _pending.Count;
    }
}
