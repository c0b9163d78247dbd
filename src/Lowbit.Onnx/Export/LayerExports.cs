using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Onnx.Export.Layers;
using Lowbit.Tensors;

namespace Lowbit.Onnx.Export;

/// <summary>Emits one module applied to a value; returns the output value.</summary>
internal delegate OnnxValue LayerEmitter(ExportContext context, Module module, string path, OnnxValue x);

/// <summary>
/// The ONNX form of every exportable module type, one entry per type (a subclass uses its nearest registered base
/// type). A module without an entry is a one-line error naming its path.
/// </summary>
internal static class LayerExports
{
    private static readonly Dictionary<Type, LayerEmitter> s_emitters = new()
    {
        [typeof(Sequential)] = SequenceExport.Emit,
        [typeof(Linear)] = DenseExport.Emit,
        [typeof(Conv2d)] = ConvExport.Emit,
        [typeof(ShiftLayerBase)] = ShiftExport.Emit,
        [typeof(BatchNorm)] = NormalizationExport.EmitBatchNorm,
        [typeof(ShiftBatchNorm)] = NormalizationExport.EmitShiftBatchNorm,
        [typeof(Relu)] = ElementwiseExport.EmitRelu,
        [typeof(HardTanh)] = ElementwiseExport.EmitHardTanh,
        [typeof(Dropout)] = ElementwiseExport.EmitDropout,
        [typeof(Flatten)] = ElementwiseExport.EmitFlatten,
        [typeof(QuantActivation)] = ElementwiseExport.EmitQuantActivation,
        [typeof(QuantizerModule)] = ElementwiseExport.EmitQuantizerModule,
        [typeof(MaxPool2d)] = PoolExport.EmitMaxPool,
        [typeof(AvgPool2d)] = PoolExport.EmitAvgPool,
        [typeof(GlobalAvgPool2d)] = StructureExport.EmitGlobalAvgPool,
        [typeof(Residual)] = StructureExport.EmitResidual,
        [typeof(ChannelPadShortcut)] = StructureExport.EmitChannelPad,
    };

    /// <summary>Emits <paramref name="module"/> and checks the output shape against the module's own shape rule.</summary>
    /// <exception cref="NotSupportedException">The module (or one of its quantizers) has no faithful ONNX form.</exception>
    public static OnnxValue Emit(ExportContext context, Module module, string path, OnnxValue x)
    {
        for (var type = module.GetType(); type is not null; type = type.BaseType)
        {
            if (!s_emitters.TryGetValue(type, out var emit)) continue;
            var expected = module.OutputShape(x.Shape); // validates the input shape before any node is emitted
            var y = emit(context, module, path, x);
            if (!y.Shape.AsSpan().SequenceEqual(expected))
                throw new InvalidOperationException($"ONNX export of layer '{Label(path)}' ({module.Describe()}) produced shape {ShapeUtil.Format(y.Shape)} but the layer gives {ShapeUtil.Format(expected)}.");
            return y;
        }
        throw new NotSupportedException($"layer '{Label(path)}' ({module.Describe()}) has no ONNX export; exportable layers: {string.Join(", ", s_emitters.Keys.Select(t => t.Name))}.");
    }

    /// <summary>A module path for messages ("model" for the root).</summary>
    public static string Label(string path) => path.Length == 0 ? "model" : path;

    /// <summary>The path of a child: "1", or "3.0" inside "3".</summary>
    public static string Child(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
