using Lowbit.Onnx.Graph;

namespace Lowbit.Onnx.Export.Quantizers;

/// <summary>
/// Builds a float64 subgraph that repeats a quantizer's double-precision arithmetic operation for operation, so that
/// the exported rounding is Lowbit's bit for bit: Lowbit widens each float32 input to double, computes the level in
/// double (IEEE operations, round half away from zero) and rounds the result to float32 once; ONNX Cast, Mul, Div, Clip
/// and the rounding below do the same on float64 tensors.
/// </summary>
internal sealed class DoubleChain
{
    private readonly GraphBuilder _graph;
    private readonly string _path;

    private DoubleChain(GraphBuilder graph, string path, string value)
    {
        _graph = graph;
        _path = path;
        Value = value;
    }

    /// <summary>The current float64 value's name.</summary>
    public string Value { get; private set; }

    /// <summary>Cast(x, DOUBLE): float32 → float64 is exact.</summary>
    public static DoubleChain From(GraphBuilder graph, string path, string floatValue) =>
        new(graph, path, graph.Add("Cast", path, [floatValue], OnnxAttribute.Of("to", (long)OnnxDataType.Double)));

    /// <summary>x·c.</summary>
    public DoubleChain Mul(double c) => Then("Mul", c);

    /// <summary>x/c.</summary>
    public DoubleChain Div(double c) => Then("Div", c);

    /// <summary>min(max(x, lo), hi), as Math.Clamp.</summary>
    public DoubleChain Clip(double lo, double hi)
    {
        Value = _graph.Add("Clip", _path, [Value, _graph.ScalarDouble(_path, "min", lo), _graph.ScalarDouble(_path, "max", hi)]);
        return this;
    }

    /// <summary>
    /// Round half away from zero (Lowbit's rounding; ONNX Round is half to even): r = Round(|x|), plus 1 where
    /// |x| − r = 0.5 exactly (a tie Round took down to even), with x's sign restored unless
    /// <paramref name="nonNegative"/> says x ≥ 0 already. |x| − r is exact in double (Sterbenz), so ties are found exactly.
    /// </summary>
    public DoubleChain RoundHalfAwayFromZero(bool nonNegative)
    {
        var g = _graph;
        string x = Value;
        string magnitude = nonNegative ? x : g.Add("Abs", _path, [x]);
        string even = g.Add("Round", _path, [magnitude]);
        string tie = g.Add("Equal", _path, [g.Add("Sub", _path, [magnitude, even]), g.ScalarDouble(_path, "half", 0.5)]);
        string up = g.Add("Cast", _path, [tie], OnnxAttribute.Of("to", (long)OnnxDataType.Double));
        Value = g.AddDocumented("Add", _path, [even, up], "round half away from zero, as Lowbit (ONNX Round and QuantizeLinear round half to even)");
        if (!nonNegative) Value = g.Add("Mul", _path, [Value, g.Add("Sign", _path, [x])]);
        return this;
    }

    /// <summary>Cast(x, FLOAT): the single rounding to float32 Lowbit does when it stores the level.</summary>
    public string ToFloat() => _graph.Add("Cast", _path, [Value], OnnxAttribute.Of("to", (long)OnnxDataType.Float));

    private DoubleChain Then(string op, double c)
    {
        Value = _graph.Add(op, _path, [Value, _graph.ScalarDouble(_path, op == "Mul" ? "factor" : "divisor", c)]);
        return this;
    }
}
