namespace Lowbit.Onnx.Graph;

/// <summary>A graph input or output: name, element type and shape (a null dimension is symbolic, named "batch").</summary>
/// <param name="Name">Value name.</param>
/// <param name="DataType">Element type.</param>
/// <param name="Shape">Dimensions; null entries are the symbolic batch dimension.</param>
public sealed record OnnxValueInfo(string Name, OnnxDataType DataType, IReadOnlyList<long?> Shape);
