namespace Lowbit.Onnx.Proto;

/// <summary>
/// Field numbers and enum values of the ONNX protobuf messages Lowbit writes, as the ONNX specification defines them
/// (onnx/onnx.proto of the ONNX project, IR version 8, documented at onnx.ai/onnx/repo-docs/IR.html). Only the fields
/// the exporter uses are listed; everything is written by number with Google.Protobuf's CodedOutputStream.
/// </summary>
internal static class OnnxSchema
{
    /// <summary>IR version 8 (ONNX 1.10+): the newest IR every runtime of the last years and onnx 1.12's checker accept.</summary>
    public const long IrVersion = 8;

    /// <summary>Default-domain opset: 17 has every operator the exporter needs (GreaterOrEqual, Where, per-axis QuantizeLinear).</summary>
    public const long Opset = 17;

    /// <summary>ModelProto fields.</summary>
    public static class Model
    {
        public const int IrVersion = 1;
        public const int ProducerName = 2;
        public const int ProducerVersion = 3;
        public const int DocString = 6;
        public const int Graph = 7;
        public const int OpsetImport = 8;
        public const int MetadataProps = 14;
    }

    /// <summary>OperatorSetIdProto fields.</summary>
    public static class OperatorSetId
    {
        public const int Domain = 1;
        public const int Version = 2;
    }

    /// <summary>StringStringEntryProto fields.</summary>
    public static class StringEntry
    {
        public const int Key = 1;
        public const int Value = 2;
    }

    /// <summary>GraphProto fields.</summary>
    public static class Graph
    {
        public const int Node = 1;
        public const int Name = 2;
        public const int Initializer = 5;
        public const int DocString = 10;
        public const int Input = 11;
        public const int Output = 12;
    }

    /// <summary>NodeProto fields.</summary>
    public static class Node
    {
        public const int Input = 1;
        public const int Output = 2;
        public const int Name = 3;
        public const int OpType = 4;
        public const int Attribute = 5;
        public const int DocString = 6;
    }

    /// <summary>AttributeProto fields and its AttributeType enum.</summary>
    public static class Attribute
    {
        public const int Name = 1;
        public const int Float = 2;
        public const int Int = 3;
        public const int String = 4;
        public const int Tensor = 5;
        public const int Ints = 8;
        public const int Type = 20;

        public const int TypeFloat = 1;
        public const int TypeInt = 2;
        public const int TypeString = 3;
        public const int TypeTensor = 4;
        public const int TypeInts = 7;
    }

    /// <summary>TensorProto fields.</summary>
    public static class Tensor
    {
        public const int Dims = 1;
        public const int DataType = 2;
        public const int Name = 8;
        public const int RawData = 9;
        public const int DocString = 12;
    }

    /// <summary>ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto and its Dimension.</summary>
    public static class ValueInfo
    {
        public const int Name = 1;
        public const int Type = 2;
        public const int TypeTensor = 1;
        public const int TensorElemType = 1;
        public const int TensorShape = 2;
        public const int ShapeDim = 1;
        public const int DimValue = 1;
        public const int DimParam = 2;
    }
}
