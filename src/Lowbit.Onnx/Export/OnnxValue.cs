namespace Lowbit.Onnx.Export;

/// <summary>A float32 value of the graph being built: its name and its shape per example (without the batch axis).</summary>
/// <param name="Name">ONNX value name.</param>
/// <param name="Shape">Shape per example, e.g. [1, 28, 28] or [1024].</param>
internal readonly record struct OnnxValue(string Name, int[] Shape)
{
    /// <summary>Rank including the batch axis.</summary>
    public int Rank => Shape.Length + 1;

    /// <summary>The same value under another name (shape unchanged).</summary>
    public OnnxValue As(string name) => new(name, Shape);
}
