using System.Globalization;
using Lowbit.Api;

namespace Lowbit.Cli.Commands;

/// <summary>
/// <c>lowbit export --format safetensors</c>: the checkpoint's parameters and buffers under their state-dict names (PyTorch's
/// for the same modules), with the config in the metadata (<see cref="LowbitModel.SaveSafetensors"/>).
/// </summary>
internal static class ExportSafetensors
{
    public static int Run(string checkpointPath, string outPath, string? dataPath, TextWriter output)
    {
        var model = LowbitModel.Load(checkpointPath, dataPath);
        model.SaveSafetensors(outPath);
        var state = model.Network.StateDict();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{model.Name}: {state.Count} tensors, {state.Values.Sum(t => (long)t.Length):N0} values, config in metadata \"{LowbitModel.ConfigMetadataKey}\"; {new FileInfo(outPath).Length:N0} bytes: {outPath}"));
        return ExitCodes.Ok;
    }
}
