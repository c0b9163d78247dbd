using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lowbit.Data.Text;
using Lowbit.Nn.Layers;
using Lowbit.Nn.Losses;
using Lowbit.Tensors;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;
using Lowbit.Training.Optimizers;
using Lowbit.Training.Schedules;

namespace Lowbit.Training.Language;

/// <summary>What a finished (or interrupted) language-model run reports.</summary>
public sealed record LanguageModelOutcome(bool Completed, LanguageModelTrainerState State, string OutputDirectory, JsonObject? Result);

/// <summary>
/// Trains a language model (embedding, recurrent layers, decoder) with truncated back-propagation through time: each
/// epoch walks the training text as <c>train.batch_size</c> contiguous streams in windows of <c>train.bptt</c> steps,
/// carrying the recurrent state across windows (detached at every boundary); then validation and test perplexity, an
/// atomic checkpoint, metrics.csv and, at the end, result.json.
/// </summary>
/// <remarks>
/// Loss: mean softmax cross-entropy per predicted token; perplexity = exp(mean loss) per word or per character.
/// Reproducibility: the windows come in a fixed order, the generator given to the model (dropout, stochastic quantizers)
/// is a function of (seed, epoch, window), and kernels are deterministic for a thread count, so a run resumed from
/// any checkpoint ends with the same metrics as an uninterrupted one (the carried state is saved in the checkpoint).
/// The reported test perplexity is the one at the epoch of the lowest validation perplexity.
/// </remarks>
public sealed class LanguageModelTrainer
{
    private readonly ExperimentConfig _config;
    private readonly LanguageCorpus _corpus;
    private readonly string _outDir;
    private readonly TensorArena _stepBuffers = new();
    private readonly ITrainingObserver _observer;
    private readonly Sequential _model;
    private readonly Optimizer _optimizer;
    private readonly LearningRateSchedule _schedule;
    private LanguageModelTrainerState _state = new();

    /// <summary>Prepares a run (builds and checks the model); nothing is written yet.</summary>
    /// <exception cref="ConfigException">The config is not a language model on this corpus.</exception>
    public LanguageModelTrainer(ExperimentConfig config, LanguageCorpus corpus, string outputDirectory, ITrainingObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(outputDirectory);
        foreach (var (present, what) in new[] { (config.BitAssignment is not null, "bit_assignment"), (config.Regularizer is not null, "regularizer"), (config.BitPruning is not null, "bitpruning") })
            if (present) throw new ConfigException($"{config.Source}: field '{what}' is not implemented for language models.");
        _config = config;
        _corpus = corpus;
        _outDir = outputDirectory;
        _observer = observer ?? NullTrainingObserver.Instance;
        _model = ModelBuilder.Build(config, [corpus.Vocabulary.Count]);
        SequenceLayers.Validate(config, _model);
        _optimizer = Components.CreateOptimizer(config.Optimizer, _model);
        _schedule = Components.CreateSchedule(config.Schedule, config.Optimizer.LearningRate, config.Train.Epochs);
        if (config.Loss != "softmax_cross_entropy")
            throw new ConfigException($"{config.Source}: field 'loss' is '{config.Loss}'; language models train with softmax_cross_entropy.");
        TrainingWindows = new BpttBatcher(corpus.Train, config.Train.BatchSize, config.Train.Bptt, $"{corpus.Name} training text");
        if (corpus.UnknownInValidation + corpus.UnknownInTest > 0)
            _observer.Message($"note: {corpus.UnknownInValidation} validation and {corpus.UnknownInTest} test words are not in the training vocabulary and count as {Vocabulary.Unknown}.");
    }

    /// <summary>The model being trained.</summary>
    public Sequential Model => _model;

    /// <summary>The training windows of an epoch.</summary>
    public BpttBatcher TrainingWindows { get; }

    /// <summary>Restores model, optimizer, carried state and progress from the output folder's checkpoint.</summary>
    /// <exception cref="InvalidDataException">The checkpoint is damaged or does not fit this run's model.</exception>
    public void Resume() => Resume(RunCheckpoint.Load(Path.Combine(_outDir, Trainer.CheckpointFile)));

    /// <summary>Restores model, optimizer, carried state and progress from an already-read checkpoint.</summary>
    /// <exception cref="InvalidDataException">The checkpoint does not fit this run (model, corpus, batch size).</exception>
    public void Resume(RunCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var state = checkpoint.RequireLanguageModelState();
        if (state.Batch > TrainingWindows.BatchCount)
            throw new InvalidDataException($"{checkpoint.Path}: the run stopped at window {state.Batch} but an epoch of this corpus has {TrainingWindows.BatchCount} windows of train.bptt {_config.Train.Bptt}; resume with the corpus and train.batch_size/bptt it was trained with.");
        checkpoint.LoadInto(_model);
        checkpoint.LoadInto(_optimizer);
        var carried = checkpoint.Header["recurrent_state"] as JsonArray;
        if (state.Batch > 0 && carried is null)
            throw new InvalidDataException($"{checkpoint.Path}: the run stopped inside epoch {state.Epoch + 1} (window {state.Batch}) but the header carries no 'recurrent_state' to continue from.");
        CarriedStateCodec.Restore(_model, carried, _config.Train.BatchSize, checkpoint.Path);
        _state = state;
        _resumed = true;
        _observer.Message($"resuming from {checkpoint.Path}: epoch {_state.Epoch + 1}, window {_state.Batch}");
    }

    private bool _resumed; // Resume ran: train.init_from is not applied

    /// <summary>Trains until the configured epochs are done or <paramref name="cancellation"/> fires (then a checkpoint is saved).</summary>
    public LanguageModelOutcome Run(CancellationToken cancellation = default)
    {
        Directory.CreateDirectory(_outDir);
        using var threads = Compute.UseThreads(_config.Threads);
        if (!_resumed && _config.Train.InitFrom is not null) _observer.Message(Checkpoints.InitialWeights.Apply(_model, _config.Train));
        int epochs = _config.Train.Epochs;
        for (int epoch = _state.Epoch; epoch < epochs; epoch++)
        {
            double lr = _schedule.At(epoch);
            _optimizer.LearningRate = lr;
            _observer.EpochStarted(epoch, epochs, TrainingWindows.BatchCount, _state.Batch, lr);
            _model.Train();
            if (_state.Batch == 0) SequenceLayers.ResetState(_model); // a new pass over the streams
            var clock = Stopwatch.StartNew();
            foreach (var batch in TrainingWindows.GetBatches(_state.Batch))
            {
                if (cancellation.IsCancellationRequested)
                {
                    _state.EpochTrainSeconds += clock.Elapsed.TotalSeconds;
                    SaveCheckpoint(withCarriedState: true);
                    return new LanguageModelOutcome(false, _state, _outDir, null);
                }

                TrainStep(batch, epoch);
                _state.Batch = batch.Index + 1;
            }

            _state.EpochTrainSeconds += clock.Elapsed.TotalSeconds;
            FinishEpoch(epoch, lr);
        }

        return new LanguageModelOutcome(true, _state, _outDir, WriteResult());
    }

    private void TrainStep(SequenceBatch batch, int epoch)
    {
        using var buffers = _stepBuffers.BeginStep(); // op results of the previous step are recycled here
        _model.SetRandom(new Random(Trainer.StepSeed(_config.Seed, epoch, batch.Index)));
        _model.SetProgress(Progress);
        var logits = _model.Forward(SequenceLayers.TokenTensor(batch.Inputs, batch.Steps, batch.Streams)); // [T·B, V]
        var (loss, sum) = TokenCrossEntropy.Compute(logits, batch.Targets);
        var reg = _model.Regularization();
        var total = reg is null ? loss : Tensor.Add(loss, reg);
        double value = total.Item();
        _state.Step++;
        if (!double.IsFinite(value))
            throw new TrainingDivergedException($"loss became {value} at step {_state.Step} (epoch {epoch + 1}, window {batch.Index + 1}); last finite loss {_state.LastFiniteLoss.ToString("G6", CultureInfo.InvariantCulture)}. Lower the learning rate or set optimizer.clip_norm.");
        _state.LastFiniteLoss = value;
        _optimizer.ZeroGrad();
        total.Backward();
        _optimizer.Step();
        _model.AfterStep();
        if (_optimizer.LastGradientNorm > _config.Optimizer.ClipNorm) _state.EpochClippedSteps++;
        _state.EpochSteps++;
        _state.EpochLossSum += sum;
        _state.EpochTokens += batch.Tokens;
        _observer.BatchFinished(epoch, batch.Index, loss.Item());
    }

    /// <summary>Steps done out of the run's total (per-step schedules of the model follow it; a function of the saved state).</summary>
    private Nn.TrainingProgress Progress
    {
        get
        {
            long total = Math.Max(1L, (long)_config.Train.Epochs * TrainingWindows.BatchCount);
            return new(Math.Min(_state.Step, total), total);
        }
    }

    private void FinishEpoch(int epoch, double lr)
    {
        var evalClock = Stopwatch.StartNew();
        _model.SetProgress(Progress);
        double validation = Evaluate(_corpus.Validation, "validation");
        double test = Evaluate(_corpus.Test, "test");
        bool best = _state.BestEpoch == 0 || validation < _state.BestValidationLoss;
        if (best)
        {
            _state.BestValidationLoss = validation;
            _state.BestEpoch = epoch + 1;
            _state.TestLossAtBest = test;
        }

        var metrics = new LanguageModelEpochMetrics(epoch + 1, lr, _state.EpochLossSum / Math.Max(1, _state.EpochTokens), validation, test,
            _state.EpochTrainSeconds, _state.EpochTrainSeconds + evalClock.Elapsed.TotalSeconds, (double)_state.EpochClippedSteps / Math.Max(1, _state.EpochSteps));
        _state.History.Add(metrics);
        _state.Epoch = epoch + 1;
        _state.Batch = 0;
        _state.EpochLossSum = 0;
        _state.EpochTokens = 0;
        _state.EpochSteps = 0;
        _state.EpochClippedSteps = 0;
        _state.EpochTrainSeconds = 0;
        WriteMetrics();
        SaveCheckpoint(withCarriedState: false);
        _observer.LanguageModelEpochFinished(metrics, best);
    }

    /// <summary>Mean validation or test cross-entropy (nats per token) of the current model.</summary>
    public double Evaluate(int[] tokens, string part)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return LanguageModelEvaluator.Evaluate(_model, tokens, _config.Train.EvalBatchSize, _config.Train.Bptt, $"{_corpus.Name} {part} text").Loss;
    }

    private void SaveCheckpoint(bool withCarriedState)
    {
        var header = new JsonObject
        {
            ["format"] = RunCheckpoint.FormatTag,
            ["config"] = JsonNode.Parse(_config.Json),
            ["config_source"] = _config.Source,
            ["state"] = JsonSerializer.SerializeToNode(_state, RunCheckpoint.StateJson),
            ["recurrent_state"] = withCarriedState ? CarriedStateCodec.Save(_model) : null,
        };
        Checkpoint.Save(Path.Combine(_outDir, Trainer.CheckpointFile), new CheckpointData(header.ToJsonString(), _model.StateDict(), _optimizer.State()));
    }

    private void WriteMetrics()
    {
        var sb = new StringBuilder("epoch,learning_rate,train_loss,train_perplexity,val_loss,val_perplexity,test_loss,test_perplexity,clipped_fraction,train_seconds,epoch_seconds\n");
        foreach (var m in _state.History)
            sb.Append(CultureInfo.InvariantCulture,
                $"{m.Epoch},{m.LearningRate:G6},{m.TrainLoss:G6},{m.TrainPerplexity:F3},{m.ValidationLoss:G6},{m.ValidationPerplexity:F3},{m.TestLoss:G6},{m.TestPerplexity:F3},{m.ClippedFraction:F4},{m.TrainSeconds:F3},{m.EpochSeconds:F3}\n");
        AtomicFile.WriteAllText(Path.Combine(_outDir, "metrics.csv"), sb.ToString());
    }

    private JsonObject WriteResult()
    {
        double trainSeconds = _state.History.Sum(m => m.TrainSeconds);
        long tokens = TrainingWindows.PredictedTokens * _state.History.Count;
        var bits = LanguageModelStats.Of(_model);
        var result = new JsonObject
        {
            ["model"] = _config.Name,
            ["dataset"] = _config.Data.Dataset,
            ["corpus"] = _corpus.Name,
            ["perplexity_per"] = _corpus.Level == TokenLevel.Word ? "word" : "character",
            ["seed"] = _config.Seed,
            ["threads"] = _config.Threads,
            ["epochs"] = _state.History.Count,
            ["test_perplexity"] = Round(Math.Exp(_state.TestLossAtBest), 3),
            ["best_val_perplexity"] = Round(Math.Exp(_state.BestValidationLoss), 3),
            ["best_epoch"] = _state.BestEpoch,
            ["test_bits_per_token"] = Round(_state.TestLossAtBest / Math.Log(2), 5),
            ["final_test_perplexity"] = Round(_state.History[^1].TestPerplexity, 3),
            ["final_val_perplexity"] = Round(_state.History[^1].ValidationPerplexity, 3),
            ["train_seconds"] = Round(trainSeconds, 3),
            ["train_seconds_per_epoch"] = Round(trainSeconds / Math.Max(1, _state.History.Count), 3),
            ["train_tokens_per_second"] = Round(tokens / Math.Max(trainSeconds, 1e-9), 1),
            ["parameters"] = bits.Parameters,
            ["recurrent_weight_bits"] = Round(bits.RecurrentWeightBits, 4),
            ["hidden_bits"] = Round(bits.HiddenBits, 4),
            ["gate_bits"] = Round(bits.GateBits, 4),
            ["vocabulary"] = _corpus.Vocabulary.Count,
            ["batch_size"] = _config.Train.BatchSize,
            ["bptt"] = _config.Train.Bptt,
            ["train_tokens"] = _corpus.Train.Length,
            ["validation_tokens"] = _corpus.Validation.Length,
            ["test_tokens"] = _corpus.Test.Length,
            ["config"] = _config.Source,
        };
        AtomicFile.WriteAllText(Path.Combine(_outDir, "result.json"), result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return result;
    }

    private static double Round(double value, int digits) => Math.Round(value, digits);

    /// <summary>One line per finished epoch, for logs.</summary>
    public static string EpochLine(LanguageModelEpochMetrics m, bool best)
    {
        ArgumentNullException.ThrowIfNull(m);
        return string.Create(CultureInfo.InvariantCulture,
            $"epoch {m.Epoch,3}  lr {m.LearningRate:G3}  train ppl {m.TrainPerplexity:F2}  val ppl {m.ValidationPerplexity:F2}  test ppl {m.TestPerplexity:F2}  clipped {100 * m.ClippedFraction:F0}%  {m.TrainSeconds:F1}s{(best ? "  *best" : "")}");
    }
}
