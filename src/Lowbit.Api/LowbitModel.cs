using System.Text.Json.Nodes;
using Lowbit.Hardware;
using Lowbit.Hardware.ModelCost;
using Lowbit.Inference.Format;
using Lowbit.Nn.Layers;
using Lowbit.Tensors;
using Lowbit.Training;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;

namespace Lowbit.Api;

/// <summary>Loss and accuracy of a model on a dataset.</summary>
/// <param name="Loss">Mean loss per image.</param>
/// <param name="Accuracy">Fraction of images classified correctly.</param>
/// <param name="Images">Images evaluated.</param>
public sealed record Evaluation(double Loss, double Accuracy, int Images);

/// <summary>
/// A network with the config that describes it, trained, evaluated, saved, loaded, exported and summarised through the
/// same code as the <c>lowbit</c> command: the <see cref="Trainer"/> (checkpoints, metrics.csv, result.json, resume), the
/// checkpoint format, the packed exporter and the cost model. Files it writes are read by <c>lowbit eval</c>,
/// <c>summary</c>, <c>export</c>, <c>infer</c> and <c>train --resume</c>.
/// </summary>
/// <remarks>
/// A model built in C# is written as a config's layer list (<see cref="ModelConfigWriter"/>); the constructor rebuilds the
/// model from that list and checks that every parameter and buffer comes back under the same name and shape, so a
/// model the command could not rebuild fails here, not when the command reads its checkpoint.
/// </remarks>
public sealed partial class LowbitModel
{
    /// <summary>The checkpoint file this model was loaded from or last saved to (recorded in exported metadata), or null.</summary>
    private string? _checkpointName;

    private LowbitModel(Sequential network, ExperimentConfig config, int[] inputShape)
    {
        Network = network;
        Config = config;
        InputShape = inputShape;
    }

    /// <summary>Wraps a network built in C#.</summary>
    /// <param name="network">The network; its layers must be config layer types (docs/LAYERS.md).</param>
    /// <param name="data">What it trains and evaluates on.</param>
    /// <param name="options">How it trains (null: config defaults, every core).</param>
    /// <exception cref="NotSupportedException">A layer or quantizer cannot be written as a config entry.</exception>
    /// <exception cref="ConfigException">An option or <see cref="TrainingOptions.Set"/> assignment is invalid.</exception>
    /// <exception cref="ArgumentException">The network does not fit the data's per-example shape.</exception>
    public LowbitModel(Sequential network, DataSource data, TrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new TrainingOptions();
        var json = options.ToJson();
        json["data"] = data.ToJson();
        json["layers"] = ModelConfigWriter.Layers(network);
        Config = ConfigLoader.Parse(json.ToJsonString(), options.Name + " (C#)", options.Set);
        InputShape = DataResolver.InputShape(Config.Data);
        try
        {
            network.OutputShape(InputShape);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"the network does not fit {Config.Data.Dataset} images {ShapeUtil.Format(InputShape)}: {e.Message}", nameof(network), e);
        }
        Network = network;
        CheckRebuilds();
    }

    /// <summary>The network (training mode after <see cref="Fit"/>; <see cref="Evaluate()"/> restores the mode it found).</summary>
    public Sequential Network { get; }

    /// <summary>The config that rebuilds the network and trains it (what checkpoints store).</summary>
    public ExperimentConfig Config { get; }

    /// <summary>Per-example input shape [channels, height, width].</summary>
    public int[] InputShape { get; }

    /// <summary>The run name.</summary>
    public string Name => Config.Name;

    /// <summary>A model built from a config file (the network <c>lowbit train --config</c> trains).</summary>
    /// <param name="configPath">A config file.</param>
    /// <param name="overrides">Assignments such as "train.epochs=2", as with --set.</param>
    /// <exception cref="ConfigException">The config is invalid.</exception>
    public static LowbitModel FromConfig(string configPath, IEnumerable<string>? overrides = null)
    {
        var config = ConfigLoader.Load(configPath, overrides);
        var shape = DataResolver.InputShape(config.Data);
        return new LowbitModel(ModelBuilder.Build(config, shape), config, shape);
    }

    /// <summary>Loads a checkpoint written by <see cref="Save"/>, <see cref="Fit"/> or <c>lowbit train</c> (evaluation mode).</summary>
    /// <param name="checkpointPath">The checkpoint file.</param>
    /// <param name="dataPath">A dataset folder replacing the one the model was trained on, or null.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is damaged or not a Lowbit checkpoint.</exception>
    public static LowbitModel Load(string checkpointPath, string? dataPath = null)
    {
        var loaded = CheckpointModel.Load(checkpointPath, dataPath);
        return new LowbitModel(loaded.Model, loaded.Config, loaded.InputShape) { _checkpointName = Path.GetFileName(checkpointPath) };
    }

    /// <summary>
    /// Trains with <see cref="Trainer"/> into <paramref name="outputDirectory"/> (default runs/NAME): a checkpoint after
    /// every epoch, metrics.csv and result.json, as <c>lowbit train</c> writes them.
    /// </summary>
    /// <param name="outputDirectory">The run folder; it must not hold a run yet.</param>
    /// <param name="observer">Progress events (e.g. <see cref="EpochLineObserver"/>), or null.</param>
    /// <param name="cancellation">Stops after the current batch, saving a checkpoint (continue with <c>lowbit train --out DIR --resume</c>).</param>
    /// <returns>Whether it completed, the trainer state and result.json's content.</returns>
    /// <exception cref="InvalidOperationException">The folder already holds a run.</exception>
    public TrainingOutcome Fit(string? outputDirectory = null, ITrainingObserver? observer = null, CancellationToken cancellation = default)
    {
        outputDirectory ??= Path.Combine("runs", Name);
        if (File.Exists(Path.Combine(outputDirectory, Trainer.CheckpointFile)))
            throw new InvalidOperationException($"'{outputDirectory}' already holds a run ({Trainer.CheckpointFile}); choose another folder or continue it with lowbit train --out {outputDirectory} --resume.");
        var data = DataResolver.Load(Config.Data);
        return new Trainer(Config, Network, data, outputDirectory, observer).Run(cancellation);
    }

    /// <summary>Loss and accuracy on the test set of <see cref="Config"/>'s data (evaluation mode, the config's threads).</summary>
    public Evaluation Evaluate()
    {
        var data = DataResolver.Load(Config.Data);
        using var threads = Compute.UseThreads(Config.Threads);
        var (loss, accuracy) = Evaluator.Evaluate(Network, Components.CreateLoss(Config.Loss), data.Test, data.Normalization, Config.Train.EvalBatchSize);
        return new Evaluation(loss, accuracy, data.Test.Count);
    }

    /// <summary>The training, validation and test sets of <see cref="Config"/>'s data, and their normalisation.</summary>
    public RunData LoadData() => DataResolver.Load(Config.Data);

    /// <summary>Writes a checkpoint (the config and the network's parameters and buffers) that every lowbit command reads.</summary>
    /// <param name="path">The file to write (atomically), e.g. model.lbck.</param>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var header = new JsonObject
        {
            ["format"] = RunCheckpoint.FormatTag,
            ["config"] = JsonNode.Parse(Config.Json),
            ["config_source"] = Config.Source,
        };
        Checkpoint.Save(path, new CheckpointData(header.ToJsonString(), Network.StateDict(), new Dictionary<string, Tensor>()));
        _checkpointName = Path.GetFileName(path);
    }

    /// <summary>
    /// Packs the network as <c>lowbit export</c> does and writes it to <paramref name="path"/> (e.g. model.lbpm); the
    /// metadata names the checkpoint this model was loaded from or saved to (else NAME.lbck), as the command's does.
    /// </summary>
    /// <returns>The packed model (run it with <see cref="Inference.Runtime.InferenceSession"/>).</returns>
    /// <exception cref="NotSupportedException">The network cannot be packed (docs/FORMAT.md lists what can).</exception>
    public PackedModel Export(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        bool training = Network.Training;
        Network.Eval();
        try
        {
            var packed = PackedExport.Pack(Network, Config, InputShape, _checkpointName ?? Name + ".lbck");
            PackedModelFile.Write(packed, path);
            return packed;
        }
        finally
        {
            Network.Train(training);
        }
    }

    /// <summary>Per-layer cost: parameters by bit width, memory, MACs, bit-operations, a 45 nm energy estimate (docs/COST-MODEL.md).</summary>
    public CostReport Cost() => CostModel.Estimate(ModelCostMapper.Describe(Network, InputShape, Name).Network);

    /// <summary>The cost report as a text table.</summary>
    public string Summary()
    {
        using var text = new StringWriter();
        CostReportTextWriter.Write(Cost(), text);
        return text.ToString();
    }

    /// <summary>Throws unless the network's config entries rebuild it with the same parameter and buffer names and shapes.</summary>
    private void CheckRebuilds()
    {
        var rebuilt = ModelBuilder.Build(Config, InputShape).StateDict();
        var own = Network.StateDict();
        foreach (var (name, tensor) in own)
        {
            if (!rebuilt.TryGetValue(name, out var other))
                throw new NotSupportedException($"the network's '{name}' has no counterpart in the model its config builds; the lowbit command could not read its checkpoints.");
            if (!other.ShapeSpan.SequenceEqual(tensor.ShapeSpan))
                throw new NotSupportedException($"the network's '{name}' is {ShapeUtil.Format(tensor.ShapeSpan)} but its config builds {ShapeUtil.Format(other.ShapeSpan)}.");
        }
        var extra = rebuilt.Keys.FirstOrDefault(k => !own.ContainsKey(k));
        if (extra is not null) throw new NotSupportedException($"the model the network's config builds has '{extra}', which the network lacks.");
    }
}
