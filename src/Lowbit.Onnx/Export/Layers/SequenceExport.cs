using Lowbit.Nn;
using Lowbit.Nn.Layers;

namespace Lowbit.Onnx.Export.Layers;

/// <summary><see cref="Sequential"/>: its children in order, each under its own name ("0", "1", ...).</summary>
internal static class SequenceExport
{
    public static OnnxValue Emit(ExportContext context, Module module, string path, OnnxValue x)
    {
        foreach (var (name, child) in module.Children) x = context.Module(child, LayerExports.Child(path, name), x);
        return x;
    }
}
