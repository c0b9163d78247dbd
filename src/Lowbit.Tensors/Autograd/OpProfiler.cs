using System.Diagnostics;

namespace Lowbit.Tensors.Autograd;

/// <summary>
/// Wall time per op name, forward and backward, of the ops recorded on one thread (a stopwatch profiler for
/// finding where a training step goes).
/// </summary>
/// <remarks>
/// Usage: <c>using (profiler.Begin()) { forward; backward; }</c> on the training thread. Forward time of an op is the
/// time from the previous recorded op (or from <see cref="Begin"/>, or from the last <see cref="Mark"/>) to the
/// moment the op records its result, so it includes any unrecorded work in between (module bookkeeping, ops run
/// without gradients); call <see cref="Mark"/> before a section that should not be charged to the next op.
/// Backward time is the op's backward rule; summing gradients of tensors used more than once and accumulating into
/// leaves is reported as <see cref="AccumulateName"/>. Ops that a backward rule runs (the products of a MatMul's
/// gradient, a quantizer's own graph back-propagated inside a fused op) are charged to that rule only, not recorded
/// again as forward or backward time of their own. Nothing is recorded while no profiler scope is open, and the
/// open-scope check is one thread-static read per op. Not thread-safe: one profiler per thread.
/// </remarks>
public sealed class OpProfiler
{
    /// <summary>Name under which gradient accumulation (fan-out sums, leaf gradients) is reported.</summary>
    public const string AccumulateName = "(accumulate)";

    [ThreadStatic] private static OpProfiler? t_current;

    private readonly Dictionary<string, OpTiming> _timings = [];
    private readonly Func<long> _clock;
    private readonly long _ticksPerSecond;
    private long _last;

    /// <summary>Creates a profiler that reads <paramref name="clock"/> (default: the wall-clock <see cref="Stopwatch"/>).</summary>
    /// <param name="clock">Timestamp source, e.g. the thread's CPU time (one-thread runs on a shared machine).</param>
    /// <param name="ticksPerSecond">Units of <paramref name="clock"/> per second (ignored for the default clock).</param>
    public OpProfiler(Func<long>? clock = null, long ticksPerSecond = 0)
    {
        if (clock is not null) ArgumentOutOfRangeException.ThrowIfLessThan(ticksPerSecond, 1);
        _clock = clock ?? Stopwatch.GetTimestamp;
        _ticksPerSecond = clock is null ? Stopwatch.Frequency : ticksPerSecond;
    }

    /// <summary>Totals so far, one entry per op name (in order of first appearance).</summary>
    public IReadOnlyCollection<OpTiming> Timings => _timings.Values;

    /// <summary>Makes this profiler record the ops of the calling thread until the scope is disposed.</summary>
    /// <exception cref="InvalidOperationException">A profiler scope is already open on this thread.</exception>
    public IDisposable Begin()
    {
        if (t_current is not null)
            throw new InvalidOperationException("OpProfiler.Begin: a profiler scope is already open on this thread; dispose it first.");
        t_current = this;
        _last = _clock();
        return new Scope();
    }

    /// <summary>Restarts the forward clock: time before this call is not charged to the next recorded op.</summary>
    public void Mark() => _last = _clock();

    /// <summary>Clears every total (e.g. after warm-up steps).</summary>
    public void Reset() => _timings.Clear();

    internal static OpProfiler? Current => t_current;

    /// <summary>The profiler's clock now (for <see cref="RecordBackward"/>).</summary>
    internal long Now() => _clock();

    /// <summary>Depth of nested <c>GradGraph.Backward</c> calls (0 outside backward).</summary>
    internal int BackwardDepth { get; set; }

    internal void RecordForward(string opName)
    {
        if (BackwardDepth > 0) return; // run by a backward rule: already inside that rule's time
        long now = _clock();
        var timing = Get(opName);
        timing.ForwardTicks += now - _last;
        timing.ForwardCalls++;
        _last = now;
    }

    /// <summary>Charges the time since <paramref name="startTimestamp"/> to the op's backward; returns the current timestamp.</summary>
    internal long RecordBackward(string opName, long startTimestamp)
    {
        long now = _clock();
        if (BackwardDepth > 1) return now; // a backward nested in a backward rule: charged to the outer rule
        var timing = Get(opName);
        timing.BackwardTicks += now - startTimestamp;
        timing.BackwardCalls++;
        _last = now;
        return now;
    }

    private OpTiming Get(string opName)
    {
        if (!_timings.TryGetValue(opName, out var timing)) _timings[opName] = timing = new OpTiming(opName, _ticksPerSecond);
        return timing;
    }

    private sealed class Scope : IDisposable
    {
        public void Dispose() => t_current = null;
    }
}

/// <summary>Accumulated time of one op name.</summary>
/// <param name="OpName">The op name passed to <see cref="GradGraph.Record"/>.</param>
/// <param name="TicksPerSecond">Clock units per second.</param>
public sealed record OpTiming(string OpName, long TicksPerSecond)
{
    /// <summary>Clock ticks charged to the forward pass.</summary>
    public long ForwardTicks { get; internal set; }

    /// <summary>Forward calls.</summary>
    public long ForwardCalls { get; internal set; }

    /// <summary>Clock ticks spent in the backward rule.</summary>
    public long BackwardTicks { get; internal set; }

    /// <summary>Backward calls.</summary>
    public long BackwardCalls { get; internal set; }

    /// <summary>Forward milliseconds.</summary>
    public double ForwardMilliseconds => ForwardTicks * 1000.0 / TicksPerSecond;

    /// <summary>Backward milliseconds.</summary>
    public double BackwardMilliseconds => BackwardTicks * 1000.0 / TicksPerSecond;
}
