namespace Lowbit.Inference.Runtime;

/// <summary>Mutable per-session counters the runners add to (one session per thread).</summary>
internal sealed class RunCounters(int layers)
{
    /// <summary>Wall time per layer in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    public long[] LayerTicks { get; } = new long[layers];

    /// <summary>Units whose output the integer bound could not decide and were recomputed in float32.</summary>
    public long Replays { get; set; }
}
