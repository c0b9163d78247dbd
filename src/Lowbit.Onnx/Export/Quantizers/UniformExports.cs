using Lowbit.Onnx.Graph;
using Lowbit.Quantization;

namespace Lowbit.Onnx.Export.Quantizers;

/// <summary>dorefa_act: round((2^k − 1)·clip(x, 0, 1))/(2^k − 1), round half away from zero.</summary>
internal sealed class DoReFaActivationExport : UniformActivationExport
{
    protected override string EmitExact(GraphBuilder graph, Quantizer quantizer, string path, string x)
    {
        double levels = Levels(quantizer);
        return DoubleChain.From(graph, path, x).Clip(0, 1).Mul(levels).RoundHalfAwayFromZero(nonNegative: true).Div(levels).ToFloat();
    }

    protected override UniformGrid Grid(Quantizer quantizer) => new(1 / Levels(quantizer), 0, (int)Levels(quantizer));

    private static double Levels(Quantizer q) => Math.ScaleB(1.0, ((DoReFaActivation)q).Bits) - 1;
}

/// <summary>pact: round(clip(x, 0, α)·L/α)·α/L with L = 2^k − 1, in that operation order.</summary>
internal sealed class PactExport : UniformActivationExport
{
    protected override string EmitExact(GraphBuilder graph, Quantizer quantizer, string path, string x)
    {
        var (alpha, levels) = Settings(quantizer);
        return DoubleChain.From(graph, path, x).Clip(0, alpha).Mul(levels).Div(alpha).RoundHalfAwayFromZero(nonNegative: true).Mul(alpha).Div(levels).ToFloat();
    }

    protected override UniformGrid Grid(Quantizer quantizer)
    {
        var (alpha, levels) = Settings(quantizer);
        return new UniformGrid(alpha / levels, 0, (int)levels);
    }

    private static (double Alpha, double Levels) Settings(Quantizer q)
    {
        var pact = (Pact)q;
        double alpha = pact.Alpha.GetFlat(0);
        if (!(alpha > 0) || double.IsInfinity(alpha)) throw new NotSupportedException($"pact: α = {alpha} is not positive and finite.");
        return (alpha, Math.ScaleB(1.0, pact.Bits) - 1);
    }
}

/// <summary>linear_quant with a fixed range r: clip(round(x/s), lo, hi)·s with s = r/hi (lo = −hi signed, 0 unsigned).</summary>
internal sealed class LinearQuantExport : UniformActivationExport
{
    protected override string EmitExact(GraphBuilder graph, Quantizer quantizer, string path, string x)
    {
        var grid = Grid(quantizer);
        return DoubleChain.From(graph, path, x).Div(grid.Scale).RoundHalfAwayFromZero(nonNegative: false).Clip(grid.MinCode, grid.MaxCode).Mul(grid.Scale).ToFloat();
    }

    protected override UniformGrid Grid(Quantizer quantizer)
    {
        var q = (LinearQuant)quantizer;
        if (q.RangeMode != "fixed")
            throw new NotSupportedException($"linear_quant with range_mode \"{q.RangeMode}\" on activations takes its range from the whole batch tensor; ONNX export supports range_mode \"fixed\".");
        return new UniformGrid(q.Range / q.MaxLevel, q.IsSigned ? -q.MaxLevel : 0, q.MaxLevel);
    }
}

/// <summary>lsq on activations (one learned step s): round(clip(x/s, −Q_N, Q_P))·s.</summary>
internal sealed class LsqExport : UniformActivationExport
{
    protected override string EmitExact(GraphBuilder graph, Quantizer quantizer, string path, string x)
    {
        var grid = Grid(quantizer);
        return DoubleChain.From(graph, path, x).Div(grid.Scale).Clip(grid.MinCode, grid.MaxCode)
            .RoundHalfAwayFromZero(nonNegative: grid.MinCode >= 0).Mul(grid.Scale).ToFloat();
    }

    protected override UniformGrid Grid(Quantizer quantizer)
    {
        var q = (LsqQuantizer)quantizer;
        if (q.Step.Length != 1)
            throw new NotSupportedException($"lsq with {q.Step.Length} per-channel steps on activations would step by batch index; use one step (per_channel: false).");
        if (q.StateTensors.Single(t => t.Name == "step_initialized").Value.GetFlat(0) == 0)
            throw new NotSupportedException("lsq: the step was never initialized (the model has not run a training step), so the evaluation forward would set it from the first batch.");
        return new UniformGrid(q.Step.GetFlat(0), -q.NegativeLevels, q.PositiveLevels);
    }
}
