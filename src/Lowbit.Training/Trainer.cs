using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lowbit.Data;
using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Nn.Losses;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;
using Lowbit.Training.Optimizers;
using Lowbit.Training.Schedules;

namespace Lowbit.Training;

/// <summary>What a finished (or interrupted) run reports.</summary>
public sealed record TrainingOutcome(bool Completed, TrainerState State, string OutputDirectory, JsonObject? Result);

/// <summary>
/// Runs an experiment: epochs of seeded mini-batch training, validation and test evaluation after each epoch,
/// an atomic checkpoint every epoch (and on cancellation, mid-epoch), metrics.csv and result.json.
/// </summary>
/// <remarks>
/// Reproducibility: batch order is a function of (seed, epoch); the generator given to the model for dropout and
/// stochastic quantizers is a function of (seed, epoch, batch); kernels are deterministic for a thread count.
/// Hence a run resumed from any checkpoint ends with the same metrics as an uninterrupted run.
/// </remarks>
public sealed partial class Trainer
{
    /// <summary>Checkpoint file name inside the output folder.</summary>
    public const string CheckpointFile = "checkpoint.lbck";

    private readonly ExperimentConfig _config;
    private readonly RunData _data;
    private readonly string _outDir;
    private readonly TensorArena _stepBuffers = new();
    private readonly ITrainingObserver _observer;
    private readonly Sequential _model;
    private readonly Optimizer _optimizer;
    private readonly LearningRateSchedule _schedule;
    private readonly Loss _loss;
    private readonly ModelRegularizer? _regularizer;
    private readonly ArithmeticLog? _arithmetic;
    private TrainerState _state = new();
    private long _totalSteps = 1;

    /// <summary>Trainer state as JSON; the last finite loss is NaN before the first step (a checkpoint at step 0).</summary>

    /// <summary>
    /// Prepares a run (builds the model). Nothing is written yet, except that an unresolved "bit_assignment" of method
    /// pdb pre-trains into OUT/pdb-pretrain first (<see cref="BitAssigner"/>).
    /// </summary>
    public Trainer(ExperimentConfig config, RunData data, string outputDirectory, ITrainingObserver? observer = null)
        : this(config, data, outputDirectory, observer, model: null)
    {
    }

    /// <summary>
    /// Prepares a run of a model built by the caller (a network built in C#), which <paramref name="config"/>'s layer list
    /// must describe: checkpoints store that config, and every command that reads them rebuilds the model from it.
    /// </summary>
    /// <exception cref="ArgumentException">The config has a bit assignment still to resolve (it rebuilds the model).</exception>
    public Trainer(ExperimentConfig config, Sequential model, RunData data, string outputDirectory, ITrainingObserver? observer = null)
        : this(config, data, outputDirectory, observer, model ?? throw new ArgumentNullException(nameof(model)))
    {
    }

    private Trainer(ExperimentConfig config, RunData data, string outputDirectory, ITrainingObserver? observer, Sequential? model)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(outputDirectory);
        _observer = observer ?? NullTrainingObserver.Instance;
        if (model is null) config = BitAssigner.Resolve(config, data, outputDirectory, _observer);
        else if (config.BitAssignment is { Result: null })
            throw new ArgumentException($"{config.Source}: a pending bit_assignment chooses bits by rebuilding the model; train it from the config instead.", nameof(config));
        _config = config;
        _data = data;
        _outDir = outputDirectory;
        _model = model ?? ModelBuilder.Build(config, data.InputShape);
        var outShape = _model.OutputShape(data.InputShape);
        if (outShape.Length != 1 || outShape[0] != data.Train.Classes)
            throw new ConfigException($"{config.Source}: the model's output is {ShapeUtil.Format(outShape)} per example but the dataset has {data.Train.Classes} classes; the last layer needs {data.Train.Classes} units.");
        _optimizer = Components.CreateOptimizer(config.Optimizer, _model);
        _schedule = Components.CreateSchedule(config.Schedule, config.Optimizer.LearningRate, TotalEpochs);
        _loss = Components.CreateLoss(config.Loss);
        _regularizer = ModelRegularizer.Create(config.Regularizer, _model, data.InputShape);
        _arithmetic = _model.OutputHook is Nn.Arithmetic.ArithmeticPolicy policy ? new ArithmeticLog(policy) : null;
        WarnUnclippedWeights(data.InputShape);
    }

    /// <summary>Warns about quantized weights whose latent values are not clipped (they can grow without bound).</summary>
    private void WarnUnclippedWeights(int[] inputShape)
    {
        var names = _model.NamedParameters().ToDictionary(p => p.Parameter, p => p.Name);
        foreach (var op in CostWalker.WeightedOperations(_model, inputShape).Select(o => o.Operation))
            if (op.WeightQuantizer is not null && op.Weight is { Clip: null } weight)
                _observer.Message($"warning: '{names[weight]}' is quantized but its latent weights are not clipped (set weight_clip, e.g. 1.0 for binary weights).");
    }

    /// <summary>
    /// Data parallelism over several processes (<see cref="Distributed.DataParallel"/>), or null (the default) for one
    /// process training alone, exactly as without it.
    /// </summary>
    public Distributed.DataParallel? Parallel { get; init; }

    /// <summary>Rank 0 of a data-parallel run, or a run alone: the process that evaluates and writes files.</summary>
    private bool Writes => Parallel is null || Parallel.IsRoot;

    /// <summary>The model being trained.</summary>
    public Sequential Model => _model;

    /// <summary>The resolved config (bit assignment applied).</summary>
    public ExperimentConfig Config => _config;

    /// <summary>train.epochs plus BitPruning's fine-tuning epochs.</summary>
    private int TotalEpochs => _config.Train.Epochs + (_config.BitPruning?.FinetuneEpochs ?? 0);

    /// <summary>True in BitPruning's fine-tuning epochs (bitlengths frozen, no bit regulariser).</summary>
    private bool FineTuning(int epoch) => _config.BitPruning is not null && epoch >= _config.Train.Epochs;

    private bool _resumed; // Resume ran: train.init_from is not applied

    /// <summary>Restores model, optimizer and progress from the output folder's checkpoint.</summary>
    /// <exception cref="InvalidDataException">The checkpoint is damaged or does not fit this run's model.</exception>
    public void Resume() => Resume(RunCheckpoint.Load(Path.Combine(_outDir, CheckpointFile)));

    /// <summary>Restores model, optimizer and progress from an already-read checkpoint.</summary>
    /// <exception cref="InvalidDataException">The checkpoint does not fit this run's model.</exception>
    public void Resume(RunCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var state = checkpoint.RequireState();
        checkpoint.LoadInto(_model);
        checkpoint.LoadInto(_optimizer);
        _state = state;
        _resumed = true;
        _arithmetic?.Load(checkpoint.Header["arithmetic"], checkpoint.Path);
        _observer.Message($"resuming from {checkpoint.Path}: epoch {_state.Epoch + 1}, batch {_state.Batch}");
    }

    /// <summary>Trains until the configured epochs are done or <paramref name="cancellation"/> fires.</summary>
    public TrainingOutcome Run(CancellationToken cancellation = default)
    {
        if (Writes) Directory.CreateDirectory(_outDir);
        using var threads = Compute.UseThreads(_config.Threads);
        var loader = new BatchLoader(_data.Train, new BatchLoaderOptions
        {
            BatchSize = _config.Train.BatchSize,
            Shuffle = true,
            Seed = _config.Seed,
            Normalization = _data.Normalization,
            Prefetch = _config.Data.Prefetch,
            Augmentation = _config.Data.Augmentation,
            DropLast = DropsLastBatch(),
            ShardIndex = Parallel?.Rank ?? 0,
            ShardCount = Parallel?.Size ?? 1,
        });
        var (c, h, w) = (_data.Train.Channels, _data.Train.Height, _data.Train.Width);
        double waitCounted = 0, fillCounted = 0;
        void CountLoaderTime()
        {
            _state.DataWaitSeconds += loader.WaitSeconds - waitCounted;
            _state.DataFillSeconds += loader.FillSeconds - fillCounted;
            (waitCounted, fillCounted) = (loader.WaitSeconds, loader.FillSeconds);
        }
        _totalSteps = Math.Max(1, (long)TotalEpochs * loader.BatchCount);
        // A run that starts from epoch 1 takes its initial weights from train.init_from; a resumed one has its own.
        if (!_resumed && _config.Train.InitFrom is not null) _observer.Message(Checkpoints.InitialWeights.Apply(_model, _config.Train));
        if (Parallel is not null) StartParallel(Parallel);
        if (NeedsRangeInit && !RangeInit(loader, c, h, w, cancellation)) return new TrainingOutcome(false, _state, _outDir, null);
        // train.checkpoint_minutes: a checkpoint inside an epoch as well, so a killed run (SIGKILL, power loss, the end of
        // a batch session) loses at most that much work; resuming from it equals the uninterrupted run, as after Ctrl-C.
        long saveEvery = (long)(_config.Train.CheckpointMinutes * 60 * Stopwatch.Frequency), lastSave = Stopwatch.GetTimestamp();
        void SaveInsideEpoch(Stopwatch clock, int batches)
        {
            if (saveEvery <= 0 || _state.Batch >= batches || Stopwatch.GetTimestamp() - lastSave < saveEvery) return;
            _state.EpochTrainSeconds += clock.Elapsed.TotalSeconds;
            CountLoaderTime();
            SaveCheckpoint();
            clock.Restart();
            lastSave = Stopwatch.GetTimestamp();
        }
        for (int epoch = _state.Epoch; epoch < TotalEpochs; epoch++)
        {
            double lr = _schedule.At(epoch);
            _optimizer.LearningRate = lr;
            if (FineTuning(epoch)) BitPruningFinetune.FreezeOnce(_model, _config.BitPruning!, _state, _observer);
            _observer.EpochStarted(epoch, TotalEpochs, loader.BatchCount, _state.Batch, lr);
            _model.Train();
            var clock = Stopwatch.StartNew();
            foreach (var batch in loader.GetBatches(epoch, Math.Min(_state.Batch, loader.BatchCount)))
            {
                if (Parallel is not null)
                {
                    bool stop = TrainStepParallel(Parallel, batch, epoch, c, h, w, cancellation.IsCancellationRequested);
                    _state.Batch = batch.BatchIndex + 1;
                    if (!stop)
                    {
                        SaveInsideEpoch(clock, loader.BatchCount);
                        continue;
                    }
                    _state.EpochTrainSeconds += clock.Elapsed.TotalSeconds;
                    CountLoaderTime();
                    SaveCheckpoint();
                    return new TrainingOutcome(false, _state, _outDir, null);
                }
                if (cancellation.IsCancellationRequested)
                {
                    _state.EpochTrainSeconds += clock.Elapsed.TotalSeconds;
                    CountLoaderTime();
                    SaveCheckpoint();
                    return new TrainingOutcome(false, _state, _outDir, null);
                }
                TrainStep(batch, epoch, c, h, w);
                _state.Batch = batch.BatchIndex + 1;
                SaveInsideEpoch(clock, loader.BatchCount);
            }
            _state.EpochTrainSeconds += clock.Elapsed.TotalSeconds;
            CountLoaderTime();
            FinishEpoch(epoch, lr);
            lastSave = Stopwatch.GetTimestamp();
        }
        var result = Writes ? WriteResult() : null;
        Parallel?.Barrier("the end of training");
        return new TrainingOutcome(true, _state, _outDir, result);
    }

    /// <summary>
    /// The last-batch policy (docs/RELIABILITY.md): train.drop_last drops every partial last batch; otherwise only a
    /// last batch too small for a layer that needs batch statistics (batch norm: 2 images) is dropped, with a note.
    /// </summary>
    private bool DropsLastBatch()
    {
        int minimum = _model.NamedModules().Max(m => m.Module.MinimumTrainingBatch);
        if (Parallel is not null) RequireShardsOf(_config.Train.BatchSize, minimum);
        if (_config.Train.DropLast) return true;
        int remainder = _data.Train.Count % _config.Train.BatchSize;
        if (remainder == 0 || SmallestShard(remainder) >= minimum) return false;
        _observer.Message($"note: {_data.Train.Count} training images in batches of {_config.Train.BatchSize} leave a last batch of {remainder}, " +
            $"too small for batch norm (needs {minimum}); it is skipped each epoch (a different image each epoch, as the order is shuffled). Set train.drop_last=true to drop every partial batch, or change train.batch_size.");
        return true;
    }

    private void TrainStep(ImageBatch batch, int epoch, int c, int h, int w)
    {
        // Op results of the previous step are recycled here; everything this step reads stays valid until the next.
        using var buffers = _stepBuffers.BeginStep();
        // A full batch is wrapped without a copy: the loader refills this buffer only after the enumerator moves on.
        var x = Tensor.FromArray(batch.Count == batch.Capacity ? batch.Inputs : batch.ValidInputs.ToArray(), batch.Count, c, h, w);
        var labels = batch.ValidLabels;
        _model.SetRandom(new Random(StepSeed(_config.Seed, epoch, batch.BatchIndex)));
        _model.SetProgress(Progress);
        _arithmetic?.Policy.BeginStep(_state.Step);
        var output = _model.Forward(x);
        var loss = _loss.Compute(output, labels);
        var reg = _model.Regularization();
        var total = reg is null ? loss : Tensor.Add(loss, reg);
        if (_regularizer is not null && !FineTuning(epoch)) total = Tensor.Add(total, _regularizer.Compute());
        double value = total.Item();
        _state.Step++;
        if (!double.IsFinite(value))
            throw new TrainingDivergedException($"loss became {value} at step {_state.Step} (epoch {epoch + 1}, batch {batch.BatchIndex + 1}); last finite loss {_state.LastFiniteLoss.ToString("G6", CultureInfo.InvariantCulture)}. Lower the learning rate or check the data.");
        _state.LastFiniteLoss = value;
        _optimizer.ZeroGrad();
        Backward(total);
        _optimizer.Step();
        _model.AfterStep();
        _arithmetic?.EndStep(_state.Step, epoch + 1, "train");
        var predicted = Tensor.ArgMaxLastDim(output);
        for (int i = 0; i < predicted.Length; i++) if (predicted[i] == labels[i]) _state.EpochCorrect++;
        _state.EpochLossSum += loss.Item() * batch.Count;
        _state.EpochSeen += batch.Count;
        _observer.BatchFinished(epoch, batch.BatchIndex, value);
    }

    /// <summary>A 31-bit seed mixed from (seed, epoch, batch) with SplitMix64 finalisation.</summary>
    public static int StepSeed(int seed, int epoch, int batch)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ ((ulong)(uint)epoch << 32 | (uint)batch);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }

    /// <summary>Steps done out of the run's total (per-step schedules of the model follow it; a function of the saved state).</summary>
    private TrainingProgress Progress => new(Math.Min(_state.Step, _totalSteps), _totalSteps);

    private void FinishEpoch(int epoch, double lr)
    {
        if (Parallel is not null && !FinishEpochParallel(Parallel, epoch)) return;
        _model.SetProgress(Progress);
        var evalClock = Stopwatch.StartNew();
        (double Loss, double Accuracy)? val = _data.Validation is null ? null : Evaluate(_data.Validation);
        var test = Evaluate(_data.Test);
        double selector = val?.Accuracy ?? test.Accuracy;
        bool best = selector > _state.BestValidationAccuracy;
        if (best)
        {
            _state.BestValidationAccuracy = selector;
            _state.BestEpoch = epoch + 1;
            _state.TestAccuracyAtBest = test.Accuracy;
        }
        var metrics = new EpochMetrics(epoch + 1, lr, _state.EpochLossSum / Math.Max(1, _state.EpochSeen), (double)_state.EpochCorrect / Math.Max(1, _state.EpochSeen),
            val?.Loss, val?.Accuracy, test.Accuracy, _state.EpochTrainSeconds, _state.EpochTrainSeconds + evalClock.Elapsed.TotalSeconds);
        _state.History.Add(metrics);
        _state.Epoch = epoch + 1;
        _state.Batch = 0;
        _state.EpochLossSum = 0;
        _state.EpochCorrect = 0;
        _state.EpochSeen = 0;
        _state.EpochTrainSeconds = 0;
        WriteMetrics();
        SaveCheckpoint();
        _observer.EpochFinished(metrics, best);
    }

    /// <summary>Mean loss and accuracy of the model (evaluation mode) on a dataset.</summary>
    public (double Loss, double Accuracy) Evaluate(ImageDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return Evaluator.Evaluate(_model, _loss, dataset, _data.Normalization, _config.Train.EvalBatchSize);
    }

    private void SaveCheckpoint()
    {
        if (Writes) Checkpoint.Save(Path.Combine(_outDir, CheckpointFile), Snapshot());
    }

    /// <summary>Model, optimizer and trainer state as checkpoint data.</summary>
    private CheckpointData Snapshot()
    {
        var header = new JsonObject
        {
            ["format"] = RunCheckpoint.FormatTag,
            ["config"] = JsonNode.Parse(_config.Json),
            ["config_source"] = _config.Source,
            ["state"] = JsonSerializer.SerializeToNode(_state, RunCheckpoint.StateJson),
        };
        if (_arithmetic is not null) header["arithmetic"] = _arithmetic.Save();
        return new CheckpointData(header.ToJsonString(), _model.StateDict(), _optimizer.State());
    }

    private void WriteMetrics()
    {
        var sb = new StringBuilder("epoch,learning_rate,train_loss,train_accuracy,val_loss,val_accuracy,test_accuracy,train_seconds,epoch_seconds\n");
        foreach (var m in _state.History)
            sb.Append(CultureInfo.InvariantCulture, $"{m.Epoch},{m.LearningRate:G6},{m.TrainLoss:G6},{m.TrainAccuracy:F6},{m.ValidationLoss?.ToString("G6", CultureInfo.InvariantCulture)},{m.ValidationAccuracy?.ToString("F6", CultureInfo.InvariantCulture)},{m.TestAccuracy:F6},{m.TrainSeconds:F3},{m.EpochSeconds:F3}\n");
        AtomicFile.WriteAllText(Path.Combine(_outDir, "metrics.csv"), sb.ToString());
        _arithmetic?.WriteCsv(_outDir);
    }

    private JsonObject WriteResult()
    {
        var stats = ModelStats.Of(_model, _data.InputShape);
        double trainSeconds = _state.History.Sum(m => m.TrainSeconds);
        long examples = (long)_data.Train.Count * _state.History.Count;
        var result = new JsonObject
        {
            ["model"] = _config.Name,
            ["dataset"] = _config.Data.Dataset,
            ["seed"] = _config.Seed,
            ["threads"] = _config.Threads,
            ["epochs"] = _state.History.Count,
            ["test_error"] = Math.Round(1 - _state.TestAccuracyAtBest, 6),
            ["test_accuracy"] = Math.Round(_state.TestAccuracyAtBest, 6),
            ["best_val_accuracy"] = Math.Round(_state.BestValidationAccuracy, 6),
            ["best_epoch"] = _state.BestEpoch,
            ["final_test_accuracy"] = Math.Round(_state.History[^1].TestAccuracy, 6),
            ["train_seconds"] = Math.Round(trainSeconds, 3),
            ["train_examples_per_second"] = Math.Round(examples / Math.Max(trainSeconds, 1e-9), 1),
            ["data_fill_seconds"] = Math.Round(_state.DataFillSeconds, 3),
            ["data_wait_seconds"] = Math.Round(_state.DataWaitSeconds, 3),
            ["parameters"] = stats.Parameters,
            ["macs"] = stats.Macs,
            ["weight_bits_avg"] = Math.Round(stats.WeightBitsAverage, 4),
            ["activation_bits_avg"] = Math.Round(stats.ActivationBitsAverage, 4),
            ["train_examples"] = _data.Train.Count,
            ["validation_examples"] = _data.Validation?.Count ?? 0,
            ["test_examples"] = _data.Test.Count,
            ["config"] = _config.Source,
            ["layer_weight_bits"] = new JsonArray(BitPruningFinetune.LayerWeightBits(_model).Select(b => (JsonNode)Math.Round(b, 4)).ToArray()),
        };
        if (stats.ShiftIndices > 0)
        {
            result["shift_indices"] = stats.ShiftIndices;
            result["pruned_connections"] = stats.PrunedConnections;
        }
        if (_arithmetic is not null) result["arithmetic"] = _arithmetic.Result();
        if (Parallel is not null) result["distributed"] = ParallelResult(Parallel);
        if (_config.BitAssignment is not null) result["bit_assignment"] = JsonNode.Parse(_config.Json)!["bit_assignment"]!["result"]!.DeepClone();
        AtomicFile.WriteAllText(Path.Combine(_outDir, "result.json"), result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return result;
    }
}
