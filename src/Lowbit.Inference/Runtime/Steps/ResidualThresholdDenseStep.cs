using Lowbit.Inference.Format;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Kind 6 (<see cref="ResidualThresholdDenseLayer"/>): each unit's output code decided from the integer estimate when
/// no threshold lies within the bound (<see cref="LevelDecision"/>), else from the float32 dot product recomputed in
/// the model's operation order (<see cref="ThresholdReplay"/>).
/// </summary>
internal sealed class ResidualThresholdDenseStep(ResidualThresholdDenseLayer layer, StepContext context) : ResidualDenseStep(layer, context)
{
    private readonly ResidualThresholdDenseLayer _layer = layer;
    private readonly List<int> _pending = [];
    private float[] _replayWeights = [];

    public override void Run(scoped in StepIO io)
    {
        int m = io.Images, n = _layer.InFeatures, units = _layer.OutFeatures;
        var estimates = Context.Scratch.Doubles(0, m * units);
        Estimates(io.InputBytes, m, estimates);
        for (int i = 0; i < m; i++)
            DecideRow(io.InputBytes.Slice(i * n, n), estimates.Slice(i * units, units), io.OutputBytes.Slice(i * units, units));
    }

    private void DecideRow(ReadOnlySpan<byte> codes, ReadOnlySpan<double> estimates, Span<byte> outCodes)
    {
        int levels = _layer.ThresholdsPerUnit;
        double bound = Bound(InputAbsSum(codes));
        _pending.Clear();
        for (int j = 0; j < estimates.Length; j++)
        {
            outCodes[j] = (byte)LevelDecision.Code(estimates[j], bound, _layer.Negated[j], _layer.Thresholds.AsSpan(j * levels, levels), out bool undecided);
            if (undecided) _pending.Add(j);
        }
        if (_pending.Count == 0) return;
        ThresholdReplay.Decide(InputValues, codes, WeightsFloat, Dot, _pending, _layer.Thresholds, _layer.Negated, levels,
            Context.Scratch.Floats(0, codes.Length), Context.Scratch.Floats(1, _pending.Count), ref _replayWeights, outCodes);
        Context.Counters.Replays += _pending.Count;
    }
}
