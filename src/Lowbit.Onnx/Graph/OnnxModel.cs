using Lowbit.Onnx.Proto;

namespace Lowbit.Onnx.Graph;

/// <summary>An ONNX model as Lowbit writes it: one graph in the default domain (opset 17, IR version 8) plus metadata.</summary>
public sealed class OnnxModel
{
    /// <summary>Creates the model.</summary>
    /// <param name="graphName">Graph name (the experiment name).</param>
    /// <param name="nodes">Nodes in topological order.</param>
    /// <param name="initializers">Constant tensors (weights, statistics, quantizer constants).</param>
    /// <param name="inputs">Graph inputs.</param>
    /// <param name="outputs">Graph outputs.</param>
    /// <param name="metadata">Key/value metadata (ModelProto.metadata_props).</param>
    /// <param name="docString">Model description, or null.</param>
    public OnnxModel(string graphName, IReadOnlyList<OnnxNode> nodes, IReadOnlyList<OnnxTensor> initializers, IReadOnlyList<OnnxValueInfo> inputs,
        IReadOnlyList<OnnxValueInfo> outputs, IReadOnlyDictionary<string, string> metadata, string? docString = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(graphName);
        GraphName = graphName;
        Nodes = nodes ?? throw new ArgumentNullException(nameof(nodes));
        Initializers = initializers ?? throw new ArgumentNullException(nameof(initializers));
        Inputs = inputs ?? throw new ArgumentNullException(nameof(inputs));
        Outputs = outputs ?? throw new ArgumentNullException(nameof(outputs));
        Metadata = metadata ?? throw new ArgumentNullException(nameof(metadata));
        DocString = docString;
    }

    /// <summary>Graph name.</summary>
    public string GraphName { get; }

    /// <summary>Nodes in topological order.</summary>
    public IReadOnlyList<OnnxNode> Nodes { get; }

    /// <summary>Initializers.</summary>
    public IReadOnlyList<OnnxTensor> Initializers { get; }

    /// <summary>Graph inputs.</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; }

    /// <summary>Graph outputs.</summary>
    public IReadOnlyList<OnnxValueInfo> Outputs { get; }

    /// <summary>Metadata properties.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Model description, or null.</summary>
    public string? DocString { get; }

    /// <summary>Default-domain opset version.</summary>
    public static long Opset => OnnxSchema.Opset;

    /// <summary>The serialized ModelProto.</summary>
    public byte[] ToBytes() => OnnxProtoWriter.Write(this);

    /// <summary>
    /// Writes the model to <paramref name="path"/> through a temporary file in the same folder and a rename, so a
    /// reader never sees a half-written model; returns the file size in bytes.
    /// </summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public long Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = ToBytes();
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        return bytes.Length;
    }
}
