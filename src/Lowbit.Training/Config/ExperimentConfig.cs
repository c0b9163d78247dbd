using System.Text.Json.Nodes;
using Lowbit.Data;

namespace Lowbit.Training.Config;

/// <summary>Which data to train on and how to prepare it.</summary>
/// <param name="Dataset">Images: mnist, fashion-mnist, cifar10, npz (a NumPy archive) or image_folder (PGM/PPM files in class folders); text: ptb (word level) or chars (character level).</param>
/// <param name="Path">Folder (file, for npz) with the dataset, or null for the default (bundled MNIST; the Debian folder for Fashion-MNIST).</param>
/// <param name="Validation">Images held out from the end of the training set for validation.</param>
/// <param name="Normalize">zero_one, plus_minus_one or standardize.</param>
/// <param name="TrainLimit">Use only the first N training images (quick experiments, tests), or null for all.</param>
/// <param name="TestLimit">Use only the first N test images, or null for all.</param>
public sealed record DataConfig(string Dataset, string? Path, int Validation, string Normalize, int? TrainLimit, int? TestLimit)
{
    /// <summary>CIFAR-10 training batches to load (numbers 1..5, in this order), or null for every batch present.</summary>
    public IReadOnlyList<int>? TrainBatches { get; init; }

    /// <summary>Per-channel mean in [0, 1] pixel units for "standardize", or null to compute it on the training split.</summary>
    public IReadOnlyList<double>? Mean { get; init; }

    /// <summary>Per-channel standard deviation in [0, 1] pixel units for "standardize", or null to compute it on the training split.</summary>
    public IReadOnlyList<double>? Std { get; init; }

    /// <summary>Random crop and flip of training batches (never of validation or test data).</summary>
    public AugmentationOptions Augmentation { get; init; } = AugmentationOptions.None;

    /// <summary>For "npz": how rank-4 image arrays are laid out, "auto", "nhwc" or "nchw" (<see cref="Lowbit.Data.Formats.NpzDataset"/>).</summary>
    public string Layout { get; init; } = "auto";

    /// <summary>Prepare the next training batch on a background thread while the current step runs.</summary>
    public bool Prefetch { get; init; } = true;

    /// <summary>Text datasets: the vocabulary size the model is built for (checked against the data), or null to take it from the data.</summary>
    public int? Vocabulary { get; init; }

    /// <summary>Character-level text: share of the characters held out for validation.</summary>
    public double ValidationFraction { get; init; } = 0.05;

    /// <summary>Character-level text: share of the characters held out for test.</summary>
    public double TestFraction { get; init; } = 0.05;

    /// <summary>Text datasets: use only the first N validation tokens, or null for all.</summary>
    public int? ValidationLimit { get; init; }

    /// <summary>True for the language-modelling datasets (ptb, chars).</summary>
    public bool IsText => ConfigLoader.TextDatasets.Contains(Dataset);
}

/// <summary>Optimizer settings.</summary>
public sealed record OptimizerConfig(string Type, double LearningRate, double Beta1, double Beta2, double Epsilon, double WeightDecay, double Momentum, bool Nesterov, bool GlorotLearningRateScale)
{
    /// <summary>Gradient clipping: rescale all gradients together when their global L2 norm exceeds this, or null for none.</summary>
    public double? ClipNorm { get; init; }
}

/// <summary>Learning-rate schedule settings.</summary>
public sealed record ScheduleConfig(string Type, double? EndLearningRate, double Factor, int Every);

/// <summary>Loop settings.</summary>
public sealed record TrainConfig(int Epochs, int BatchSize, int EvalBatchSize)
{
    /// <summary>
    /// Drop the last partial batch of every epoch (PyTorch's drop_last). When false, only a last batch smaller than a
    /// layer's <see cref="Nn.Module.MinimumTrainingBatch"/> (a single image with batch norm) is dropped.
    /// </summary>
    public bool DropLast { get; init; }

    /// <summary>Language models: truncation length of back-propagation through time (steps per window).</summary>
    public int Bptt { get; init; } = 35;

    /// <summary>
    /// A checkpoint whose model tensors initialise a new run (fine-tuning, or a binary network started from a trained
    /// real-valued one), or null. Read once, when the run starts from epoch 0; a resumed run continues from its own
    /// checkpoint instead.
    /// </summary>
    public string? InitFrom { get; init; }

    /// <summary>
    /// How <see cref="InitFrom"/> maps tensors: "all" (every parameter and buffer of the model must be in the checkpoint
    /// under its name with its shape) or "matching" (those that are are copied, the rest keep their initial values).
    /// </summary>
    public string InitMatch { get; init; } = "all";

    /// <summary>
    /// Image models: minutes of training after which a checkpoint is also written inside an epoch (0: only at the end of
    /// each epoch and on Ctrl-C), so a run killed without warning loses at most that much work.
    /// </summary>
    public double CheckpointMinutes { get; init; } = 10;
}

/// <summary>An extra loss term over the whole model (e.g. BitPruning's bit regulariser).</summary>
/// <param name="Type">bitpruning.</param>
/// <param name="Target">bits (average bitlength), memory or bops.</param>
/// <param name="Lambda">Strength λ ≥ 0.</param>
public sealed record RegularizerConfig(string Type, string Target, double Lambda);

/// <summary>A complete, validated experiment config.</summary>
/// <param name="Name">Model name (reported in result.json).</param>
/// <param name="Seed">Seed of every random choice (initialisation, shuffling, dropout, stochastic quantizers).</param>
/// <param name="Threads">Compute threads (results are reproducible for a given seed and thread count).</param>
/// <param name="Data">Data settings.</param>
/// <param name="Layers">The model's layer list (validated when the model is built).</param>
/// <param name="Loss">Loss name.</param>
/// <param name="Optimizer">Optimizer settings.</param>
/// <param name="Schedule">Schedule settings.</param>
/// <param name="Train">Loop settings.</param>
/// <param name="Regularizer">Model-level regulariser, or null.</param>
/// <param name="Json">The resolved config (after --set overrides) as JSON text; stored in checkpoints.</param>
/// <param name="Source">Where it came from (file name), for messages.</param>
public sealed record ExperimentConfig(
    string Name, int Seed, int Threads, DataConfig Data, JsonArray Layers, string Loss,
    OptimizerConfig Optimizer, ScheduleConfig Schedule, TrainConfig Train, RegularizerConfig? Regularizer, string Json, string Source)
{
    /// <summary>Per-layer weight bitwidths from the "bit_assignment" block (PDB), or null.</summary>
    public BitAssignmentConfig? BitAssignment { get; init; }

    /// <summary>BitPruning's round-and-fine-tune phase from the "bitpruning" block, or null.</summary>
    public BitPruningFinetuneConfig? BitPruning { get; init; }

    /// <summary>Number formats of training arithmetic from the "arithmetic" block, or null for plain float32.</summary>
    public Nn.Arithmetic.ArithmeticOptions? Arithmetic { get; init; }

    /// <summary>Data-parallel settings from the "distributed" block (used only when several processes train).</summary>
    public DistributedConfig Distributed { get; init; } = DistributedConfig.Default;
}

/// <summary>
/// BitPruning after the regularised epochs: round the learned bitlengths, freeze them, fine-tune (Nikolić et al., arXiv
/// 2002.03090).
/// </summary>
/// <param name="Round">"up" (the paper's rule as we read it) or "nearest".</param>
/// <param name="FinetuneEpochs">Epochs trained after train.epochs with the bitlengths frozen and no bit regulariser.</param>
public sealed record BitPruningFinetuneConfig(string Round, int FinetuneEpochs);
