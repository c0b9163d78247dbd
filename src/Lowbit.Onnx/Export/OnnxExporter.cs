using System.Globalization;
using Lowbit.Nn;
using Lowbit.Onnx.Graph;

namespace Lowbit.Onnx.Export;

/// <summary>
/// Exports a Lowbit model's evaluation-mode forward pass as an ONNX graph (opset 17): float layers as standard
/// operators, quantized weights folded into float constants under the checkpoint's names, activation quantizers as
/// exact standard-operator subgraphs (sign as Where(x ≥ 0, 1, −1); k-bit grids with Lowbit's rounding and a
/// QuantizeLinear/DequantizeLinear pair). docs/ONNX.md describes every mapping.
/// </summary>
public static class OnnxExporter
{
    /// <summary>Name of the graph input: float32 [batch, ...inputShape], normalised as the model was trained.</summary>
    public const string InputName = "input";

    /// <summary>Name of the graph output: the model's output [batch, ...], e.g. logits [batch, classes].</summary>
    public const string OutputName = "output";

    /// <summary>Builds the ONNX model of <paramref name="model"/> for inputs of shape [batch, ...inputShape].</summary>
    /// <param name="model">The model (switched to evaluation mode for the export and restored afterwards).</param>
    /// <param name="inputShape">Shape of one example, e.g. [1, 28, 28].</param>
    /// <param name="options">Graph name, metadata and representation choices.</param>
    /// <exception cref="NotSupportedException">A layer or quantizer has no faithful ONNX form (the message names it and why).</exception>
    public static OnnxModel Export(Module model, int[] inputShape, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(options);
        bool wasTraining = model.Training;
        var random = model.Random;
        model.Eval();
        model.SetRandom(null);
        try
        {
            var graph = new GraphBuilder();
            graph.ReserveValue(InputName);
            var context = new ExportContext(graph, options);
            var y = context.Module(model, "", new OnnxValue(InputName, inputShape));
            // The output gets a stable name through an Identity node (the last layer's value may be an input or initializer).
            graph.AddNamed("Identity", OutputName, [y.Name]);
            var metadata = new Dictionary<string, string>(options.Metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal)
            {
                ["lowbit.input_shape"] = string.Join(",", inputShape.Select(d => d.ToString(CultureInfo.InvariantCulture))),
                ["lowbit.sign_zero"] = "+1",
            };
            return new OnnxModel(options.GraphName, graph.Nodes, graph.Initializers,
                [new OnnxValueInfo(InputName, OnnxDataType.Float, [null, .. inputShape.Select(d => (long?)d)])],
                [new OnnxValueInfo(OutputName, OnnxDataType.Float, [null, .. y.Shape.Select(d => (long?)d)])],
                metadata, "Exported by Lowbit: the evaluation-mode forward pass of the trained model (docs/ONNX.md).");
        }
        finally
        {
            model.Train(wasTraining);
            model.SetRandom(random);
        }
    }
}
