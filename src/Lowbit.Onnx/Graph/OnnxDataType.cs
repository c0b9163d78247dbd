namespace Lowbit.Onnx.Graph;

/// <summary>Element types of ONNX tensors (TensorProto.DataType values of the ONNX specification) that Lowbit writes.</summary>
public enum OnnxDataType
{
    /// <summary>IEEE float32.</summary>
    Float = 1,

    /// <summary>Unsigned 8-bit integer (k-bit unsigned activation codes).</summary>
    UInt8 = 2,

    /// <summary>Signed 8-bit integer (k-bit signed codes, ±1 weights).</summary>
    Int8 = 3,

    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 6,

    /// <summary>Signed 64-bit integer (shapes, axes).</summary>
    Int64 = 7,

    /// <summary>Boolean.</summary>
    Bool = 9,

    /// <summary>IEEE float64 (exact re-computation of Lowbit's double-precision rounding).</summary>
    Double = 11,
}
