using System.Text.Json;
using System.Text.Json.Nodes;
using Lowbit.Nn.Layers;
using Lowbit.Training.Config;

namespace Lowbit.Training.Checkpoints;

/// <summary>
/// A checkpoint's model rebuilt from the config saved in it, with its weights loaded (evaluation mode): what
/// <c>lowbit eval</c>, <c>summary</c>, <c>export</c>, <c>infer --verify</c> and <c>bench infer</c> run.
/// </summary>
/// <param name="Model">The model with the checkpoint's weights and buffers.</param>
/// <param name="Config">The config saved in the checkpoint (with any overrides applied).</param>
/// <param name="InputShape">Per-example input shape [channels, height, width] of the config's dataset.</param>
/// <param name="Path">The checkpoint file.</param>
public sealed record CheckpointModel(Sequential Model, ExperimentConfig Config, int[] InputShape, string Path)
{
    /// <summary>Loads <paramref name="checkpointPath"/>, rebuilds its model from the saved config and loads its state.</summary>
    /// <param name="checkpointPath">A checkpoint written by <c>lowbit train</c>.</param>
    /// <param name="dataPath">Dataset folder overriding the one the run used, or null.</param>
    /// <param name="overrides">Further config overrides ("field=value"), or null.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The checkpoint is corrupted or has no saved config.</exception>
    /// <exception cref="ConfigException">The saved config is invalid (or an override is).</exception>
    public static CheckpointModel Load(string checkpointPath, string? dataPath = null, IReadOnlyList<string>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(checkpointPath);
        var checkpoint = Checkpoint.Load(checkpointPath);
        var config = SavedConfig(checkpoint, checkpointPath, dataPath, overrides);
        int[] inputShape = DataResolver.InputShape(config.Data.Dataset);
        var model = ModelBuilder.Build(config, inputShape);
        model.LoadStateDict(checkpoint.Model);
        // A run with an "arithmetic" block evaluates with the radix points it reached, not the starting ones.
        if (model.OutputHook is Nn.Arithmetic.ArithmeticPolicy policy)
            new ArithmeticLog(policy).Load(JsonNode.Parse(checkpoint.Header)?["arithmetic"], checkpointPath);
        model.Eval();
        return new CheckpointModel(model, config, inputShape, checkpointPath);
    }

    /// <summary>The config saved in a checkpoint's header, with a data path and overrides applied.</summary>
    /// <exception cref="InvalidDataException">The header has no saved config.</exception>
    public static ExperimentConfig SavedConfig(CheckpointData checkpoint, string checkpointPath, string? dataPath = null, IReadOnlyList<string>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(checkpointPath);
        JsonObject? header;
        try
        {
            header = JsonNode.Parse(checkpoint.Header)?.AsObject();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{checkpointPath}: the checkpoint header is not a JSON object ({e.Message}).", e);
        }
        var saved = header?["config"] ?? throw new InvalidDataException($"{checkpointPath}: the checkpoint has no saved config in its header.");
        var all = new List<string>(overrides ?? []);
        if (dataPath is not null) all.Add($"data.path={JsonSerializer.Serialize(dataPath)}");
        string source = header["config_source"]?.GetValue<string>() ?? checkpointPath;
        return ConfigLoader.Parse(saved.ToJsonString(), source, all);
    }
}
