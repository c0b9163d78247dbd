namespace Lowbit.Onnx.Graph;

/// <summary>A node attribute: exactly one of an integer, integers, a float, a string or a tensor.</summary>
public sealed class OnnxAttribute
{
    private OnnxAttribute(string name) => Name = name;

    /// <summary>Attribute name (e.g. "strides").</summary>
    public string Name { get; }

    /// <summary>The integer value, or null.</summary>
    public long? Int { get; private init; }

    /// <summary>The integer list, or null.</summary>
    public IReadOnlyList<long>? Ints { get; private init; }

    /// <summary>The float value, or null.</summary>
    public float? Float { get; private init; }

    /// <summary>The string value, or null.</summary>
    public string? String { get; private init; }

    /// <summary>The tensor value, or null.</summary>
    public OnnxTensor? Tensor { get; private init; }

    /// <summary>An INT attribute.</summary>
    public static OnnxAttribute Of(string name, long value) => new(name) { Int = value };

    /// <summary>An INTS attribute (also for a single value, e.g. axes = [1]).</summary>
    public static OnnxAttribute OfInts(string name, params long[] values) => new(name) { Ints = values };

    /// <summary>A FLOAT attribute.</summary>
    public static OnnxAttribute Of(string name, float value) => new(name) { Float = value };

    /// <summary>A STRING attribute.</summary>
    public static OnnxAttribute Of(string name, string value) => new(name) { String = value };

    /// <summary>A TENSOR attribute.</summary>
    public static OnnxAttribute Of(string name, OnnxTensor value) => new(name) { Tensor = value };
}
