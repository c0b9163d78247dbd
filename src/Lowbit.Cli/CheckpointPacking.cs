using Lowbit.Api;
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
    /// <summary>Loads <paramref name="checkpointPath"/> and packs its model (<see cref="PackedExport"/>, as the library does).</summary>
    /// <param name="checkpointPath">A checkpoint written by <c>lowbit train</c>.</param>
    /// <param name="dataPath">Dataset folder, only needed for "standardize" normalisation (statistics of the training set).</param>
    /// <exception cref="InvalidDataException">The checkpoint is corrupted.</exception>
    /// <exception cref="NotSupportedException">The model cannot be packed (see <see cref="Inference.Export.ModelExporter"/>).</exception>
    public static PackedCheckpoint Export(string checkpointPath, string? dataPath = null)
    {
        var source = CheckpointModel.Load(checkpointPath, dataPath);
        return new PackedCheckpoint(PackedExport.Pack(source.Model, source.Config, source.InputShape, Path.GetFileName(checkpointPath)), source);
    }

    /// <summary>The metadata JSON <c>lowbit export</c> stores (<see cref="PackedExport.Metadata"/>).</summary>
    public static string Metadata(ExperimentConfig config, string checkpointFileName) => PackedExport.Metadata(config, checkpointFileName);

    /// <summary>The float32 value the model sees for each byte value of each channel under the config's normalisation.</summary>
    public static float[] PixelTable(DataConfig data, int channels) => PackedExport.PixelTable(data, channels);

    /// <summary>The float32 value <paramref name="normalization"/> gives each byte value of each channel, [channels, 256].</summary>
    public static float[] PixelTable(NormalizationOptions normalization, int channels) => PackedExport.PixelTable(normalization, channels);
}
