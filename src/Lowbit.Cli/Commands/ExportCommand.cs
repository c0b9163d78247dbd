using System.CommandLine;
using System.Globalization;
using Lowbit.Inference.Format;
using Lowbit.Training.Checkpoints;

namespace Lowbit.Cli.Commands;

/// <summary>
/// <c>lowbit export</c>: packs a checkpoint into a deployable bit-packed model file (docs/FORMAT.md), or with
/// <c>--format onnx</c> writes its model as an ONNX graph (docs/ONNX.md), or with <c>--format safetensors</c> its weights.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(TextWriter output)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Checkpoint written by lowbit train (DIR/checkpoint.lbck).", Required = true };
        var outPath = new Option<string>("--out") { Description = "File to write (e.g. model.lbpm, model.onnx with --format onnx, model.safetensors with --format safetensors).", Required = true };
        var format = new Option<string>("--format") { Description = "packed: Lowbit's bit-packed format; onnx: an ONNX graph for ONNX Runtime and other runtimes; safetensors: the weights under PyTorch's names.", DefaultValueFactory = _ => "packed" };
        format.AcceptOnlyFromAmong("packed", "onnx", "safetensors");
        var qdq = new Option<bool>("--qdq") { Description = "With --format onnx: int8 weights and QuantizeLinear/DequantizeLinear pairs where bit-exact; false writes a plain float32 graph.", DefaultValueFactory = _ => true };
        var data = new Option<string?>("--data") { Description = "Dataset folder; only needed for \"standardize\" normalisation (training-set statistics)." };
        var cmd = new Command("export", "Pack a trained binary network (fold batch norm + sign into integer thresholds, 64 weights per word), or write it as ONNX (--format onnx) or its weights as safetensors (--format safetensors).") { checkpoint, outPath, data, format, qdq };
        cmd.SetAction(parse => parse.GetValue(format) switch
        {
            "onnx" => ExportOnnx.Run(parse.GetValue(checkpoint)!, parse.GetValue(outPath)!, parse.GetValue(data), parse.GetValue(qdq), output),
            "safetensors" => ExportSafetensors.Run(parse.GetValue(checkpoint)!, parse.GetValue(outPath)!, parse.GetValue(data), output),
            _ => Run(parse.GetValue(checkpoint)!, parse.GetValue(outPath)!, parse.GetValue(data), output),
        });
        return cmd;
    }

    private static int Run(string checkpointPath, string outPath, string? dataPath, TextWriter output)
    {
        CheckOutput(checkpointPath, outPath);
        PackedCheckpoint exported;
        try
        {
            exported = CheckpointPacking.Export(checkpointPath, dataPath);
        }
        catch (NotSupportedException e)
        {
            throw new UserException($"cannot pack '{checkpointPath}': {e.Message}");
        }
        var bytes = PackedModelFile.ToBytes(exported.Model);
        AtomicFile.WriteAllBytes(outPath, bytes);
        long packed = bytes.Length;
        long original = new FileInfo(checkpointPath).Length;
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"{exported.Source.Config.Name}: {exported.Model.Layers.Count} packed layers, input [{string.Join(", ", exported.Model.InputShape)}], {exported.Model.Classes} classes"));
        for (int i = 0; i < exported.Model.Layers.Count; i++)
        {
            var layer = exported.Model.Layers[i];
            output.WriteLine(string.Create(inv, $"  layer {i}: kind {layer.Kind} {layer.KindName,-20} {layer.Input.Count,6} → {layer.Output.Count,-6} {layer.ByteSize,10:N0} bytes"));
        }
        output.WriteLine(string.Create(inv, $"checkpoint {original:N0} bytes → packed model {packed:N0} bytes ({(double)original / packed:F1}x smaller): {outPath}"));
        return ExitCodes.Ok;
    }

    /// <summary>
    /// --out may name a new file or an earlier packed model; anything else (the checkpoint itself, a folder, another
    /// kind of file) is refused before any work, so an export never destroys what it did not write.
    /// </summary>
    private static void CheckOutput(string checkpointPath, string outPath)
    {
        if (Directory.Exists(outPath)) throw new UserException($"--out '{outPath}' is a folder; name the packed model file to write (e.g. {Path.Combine(outPath, "model.lbpm")}).");
        if (!File.Exists(outPath)) return;
        if (SameFile(checkpointPath, outPath))
            throw new UserException($"--out '{outPath}' is the checkpoint being exported; writing there would replace the training checkpoint. Choose another file (e.g. model.lbpm).");
        Span<byte> head = stackalloc byte[PackedModelFile.Magic.Length];
        int read;
        using (var stream = File.OpenRead(outPath)) read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read < head.Length || !head.SequenceEqual(PackedModelFile.Magic))
            throw new UserException($"--out '{outPath}' exists and is not a Lowbit packed model; refusing to replace it. Remove it first or choose another file.");
    }

    private static bool SameFile(string a, string b)
    {
        static string Resolve(string p) => new FileInfo(p).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(p);
        return string.Equals(Resolve(a), Resolve(b), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }
}
