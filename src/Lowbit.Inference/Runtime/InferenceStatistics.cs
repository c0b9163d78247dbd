using System.Diagnostics;

namespace Lowbit.Inference.Runtime;

/// <summary>Cumulative timings of an <see cref="InferenceSession"/> since creation or the last reset.</summary>
/// <param name="Images">Images predicted.</param>
/// <param name="Calls">Predict calls.</param>
/// <param name="TotalTicks">Wall time inside Predict, in <see cref="Stopwatch"/> ticks.</param>
/// <param name="LayerTicks">Wall time per layer (GEMM + threshold/output step), in <see cref="Stopwatch"/> ticks.</param>
/// <param name="FirstLayerReplays">Units whose output the integer bound could not decide, so the float32 dot product was
/// recomputed exactly as the training model does: first-layer units of binary models, units of any threshold layer of
/// k-bit models (the name predates those).</param>
public sealed record InferenceStatistics(long Images, long Calls, long TotalTicks, long[] LayerTicks, long FirstLayerReplays)
{
    /// <summary>Mean wall time per image in microseconds (0 when no image was predicted).</summary>
    public double MicrosecondsPerImage => Images == 0 ? 0 : TotalTicks * 1e6 / Stopwatch.Frequency / Images;

    /// <summary>Mean wall time per Predict call in microseconds.</summary>
    public double MicrosecondsPerCall => Calls == 0 ? 0 : TotalTicks * 1e6 / Stopwatch.Frequency / Calls;
}
