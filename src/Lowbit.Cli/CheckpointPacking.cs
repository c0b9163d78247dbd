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
    /// <exception cref="NotSupportedException">Channels map bytes differently.</exception>
    public static float[] PixelTable(NormalizationOptions normalization, int channels)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        var values = normalization.PixelTable(channels);
        for (int c = 1; c < channels; c++)
            if (!values.AsSpan(c * 256, 256).SequenceEqual(values.AsSpan(0, 256)))
                throw new NotSupportedException($"The packed format has one pixel table for all channels, but normalisation {normalization.Kind} maps channel {c} differently from channel 0.");
        return values[..PackedModel.PixelTableSize];
    }
}
