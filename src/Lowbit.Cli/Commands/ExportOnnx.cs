using System.Globalization;
using Lowbit.Data;
using Lowbit.Onnx.Export;
using Lowbit.Training;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;

namespace Lowbit.Cli.Commands;

/// <summary><c>lowbit export --format onnx</c>: the checkpoint's model as an ONNX graph (docs/ONNX.md).</summary>
internal static class ExportOnnx
{
    public static int Run(string checkpointPath, string outPath, string? dataPath, bool quantizeDequantize, TextWriter output)
    {
        var (model, config, inputShape, _) = CheckpointModel.Load(checkpointPath, dataPath);
        Onnx.Graph.OnnxModel onnx;
        try
        {
            onnx = OnnxExporter.Export(model, inputShape, new OnnxExportOptions(config.Name, Metadata(config, checkpointPath), quantizeDequantize));
        }
        catch (NotSupportedException e)
        {
            throw new UserException($"cannot export '{checkpointPath}' to ONNX: {e.Message}");
        }
        long bytes = onnx.Save(outPath);
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"{config.Name}: ONNX opset {Onnx.Graph.OnnxModel.Opset}, input \"{OnnxExporter.InputName}\" [batch, {string.Join(", ", inputShape)}] normalised {config.Data.Normalize}, output \"{OnnxExporter.OutputName}\""));
        output.WriteLine("  operators: " + string.Join(", ", onnx.Nodes.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}")));
        output.WriteLine(string.Create(inv, $"  {onnx.Initializers.Count} initializers, {onnx.Initializers.Sum(t => t.ElementCount):N0} values; {bytes:N0} bytes: {outPath}"));
        return ExitCodes.Ok;
    }

    /// <summary>Name, dataset, checkpoint and the input normalisation (with the training-set statistics for "standardize").</summary>
    private static Dictionary<string, string> Metadata(ExperimentConfig config, string checkpointPath)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["lowbit.name"] = config.Name,
            ["lowbit.dataset"] = config.Data.Dataset,
            ["lowbit.checkpoint"] = Path.GetFileName(checkpointPath),
            ["lowbit.normalize"] = config.Data.Normalize,
        };
        if (config.Data.Normalize is not ("zero_one" or "plus_minus_one"))
        {
            NormalizationOptions normalization = DataResolver.Load(config.Data).Normalization;
            metadata["lowbit.normalize_mean"] = string.Join(",", normalization.Mean.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            metadata["lowbit.normalize_std"] = string.Join(",", normalization.Std.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        }
        return metadata;
    }
}
