using System.Text.Json.Nodes;
using Lowbit.Data;
using Lowbit.Inference.Export;
using Lowbit.Inference.Format;
using Lowbit.Nn.Layers;
using Lowbit.Training;
using Lowbit.Training.Config;

namespace Lowbit.Api;

/// <summary>
/// A trained model packed for deployment exactly as <c>lowbit export</c> packs it (<see cref="ModelExporter"/> with the
/// pixel table of the config's normalisation and the metadata <c>lowbit infer</c> reads): one path for the library and
/// the command.
/// </summary>
public static class PackedExport
{
    /// <summary>Packs <paramref name="model"/> (evaluation mode) built from <paramref name="config"/>.</summary>
    /// <param name="model">The model with its trained state.</param>
    /// <param name="config">Its config (data section: dataset name and normalisation).</param>
    /// <param name="inputShape">Per-example input shape [C, H, W].</param>
    /// <param name="checkpointName">The checkpoint file name recorded in the metadata.</param>
    /// <exception cref="NotSupportedException">The model cannot be packed (see <see cref="ModelExporter"/>).</exception>
    public static PackedModel Pack(Sequential model, ExperimentConfig config, int[] inputShape, string checkpointName)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(inputShape);
        var table = PixelTable(config.Data, inputShape[0]);
        return ModelExporter.Export(model, inputShape, table, Metadata(config, checkpointName));
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

    /// <summary>The float32 value the model sees for each byte value of each channel under the config's normalisation: [channels, 256].</summary>
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

    /// <summary>
    /// The float32 value <paramref name="normalization"/> gives each byte value of each channel, [channels, 256] (the
    /// packed format stores one table per channel, so per-channel standardisation packs as it is).
    /// </summary>
    public static float[] PixelTable(NormalizationOptions normalization, int channels)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        return normalization.PixelTable(channels);
    }
}
