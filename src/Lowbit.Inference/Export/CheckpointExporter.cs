using System.Text.Json;
using System.Text.Json.Nodes;
using Lowbit.Data;
using Lowbit.Inference.Format;
using Lowbit.Training;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;

namespace Lowbit.Inference.Export;

/// <summary>A checkpoint packed for deployment, with the config it was trained from.</summary>
/// <param name="Model">The packed model.</param>
/// <param name="Config">The checkpoint's experiment config (dataset, normalisation, name).</param>
public sealed record ExportedCheckpoint(PackedModel Model, ExperimentConfig Config);

/// <summary>Checkpoint → model → <see cref="PackedModel"/>, the way <c>lowbit eval</c> rebuilds the model.</summary>
public static class CheckpointExporter
{
    /// <summary>Loads <paramref name="checkpointPath"/>, rebuilds its model and packs it.</summary>
    /// <param name="checkpointPath">A checkpoint written by <c>lowbit train</c>.</param>
    /// <param name="dataPath">Dataset folder, only needed for "standardize" normalisation (statistics of the training set).</param>
    /// <exception cref="InvalidDataException">The checkpoint is corrupted.</exception>
    /// <exception cref="NotSupportedException">The model cannot be packed (see <see cref="ModelExporter"/>).</exception>
    public static ExportedCheckpoint Export(string checkpointPath, string? dataPath = null)
    {
        var (model, config, inputShape) = LoadModel(checkpointPath, dataPath);
        var table = PixelTable(config.Data, inputShape[0]);
        return new ExportedCheckpoint(ModelExporter.Export(model, inputShape, table, Metadata(config, Path.GetFileName(checkpointPath))), config);
    }

    /// <summary>The metadata JSON <c>lowbit export</c> stores: name, dataset, normalisation and the checkpoint's file name.</summary>
    /// <param name="config">The experiment config.</param>
    /// <param name="checkpointFileName">File name of the checkpoint (e.g. "checkpoint.lbck", as <c>lowbit train</c> writes).</param>
    public static string Metadata(ExperimentConfig config, string checkpointFileName)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new JsonObject
        {
            ["name"] = config.Name,
            ["dataset"] = config.Data.Dataset,
            ["normalize"] = config.Data.Normalize,
            ["checkpoint"] = checkpointFileName,
        }.ToJsonString();
    }

    /// <summary>Loads <paramref name="checkpointPath"/> and rebuilds its float model (as <c>lowbit eval</c> does).</summary>
    /// <param name="checkpointPath">A checkpoint written by <c>lowbit train</c>.</param>
    /// <param name="dataPath">Dataset folder override, or null.</param>
    /// <returns>The model with the checkpoint's weights, its config and the per-example input shape.</returns>
    /// <exception cref="InvalidDataException">The checkpoint is corrupted.</exception>
    public static (Lowbit.Nn.Layers.Sequential Model, ExperimentConfig Config, int[] InputShape) LoadModel(string checkpointPath, string? dataPath = null)
    {
        ArgumentNullException.ThrowIfNull(checkpointPath);
        var checkpoint = Checkpoint.Load(checkpointPath);
        var header = JsonNode.Parse(checkpoint.Header)!.AsObject();
        var overrides = dataPath is null ? Array.Empty<string>() : [$"data.path={JsonSerializer.Serialize(dataPath)}"];
        var config = ConfigLoader.Parse(header["config"]!.ToJsonString(), header["config_source"]?.GetValue<string>() ?? checkpointPath, overrides);
        int[] inputShape = DataResolver.InputShape(config.Data.Dataset);
        var model = ModelBuilder.Build(config, inputShape);
        model.LoadStateDict(checkpoint.Model);
        return (model, config, inputShape);
    }

    /// <summary>The float32 value the model sees for each byte value under the config's normalisation.</summary>
    /// <exception cref="NotSupportedException">Per-channel statistics differ between channels (one table must serve all).</exception>
    public static float[] PixelTable(DataConfig data, int channels)
    {
        ArgumentNullException.ThrowIfNull(data);
        var normalization = data.Normalize switch
        {
            "zero_one" => NormalizationOptions.ZeroOne,
            "plus_minus_one" => NormalizationOptions.PlusMinusOne,
            _ => DataResolver.Load(data).Normalization,
        };
        return PixelTable(normalization, channels);
    }

    /// <summary>The float32 value <paramref name="normalization"/> gives each byte value (all channels must agree).</summary>
    public static float[] PixelTable(NormalizationOptions normalization, int channels)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        var bytes = new byte[PackedModel.PixelTableSize * channels];
        for (int c = 0; c < channels; c++)
            for (int p = 0; p < PackedModel.PixelTableSize; p++) bytes[c * PackedModel.PixelTableSize + p] = (byte)p;
        var values = new float[bytes.Length];
        normalization.Apply(bytes, channels, values);
        for (int c = 1; c < channels; c++)
            if (!values.AsSpan(c * 256, 256).SequenceEqual(values.AsSpan(0, 256)))
                throw new NotSupportedException($"The packed format has one pixel table for all channels, but normalisation {normalization.Kind} maps channel {c} differently from channel 0.");
        return values[..PackedModel.PixelTableSize];
    }
}
