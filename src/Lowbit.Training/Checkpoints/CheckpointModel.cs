using System.Text.Json;
using Lowbit.Nn.Layers;
using Lowbit.Training.Config;

namespace Lowbit.Training.Checkpoints;

/// <summary>
/// A checkpoint's model rebuilt from the config saved in it, with its weights loaded (evaluation mode): what
/// <c>lowbit eval</c>, <c>summary</c>, <c>export</c>, <c>infer --verify</c> and <c>bench infer</c> run. The file is read
/// and checked by <see cref="RunCheckpoint"/>.
/// </summary>
/// <param name="Model">The model with the checkpoint's weights and buffers.</param>
/// <param name="Config">The config saved in the checkpoint (with any overrides applied).</param>
/// <param name="InputShape">Per-example input shape: [channels, height, width] of an image dataset; [vocabulary] for a language model.</param>
/// <param name="Path">The checkpoint file.</param>
public sealed record CheckpointModel(Sequential Model, ExperimentConfig Config, int[] InputShape, string Path)
{
    /// <summary>Loads <paramref name="checkpointPath"/>, rebuilds its model from the saved config and loads its state.</summary>
    /// <param name="checkpointPath">A checkpoint written by <c>lowbit train</c>.</param>
    /// <param name="dataPath">Dataset folder overriding the one the run used, or null.</param>
    /// <param name="overrides">Further config overrides ("field=value"), or null.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The checkpoint is damaged, has no saved config, or its tensors do not fit
    /// the model its config builds (see <see cref="RunCheckpoint"/>).</exception>
    /// <exception cref="ConfigException">An override is invalid.</exception>
    public static CheckpointModel Load(string checkpointPath, string? dataPath = null, IReadOnlyList<string>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(checkpointPath);
        var checkpoint = RunCheckpoint.Load(checkpointPath, Overrides(dataPath, overrides));
        int[] inputShape = checkpoint.Config.Data.IsText ? [Vocabulary(checkpoint.Data, checkpointPath)] : DataResolver.InputShape(checkpoint.Config.Data);
        var model = checkpoint.BuildModel(inputShape);
        // A run with an "arithmetic" block evaluates with the radix points it reached, not the starting ones.
        if (model.OutputHook is Nn.Arithmetic.ArithmeticPolicy policy)
            new ArithmeticLog(policy).Load(checkpoint.Header["arithmetic"], checkpointPath);
        model.Eval();
        return new CheckpointModel(model, checkpoint.Config, inputShape, checkpointPath);
    }

    /// <summary>A language model's vocabulary: the rows of its embedding table (layer 0's "weight").</summary>
    private static int Vocabulary(CheckpointData checkpoint, string checkpointPath) =>
        checkpoint.Model.TryGetValue("0.weight", out var table) && table.Rank == 2
            ? table.Dim(0)
            : throw new InvalidDataException($"{checkpointPath}: the language model in this checkpoint has no embedding table '0.weight'.");

    /// <summary>The config saved in a checkpoint's header, with a data path and overrides applied.</summary>
    /// <exception cref="InvalidDataException">The header is damaged or has no saved config.</exception>
    public static ExperimentConfig SavedConfig(CheckpointData checkpoint, string checkpointPath, string? dataPath = null, IReadOnlyList<string>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(checkpointPath);
        return RunCheckpoint.FromData(checkpoint, checkpointPath, Overrides(dataPath, overrides)).Config;
    }

    private static List<string> Overrides(string? dataPath, IReadOnlyList<string>? overrides)
    {
        var all = new List<string>(overrides ?? []);
        if (dataPath is not null) all.Add($"data.path={JsonSerializer.Serialize(dataPath)}");
        return all;
    }
}
