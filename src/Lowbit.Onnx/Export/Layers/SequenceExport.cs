using Lowbit.Nn;
using Lowbit.Nn.Layers;

namespace Lowbit.Onnx.Export.Layers;

/// <summary><see cref="Sequential"/>: its children in order, each under its own name ("0", "1", ...).</summary>
internal static class SequenceExport
{
    public static OnnxValue Emit(ExportContext context, Module module, string path, OnnxValue x)
    {
        if (((Sequential)module).OutputHook is not null)
            throw new NotSupportedException($"'{LayerExports.Label(path)}' rounds every layer output to simulated low-precision arithmetic (the config's \"arithmetic\" block), which the ONNX export does not reproduce; export a float32-arithmetic model.");
        foreach (var (name, child) in module.Children) x = context.Module(child, LayerExports.Child(path, name), x);
        return x;
    }
}
