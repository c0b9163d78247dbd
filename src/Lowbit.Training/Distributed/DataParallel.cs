using System.Diagnostics;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Lowbit.Nn;
using Lowbit.Tensors;
using Lowbit.Training.Config;

namespace Lowbit.Training.Distributed;

/// <summary>What one data-parallel step added up over all ranks.</summary>
/// <param name="Value">The global batch's training objective (mean loss plus regularisers).</param>
/// <param name="LossSum">Sum of per-image losses over the global batch.</param>
/// <param name="Correct">Correct predictions in the global batch.</param>
/// <param name="Seen">Images in the global batch.</param>
/// <param name="NonFinite">Some rank's objective was NaN or infinite.</param>
/// <param name="Stop">Some rank was asked to stop (its cancellation token fired).</param>
public readonly record struct StepTotals(double Value, double LossSum, long Correct, long Seen, bool NonFinite, bool Stop);

/// <summary>
/// Synchronous data parallelism for the <see cref="Trainer"/>: every rank holds the same model and optimizer state,
/// trains on its shard of each global batch, and takes the same optimizer step on the sum of the ranks' weighted
/// gradients (weights n_r/B: rank r's images over the global batch, so the sum is the gradient of the global batch's
/// mean loss). Rank 0 alone evaluates and writes files. docs/DISTRIBUTED.md describes the whole scheme.
/// </summary>
public sealed class DataParallel
{
    private readonly ICollectives _group;
    private GradientExchange? _exchange;
    private IReadOnlyList<(string Name, Parameter Parameter)> _parameters = [];
    private double[] _totals = [];

    /// <summary>Creates the synchroniser over <paramref name="group"/> with the config's "distributed" settings.</summary>
    public DataParallel(ICollectives group, DistributedConfig options)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(options);
        _group = group;
        Options = options;
    }

    /// <summary>The settings.</summary>
    public DistributedConfig Options { get; }

    /// <summary>This process's rank.</summary>
    public int Rank => _group.Rank;

    /// <summary>Number of processes.</summary>
    public int Size => _group.Size;

    /// <summary>Rank 0 evaluates, logs and writes the output folder.</summary>
    public bool IsRoot => _group.Rank == 0;

    /// <summary>The transport's description.</summary>
    public string Description => _group.Description;

    /// <summary>Gradient values exchanged per step, and bytes this rank hands to the collectives for them.</summary>
    public (long Values, long Bytes, int Buckets) Traffic => _exchange is { } e ? (e.Values, e.Bytes, e.BucketCount) : (0, 0, 0);

    /// <summary>Steps exchanged so far, and seconds the trainer waited for the exchange after its backward passes.</summary>
    public (long Steps, double WaitSeconds, double CodecSeconds) Timing => (_steps, _waitSeconds, _exchange?.CodecSeconds ?? 0);

    private long _steps;
    private double _waitSeconds;

    /// <summary>Sends rank 0's <paramref name="data"/> to every rank; returns it (rank 0) or the received copy.</summary>
    /// <param name="data">Rank 0's bytes, or null on rank 0 to tell the others that it failed (they throw).</param>
    /// <param name="what">What is sent, for messages.</param>
    public byte[] Broadcast(byte[]? data, string what) => Broadcast(_group, data, what);

    /// <summary>Sends rank 0's <paramref name="data"/> over <paramref name="group"/> (see <see cref="Broadcast(byte[], string)"/>).</summary>
    public static byte[] Broadcast(ICollectives group, byte[]? data, string what)
    {
        ArgumentNullException.ThrowIfNull(group);
        bool root = group.Rank == 0;
        var length = new byte[8];
        if (root) BitConverter.TryWriteBytes(length, data is null ? -1L : data.LongLength);
        group.Wait(group.StartBroadcast(length, 0), $"the broadcast of {what}");
        long n = BitConverter.ToInt64(length);
        if (n < 0) throw new DistributedException($"rank 0 could not prepare {what} (see its message)");
        if (n > int.MaxValue) throw new DistributedException($"{what} is {n} bytes; at most {int.MaxValue} can be broadcast");
        var buffer = root ? data! : new byte[n];
        group.Wait(group.StartBroadcast(buffer, 0), $"the broadcast of {what}");
        return buffer;
    }

    /// <summary>Prepares the exchange of these parameters' gradients (once, before the first step).</summary>
    public void Prepare(IReadOnlyList<(string Name, Parameter Parameter)> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
        _exchange = new GradientExchange(_group, parameters, Options);
        _totals = new double[6 + parameters.Count];
    }

    /// <summary>Starts a step whose local gradients will carry <paramref name="weight"/> = local images / global images.</summary>
    public void BeginStep(double weight, ulong seed) => Exchange.Begin(weight, seed);

    /// <summary>The backward pass's leaf hook (starts finished buckets when overlapping).</summary>
    public void LeafReady(Tensor leaf) => Exchange.LeafReady(leaf);

    /// <summary>
    /// Ends a step after the local backward pass (or none, for a rank without images): exchanges the gradients and this
    /// rank's statistics, and leaves every parameter's gradient equal to the global batch's on every rank.
    /// </summary>
    public StepTotals EndStep(double weightedValue, double lossSum, long correct, long seen, bool nonFinite, bool stop, long step)
    {
        var exchange = Exchange;
        long started = Stopwatch.GetTimestamp();
        exchange.StartRemaining();
        Array.Clear(_totals);
        (_totals[0], _totals[1], _totals[2], _totals[3], _totals[4], _totals[5]) = (weightedValue, lossSum, correct, seen, nonFinite ? 1 : 0, stop ? 1 : 0);
        for (int i = 0; i < _parameters.Count; i++) _totals[6 + i] = _parameters[i].Parameter.Grad is null ? 0 : 1;
        var totals = _group.StartAllReduceSum(_totals.AsMemory());
        string what = $"the gradient exchange of step {step}";
        var present = new bool[_parameters.Count];
        _group.Wait(totals, what);
        for (int i = 0; i < present.Length; i++) present[i] = _totals[6 + i] > 0;
        exchange.Finish(present, what);
        _steps++;
        _waitSeconds += Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new StepTotals(_totals[0], _totals[1], (long)_totals[2], (long)_totals[3], _totals[4] > 0, _totals[5] > 0);
    }

    /// <summary>
    /// Checks that every rank holds bit-identical <paramref name="tensors"/> (parameters and optimizer state: they must
    /// stay equal, or the ranks are training different models).
    /// </summary>
    /// <exception cref="DistributedException">Some rank's tensors differ from rank 0's.</exception>
    public void CheckIdentical(IEnumerable<Tensor> tensors, string what)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var hash = new XxHash64();
        foreach (var t in tensors)
            hash.Append(t.DType == DType.Float64 ? MemoryMarshal.AsBytes(t.Span<double>()) : MemoryMarshal.AsBytes(t.AsSpan()));
        var all = new byte[8 * Size];
        hash.GetCurrentHash(all.AsSpan(8 * Rank, 8));
        _group.Wait(_group.StartAllGather(all, 8), $"the consistency check of {what}");
        for (int r = 1; r < Size; r++)
            if (!all.AsSpan(8 * r, 8).SequenceEqual(all.AsSpan(0, 8)))
                throw new DistributedException($"rank {r}'s parameters or optimizer state differ from rank 0's after {what}; the ranks no longer train one model");
    }

    /// <summary>Waits until every rank is here (e.g. while rank 0 evaluates and writes).</summary>
    public void Barrier(string what) => _group.Wait(_group.StartBarrier(), what);

    private GradientExchange Exchange => _exchange ?? throw new InvalidOperationException("DataParallel.Prepare must be called before the first step.");
}
