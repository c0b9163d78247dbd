using System.Text.Json.Nodes;
using Lowbit.Data;
using Lowbit.Inference.Export;
using Lowbit.Inference.Format;
using Lowbit.Training;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;

namespace Lowbit.Cli;

/// <summary>A checkpoint's model packed for deployment, with the loaded checkpoint it came from.</summary>
/// <param name="Model">The packed model.</param>
/// <param name="Source">The checkpoint's float model and config.</param>
internal sealed record PackedCheckpoint(PackedModel Model, CheckpointModel Source);

/// <summary>Checkpoint → float model (<see cref="CheckpointModel"/>) → <see cref="PackedModel"/>, as <c>lowbit export</c> does.</summary>
internal static class CheckpointPacking
{
    /// <summary>Loads <paramref name="checkpointPath"/> and packs its model.</summary>
    /// <param name="checkpointPath">A checkpoint written by <c>lowbit train</c>.</param>
    /// <param name="dataPath">Dataset folder, only needed for "standardize" normalisation (statistics of the training set).</param>
    /// <exception cref="InvalidDataException">The checkpoint is corrupted.</exception>
    /// <exception cref="NotSupportedException">The model cannot be packed (see <see cref="ModelExporter"/>).</exception>
    public static PackedCheckpoint Export(string checkpointPath, string? dataPath = null)
    {
        var source = CheckpointModel.Load(checkpointPath, dataPath);
        var table = PixelTable(source.Config.Data, source.InputShape[0]);
        var metadata = Metadata(source.Config, Path.GetFileName(checkpointPath));
        return new PackedCheckpoint(ModelExporter.Export(source.Model, source.InputShape, table, metadata), source);
    }

    /// <summary>The metadata JSON <c>lowbit export</c> stores: name, dataset, normalisation and the checkpoint's file name.</summary>
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

    /// <summary>
    /// The float32 value the model sees for each byte value under the config's normalisation, per channel
    /// (<c>[channels, 256]</c>). Standardisation without statistics in the config reads the training set for them.
    /// </summary>
    public static float[] PixelTable(DataConfig data, int channels)
    {
        ArgumentNullException.ThrowIfNull(data);
        var normalization = data.Normalize switch
        {
            "zero_one" => NormalizationOptions.ZeroOne,
            "plus_minus_one" => NormalizationOptions.PlusMinusOne,
            _ when data.Mean is not null && data.Std is not null => NormalizationOptions.Standardize(data.Mean, data.Std),
            _ => DataResolver.Load(data).Normalization,
        };
        return normalization.PixelTable(channels);
    }
}
