using System.Globalization;
using System.Text.Json.Nodes;
using Lowbit.Data;
using Lowbit.Tensors;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;
using Lowbit.Training.Distributed;

namespace Lowbit.Training;

/// <summary>The trainer's data-parallel steps (<see cref="Parallel"/>; docs/DISTRIBUTED.md).</summary>
public sealed partial class Trainer
{
    /// <summary>
    /// Makes every rank start from rank 0's model, optimizer and progress (a fresh initialisation or a resumed checkpoint),
    /// sent as checkpoint bytes, and prepares the gradient exchange.
    /// </summary>
    private void StartParallel(DataParallel parallel)
    {
        if (_config.Arithmetic is not null)
            throw new ConfigException($"{_config.Source}: low-precision training arithmetic (the 'arithmetic' block) runs in one process only; its radix points follow each process's own overflow counts. Run it without mpirun.");
        var bytes = parallel.Broadcast(parallel.IsRoot ? Checkpoint.Serialize(Snapshot()) : null, "the initial model and optimizer state");
        if (!parallel.IsRoot)
        {
            const string source = "rank 0's initial state";
            var start = RunCheckpoint.FromData(Checkpoint.Parse(bytes, source), source);
            start.LoadInto(_model);
            start.LoadInto(_optimizer);
            _state = start.RequireState();
        }
        parallel.Prepare(_optimizer.NamedParameters);
        parallel.CheckIdentical(SynchronisedTensors(), "the initial broadcast");
        int largest = (_config.Train.BatchSize + parallel.Size - 1) / parallel.Size;
        _observer.Message($"  shards of {SmallestShard(_config.Train.BatchSize)}-{largest} images; batch norm statistics per process");
        _observer.Message($"  gradients {(parallel.Options.GradientBits is int k ? $"quantized to {k} bits" : "in float32")}, {parallel.Traffic.Buckets} bucket(s)" +
            $"{(parallel.Options.Overlap ? " overlapping the backward pass" : "")}");
    }

    /// <summary>One synchronous step on this rank's shard; returns true when some rank asked to stop.</summary>
    private bool TrainStepParallel(DataParallel parallel, ImageBatch batch, int epoch, int c, int h, int w, bool stopRequested)
    {
        using var buffers = _stepBuffers.BeginStep();
        int batchSize = _config.Train.BatchSize;
        int global = Math.Min(batchSize, _data.Train.Count - batch.BatchIndex * batchSize);
        double weight = (double)batch.Count / global;
        int seed = StepSeed(_config.Seed, epoch, batch.BatchIndex);
        parallel.BeginStep(weight, (ulong)seed);
        _optimizer.ZeroGrad();
        double value = 0, lossSum = 0;
        long correct = 0;
        if (batch.Count > 0)
        {
            var x = Tensor.FromArray(batch.Count == batch.Capacity ? batch.Inputs : batch.ValidInputs.ToArray(), batch.Count, c, h, w);
            var labels = batch.ValidLabels;
            // Dropout and stochastic quantizers draw differently on every rank (rank 0 as a single process would).
            _model.SetRandom(new Random(parallel.Rank == 0 ? seed : StepSeed(seed, parallel.Rank, 0)));
            _model.SetProgress(Progress);
            var output = _model.Forward(x);
            var loss = _loss.Compute(output, labels);
            var reg = _model.Regularization();
            var total = reg is null ? loss : Tensor.Add(loss, reg);
            if (_regularizer is not null && !FineTuning(epoch)) total = Tensor.Add(total, _regularizer.Compute());
            value = total.Item();
            if (double.IsFinite(value)) total.Backward(null, parallel.LeafReady);
            var predicted = Tensor.ArgMaxLastDim(output);
            for (int i = 0; i < predicted.Length; i++) if (predicted[i] == labels[i]) correct++;
            lossSum = loss.Item() * batch.Count;
        }
        var totals = parallel.EndStep(weight * value, lossSum, correct, batch.Count, !double.IsFinite(value), stopRequested, _state.Step + 1);
        _state.Step++;
        if (totals.NonFinite)
            throw new TrainingDivergedException($"loss became {totals.Value} at step {_state.Step} (epoch {epoch + 1}, batch {batch.BatchIndex + 1}); last finite loss {_state.LastFiniteLoss.ToString("G6", CultureInfo.InvariantCulture)}. Lower the learning rate or check the data.");
        _state.LastFiniteLoss = totals.Value;
        _optimizer.Step();
        _model.AfterStep();
        _state.EpochCorrect += totals.Correct;
        _state.EpochLossSum += totals.LossSum;
        _state.EpochSeen += totals.Seen;
        _observer.BatchFinished(epoch, batch.BatchIndex, totals.Value);
        return totals.Stop;
    }

    /// <summary>Checks that the ranks still agree; returns true on rank 0 (which goes on to evaluate and write).</summary>
    private bool FinishEpochParallel(DataParallel parallel, int epoch)
    {
        parallel.CheckIdentical(SynchronisedTensors(), $"epoch {epoch + 1}");
        if (parallel.IsRoot) return true;
        _state.Epoch = epoch + 1;
        _state.Batch = 0;
        _state.EpochLossSum = 0;
        _state.EpochCorrect = 0;
        _state.EpochSeen = 0;
        _state.EpochTrainSeconds = 0;
        return false;
    }

    /// <summary>What must be equal on every rank: parameters and optimizer state (batch norm statistics are per rank).</summary>
    private IEnumerable<Tensor> SynchronisedTensors() =>
        _optimizer.NamedParameters.Select(p => p.Parameter.Value).Concat(_optimizer.State().OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value));

    /// <summary>The smallest non-empty shard of a batch of <paramref name="count"/> images.</summary>
    private int SmallestShard(int count) => Parallel is null ? count : Math.Max(Math.Min(count, 1), count / Parallel.Size);

    /// <summary>Every full batch's shards must be large enough for batch statistics.</summary>
    private void RequireShardsOf(int batchSize, int minimum)
    {
        int smallest = SmallestShard(batchSize);
        if (smallest < minimum)
            throw new ConfigException($"{_config.Source}: train.batch_size {batchSize} split over {Parallel!.Size} processes leaves {smallest} image(s) on some; batch norm needs {minimum} per process. Use train.batch_size of at least {minimum * Parallel.Size}.");
    }

    private JsonObject ParallelResult(DataParallel parallel)
    {
        var (values, bytes, buckets) = parallel.Traffic;
        var (steps, wait, codec) = parallel.Timing;
        return new JsonObject
        {
            ["processes"] = parallel.Size,
            ["transport"] = parallel.Description,
            ["gradient_bits"] = parallel.Options.GradientBits is int k ? k : 32,
            ["overlap"] = parallel.Options.Overlap,
            ["buckets"] = buckets,
            ["gradient_values_per_step"] = values,
            ["bytes_per_step"] = bytes,
            ["exchange_wait_seconds_per_step"] = Math.Round(wait / Math.Max(1, steps), 6),
            ["codec_seconds_per_step"] = Math.Round(codec / Math.Max(1, steps), 6),
        };
    }
}
