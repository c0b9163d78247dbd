using Google.Protobuf;
using Lowbit.Onnx.Graph;
using static Lowbit.Onnx.Proto.OnnxSchema;

namespace Lowbit.Onnx.Proto;

/// <summary>
/// Serializes an <see cref="OnnxModel"/> as an ONNX ModelProto by field number (<see cref="OnnxSchema"/>). A nested
/// message is written to its own buffer first and then embedded as a length-delimited field.
/// </summary>
internal static class OnnxProtoWriter
{
    /// <summary>The ModelProto bytes.</summary>
    public static byte[] Write(OnnxModel model) => Message(w =>
    {
        w.WriteInt64(OnnxSchema.Model.IrVersion, IrVersion);
        w.WriteString(OnnxSchema.Model.ProducerName, "lowbit");
        w.WriteString(OnnxSchema.Model.ProducerVersion, typeof(OnnxProtoWriter).Assembly.GetName().Version?.ToString() ?? "0");
        if (model.DocString is not null) w.WriteString(OnnxSchema.Model.DocString, model.DocString);
        w.WriteMessage(OnnxSchema.Model.Graph, Graph(model));
        w.WriteMessage(OnnxSchema.Model.OpsetImport, Message(o =>
        {
            o.WriteString(OperatorSetId.Domain, "");
            o.WriteInt64(OperatorSetId.Version, Opset);
        }));
        foreach (var (key, value) in model.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
            w.WriteMessage(OnnxSchema.Model.MetadataProps, Message(e =>
            {
                e.WriteString(StringEntry.Key, key);
                e.WriteString(StringEntry.Value, value);
            }));
    });

    private static byte[] Graph(OnnxModel model) => Message(w =>
    {
        foreach (var node in model.Nodes) w.WriteMessage(OnnxSchema.Graph.Node, Node(node));
        w.WriteString(OnnxSchema.Graph.Name, model.GraphName);
        foreach (var t in model.Initializers) w.WriteMessage(OnnxSchema.Graph.Initializer, Tensor(t));
        foreach (var v in model.Inputs) w.WriteMessage(OnnxSchema.Graph.Input, ValueInfo(v));
        foreach (var v in model.Outputs) w.WriteMessage(OnnxSchema.Graph.Output, ValueInfo(v));
    });

    private static byte[] Node(OnnxNode node) => Message(w =>
    {
        foreach (var input in node.Inputs) w.WriteString(OnnxSchema.Node.Input, input);
        foreach (var output in node.Outputs) w.WriteString(OnnxSchema.Node.Output, output);
        w.WriteString(OnnxSchema.Node.Name, node.Name);
        w.WriteString(OnnxSchema.Node.OpType, node.OpType);
        foreach (var a in node.Attributes) w.WriteMessage(OnnxSchema.Node.Attribute, Attribute(a));
        if (node.DocString is not null) w.WriteString(OnnxSchema.Node.DocString, node.DocString);
    });

    private static byte[] Attribute(OnnxAttribute a) => Message(w =>
    {
        w.WriteString(OnnxSchema.Attribute.Name, a.Name);
        if (a.Int is { } i)
        {
            w.WriteInt64(OnnxSchema.Attribute.Int, i);
            w.WriteInt64(OnnxSchema.Attribute.Type, OnnxSchema.Attribute.TypeInt);
        }
        else if (a.Ints is { } ints)
        {
            foreach (long v in ints) w.WriteInt64(OnnxSchema.Attribute.Ints, v); // unpacked repeated int64 (proto2 field)
            w.WriteInt64(OnnxSchema.Attribute.Type, OnnxSchema.Attribute.TypeInts);
        }
        else if (a.Float is { } f)
        {
            w.WriteFloat(OnnxSchema.Attribute.Float, f);
            w.WriteInt64(OnnxSchema.Attribute.Type, OnnxSchema.Attribute.TypeFloat);
        }
        else if (a.String is { } s)
        {
            w.WriteString(OnnxSchema.Attribute.String, s);
            w.WriteInt64(OnnxSchema.Attribute.Type, OnnxSchema.Attribute.TypeString);
        }
        else if (a.Tensor is { } t)
        {
            w.WriteMessage(OnnxSchema.Attribute.Tensor, Tensor(t));
            w.WriteInt64(OnnxSchema.Attribute.Type, OnnxSchema.Attribute.TypeTensor);
        }
        else throw new InvalidOperationException($"Attribute '{a.Name}' has no value.");
    });

    private static byte[] Tensor(OnnxTensor t) => Message(w =>
    {
        foreach (long d in t.Dims) w.WriteInt64(OnnxSchema.Tensor.Dims, d);
        w.WriteInt64(OnnxSchema.Tensor.DataType, (long)t.DataType);
        w.WriteString(OnnxSchema.Tensor.Name, t.Name);
        w.WriteBytes(OnnxSchema.Tensor.RawData, t.RawData);
        if (t.DocString is not null) w.WriteString(OnnxSchema.Tensor.DocString, t.DocString);
    });

    private static byte[] ValueInfo(OnnxValueInfo v) => Message(w =>
    {
        w.WriteString(OnnxSchema.ValueInfo.Name, v.Name);
        var shape = Message(s =>
        {
            foreach (long? d in v.Shape)
                s.WriteMessage(OnnxSchema.ValueInfo.ShapeDim, Message(dim =>
                {
                    if (d is { } value) dim.WriteInt64(OnnxSchema.ValueInfo.DimValue, value);
                    else dim.WriteString(OnnxSchema.ValueInfo.DimParam, "batch");
                }));
        });
        var tensorType = Message(t =>
        {
            t.WriteInt64(OnnxSchema.ValueInfo.TensorElemType, (long)v.DataType);
            t.WriteMessage(OnnxSchema.ValueInfo.TensorShape, shape);
        });
        w.WriteMessage(OnnxSchema.ValueInfo.Type, Message(t => t.WriteMessage(OnnxSchema.ValueInfo.TypeTensor, tensorType)));
    });

    private static byte[] Message(Action<FieldWriter> body)
    {
        using var buffer = new MemoryStream();
        var stream = new CodedOutputStream(buffer, leaveOpen: true);
        body(new FieldWriter(stream));
        stream.Flush();
        return buffer.ToArray();
    }

    /// <summary>Tag-plus-value writes on a <see cref="CodedOutputStream"/>.</summary>
    private readonly struct FieldWriter(CodedOutputStream stream)
    {
        public void WriteInt64(int field, long value)
        {
            stream.WriteTag(field, WireFormat.WireType.Varint);
            stream.WriteInt64(value);
        }

        public void WriteFloat(int field, float value)
        {
            stream.WriteTag(field, WireFormat.WireType.Fixed32);
            stream.WriteFloat(value);
        }

        public void WriteString(int field, string value)
        {
            stream.WriteTag(field, WireFormat.WireType.LengthDelimited);
            stream.WriteString(value);
        }

        public void WriteBytes(int field, byte[] value)
        {
            stream.WriteTag(field, WireFormat.WireType.LengthDelimited);
            stream.WriteBytes(UnsafeByteOperations.UnsafeWrap(value));
        }

        public void WriteMessage(int field, byte[] message) => WriteBytes(field, message);
    }
}
