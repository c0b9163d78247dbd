namespace Lowbit.Onnx.Graph;

/// <summary>One operator application in an ONNX graph (default domain).</summary>
/// <param name="OpType">Operator name, e.g. "Conv".</param>
/// <param name="Name">Unique node name (module path and operator, e.g. "0/Conv").</param>
/// <param name="Inputs">Input value names in the operator's order ("" for an omitted optional input).</param>
/// <param name="Outputs">Output value names.</param>
/// <param name="Attributes">Attributes.</param>
/// <param name="DocString">Why the node is there (e.g. "sign(0) = +1"), or null.</param>
public sealed record OnnxNode(string OpType, string Name, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs,
    IReadOnlyList<OnnxAttribute> Attributes, string? DocString = null);
