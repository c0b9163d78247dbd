namespace Lowbit.Onnx.Export;

/// <summary>Settings of an ONNX export.</summary>
/// <param name="GraphName">Graph name (e.g. the experiment name).</param>
/// <param name="Metadata">Key/value pairs stored as model metadata (e.g. the input normalisation).</param>
/// <param name="QuantizeDequantize">
/// Mark k-bit activations with a QuantizeLinear/DequantizeLinear pair carrying their integer grid and store quantized
/// weights as int8 codes + DequantizeLinear (bits ≤ 8, only where that reproduces every value bit for bit); false
/// leaves the exactly rounded float activations and float weights alone (a plain float32 graph, same results).
/// </param>
public sealed record OnnxExportOptions(string GraphName, IReadOnlyDictionary<string, string>? Metadata = null, bool QuantizeDequantize = true);
