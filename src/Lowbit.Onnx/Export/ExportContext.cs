using Lowbit.Nn;
using Lowbit.Quantization;

namespace Lowbit.Onnx.Export;

/// <summary>State shared by the layer and quantizer exports of one model: the graph under construction and the options.</summary>
internal sealed class ExportContext(GraphBuilder graph, OnnxExportOptions options)
{
    /// <summary>The graph being built.</summary>
    public GraphBuilder Graph { get; } = graph;

    /// <summary>Export options.</summary>
    public OnnxExportOptions Options { get; } = options;

    /// <summary>Emits <paramref name="module"/> (found in <see cref="LayerExports"/>) applied to <paramref name="x"/>.</summary>
    public OnnxValue Module(Module module, string path, OnnxValue x) => LayerExports.Emit(this, module, path, x);

    /// <summary>Emits the evaluation-mode forward map of <paramref name="quantizer"/> on <paramref name="x"/>.</summary>
    public OnnxValue Quantizer(Quantizer quantizer, string path, OnnxValue x) => QuantizerExports.Find(quantizer, path).Emit(this, quantizer, path, x);
}
