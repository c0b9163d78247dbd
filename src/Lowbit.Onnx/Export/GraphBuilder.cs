using Lowbit.Onnx.Graph;

namespace Lowbit.Onnx.Export;

/// <summary>
/// Collects nodes and initializers with unique names. Node names are "scope/OpType" (numbered on repeats); each node's
/// single output value has the node's name (ONNX keeps node and value names in separate namespaces).
/// </summary>
internal sealed class GraphBuilder
{
    private readonly List<OnnxNode> _nodes = [];
    private readonly List<OnnxTensor> _initializers = [];
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _valueNames = new(StringComparer.Ordinal);

    /// <summary>Nodes so far, in topological order.</summary>
    public IReadOnlyList<OnnxNode> Nodes => _nodes;

    /// <summary>Initializers so far.</summary>
    public IReadOnlyList<OnnxTensor> Initializers => _initializers;

    /// <summary>Declares a graph input name (so no node output takes it).</summary>
    public void ReserveValue(string name)
    {
        if (!_valueNames.Add(name)) throw new InvalidOperationException($"ONNX value name '{name}' is already taken.");
    }

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    /// <param name="opType">Operator.</param>
    /// <param name="scope">Module path ("" for the root) under which the node is named.</param>
    /// <param name="inputs">Input value names.</param>
    /// <param name="attributes">Attributes.</param>
    public string Add(string opType, string scope, IReadOnlyList<string> inputs, params OnnxAttribute[] attributes) =>
        AddDocumented(opType, scope, inputs, null, attributes);

    /// <summary><see cref="Add"/> with a doc string on the node.</summary>
    public string AddDocumented(string opType, string scope, IReadOnlyList<string> inputs, string? docString, params OnnxAttribute[] attributes)
    {
        string baseName = scope.Length == 0 ? opType : $"{scope}/{opType}";
        string name = baseName;
        for (int k = 1; _nodeNames.Contains(name) || _valueNames.Contains(name); k++) name = $"{baseName}_{k}";
        _nodeNames.Add(name);
        _valueNames.Add(name);
        _nodes.Add(new OnnxNode(opType, name, inputs, [name], attributes, docString));
        return name;
    }

    /// <summary>Adds a node whose node and output name is exactly <paramref name="name"/> (which must be new).</summary>
    public string AddNamed(string opType, string name, IReadOnlyList<string> inputs)
    {
        if (_nodeNames.Contains(name) || !_valueNames.Add(name)) throw new InvalidOperationException($"ONNX name '{name}' is already taken.");
        _nodeNames.Add(name);
        _nodes.Add(new OnnxNode(opType, name, inputs, [name], []));
        return name;
    }

    /// <summary>Adds an initializer under its own name (which must be new) and returns the name.</summary>
    public string Initializer(OnnxTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!_valueNames.Add(tensor.Name)) throw new InvalidOperationException($"ONNX value name '{tensor.Name}' is already taken.");
        _initializers.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A new unique initializer name "scope/label" (numbered on repeats).</summary>
    public string ConstantName(string scope, string label)
    {
        string baseName = scope.Length == 0 ? label : $"{scope}/{label}";
        string name = baseName;
        for (int k = 1; _valueNames.Contains(name); k++) name = $"{baseName}_{k}";
        return name;
    }

    /// <summary>A float32 scalar constant.</summary>
    public string Scalar(string scope, string label, float value) => Initializer(OnnxTensor.FromFloats(ConstantName(scope, label), [value], []));

    /// <summary>A float64 scalar constant.</summary>
    public string ScalarDouble(string scope, string label, double value) => Initializer(OnnxTensor.FromDoubles(ConstantName(scope, label), [value], []));

    /// <summary>An int64 vector constant (shapes, axes).</summary>
    public string Int64s(string scope, string label, params long[] values) => Initializer(OnnxTensor.FromInt64s(ConstantName(scope, label), values, [values.Length]));
}
