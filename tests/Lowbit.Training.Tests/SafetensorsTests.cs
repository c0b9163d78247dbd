using System.Buffers.Binary;
using System.Text;
using Lowbit.Tensors;
using Lowbit.Training.Interop;

namespace Lowbit.Training.Tests;

/// <summary>The safetensors reader and writer against hand-built files and hand-checked bytes.</summary>
public class SafetensorsTests
{
    [Fact]
    public void Write_OneTensor_HandCheckedBytes()
    {
        byte[] bytes = Safetensors.ToBytes(new Dictionary<string, Tensor> { ["a"] = Tensor.FromArray([1f, -2f], 2) });
        const string Json = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        Assert.Equal(54, Json.Length);
        Assert.Equal(56ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes));        // 54 padded with spaces to a multiple of 8
        Assert.Equal(Json + "  ", Encoding.UTF8.GetString(bytes, 8, 56));
        Assert.Equal(new byte[] { 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0 }, bytes[64..]); // 1.0f, -2.0f little-endian
        Assert.Equal(72, bytes.Length);
    }

    [Fact]
    public void RoundTrip_Float32AndFloat64_ScalarsEmptyTensorsAndMetadata()
    {
        var random = new Random(5);
        var tensors = new Dictionary<string, Tensor>
        {
            ["layer.0.weight"] = Tensor.FromArray(Enumerable.Range(0, 24).Select(_ => (float)random.NextDouble()).ToArray(), 2, 3, 4),
            ["layer.1.running_var"] = Tensor.FromArray(new[] { 1e-300, Math.PI, -0.0 }, 3),
            ["scalar"] = Tensor.FromArray([42f]),
            ["empty"] = Tensor.FromArray(Array.Empty<float>(), 0, 5),
        };
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ü ✓" };
        var file = Safetensors.Parse(Safetensors.ToBytes(tensors, metadata), "t.safetensors");
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(tensors.Keys.Order(), file.Tensors.Keys.Order());
        foreach (var (name, tensor) in tensors)
        {
            var read = file.Tensors[name];
            Assert.Equal(tensor.DType, read.DType);
            Assert.Equal(tensor.Shape, read.Shape);
            Assert.Equal(tensor.ToDoubleArray(), read.ToDoubleArray());
        }
    }

    [Fact]
    public void Read_OtherDTypes_WidenedExactly()
    {
        var file = Safetensors.Parse(Build(
            ("h", "F16", [2], [0x00, 0x3C, 0x00, 0xC0]),            // 1.0, -2.0
            ("b", "BF16", [2], [0x80, 0x3F, 0x49, 0x40]),           // 1.0, 3.140625
            ("n", "I64", [1], BitConverter.GetBytes(-5L)),
            ("u", "U8", [3], [0, 7, 255]),
            ("i", "I8", [1], [0xFF]),
            ("t", "BOOL", [2], [1, 0])), "d.safetensors");
        Assert.Equal(new[] { 1.0, -2.0 }, file.Tensors["h"].ToDoubleArray());
        Assert.Equal(new[] { 1.0, 3.140625 }, file.Tensors["b"].ToDoubleArray());
        Assert.Equal(new[] { -5.0 }, file.Tensors["n"].ToDoubleArray());
        Assert.Equal(new[] { 0.0, 7, 255 }, file.Tensors["u"].ToDoubleArray());
        Assert.Equal(new[] { -1.0 }, file.Tensors["i"].ToDoubleArray());
        Assert.Equal(new[] { 1.0, 0 }, file.Tensors["t"].ToDoubleArray());
    }

    [Theory]
    [InlineData("gap", "tensor 'b' starts at data byte 8 (file byte")]
    [InlineData("overlap", "tensor 'b' starts at data byte 2 (file byte")]
    [InlineData("size", "tensor 'a': shape [1] of F32 needs 4 bytes but data_offsets [0, 8] hold 8")]
    [InlineData("dtype", "tensor 'a': dtype \"F8_E4M3\" is not supported")]
    [InlineData("tail", "the tensors cover 4 data bytes but the file holds 6 after the header")]
    public void Read_BadStructure_NamesFileTensorAndOffset(string damage, string expected)
    {
        byte[] bytes = damage switch
        {
            "gap" => Build(("a", "F32", [1], new byte[4]), ("b", "F32", [1], new byte[4]), gapAfterFirst: 4),
            "overlap" => Raw("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}""", 6),
            "size" => Raw("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}""", 8),
            "dtype" => Raw("""{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}""", 1),
            _ => Raw("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 6),
        };
        var e = Assert.Throws<InvalidDataException>(() => Safetensors.Parse(bytes, "bad.safetensors"));
        Assert.StartsWith("bad.safetensors: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Read_HeaderLengthPastTheEnd_Refused()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        var e = Assert.Throws<InvalidDataException>(() => Safetensors.Parse(bytes, "short.safetensors"));
        Assert.Equal("short.safetensors: header length 1000 at byte 0 exceeds the file (16 bytes) or the 100000000-byte limit.", e.Message);
        Assert.Throws<InvalidDataException>(() => Safetensors.Parse(Raw("[1, 2]", 0), "array.safetensors"));
        Assert.Throws<InvalidDataException>(() => Safetensors.Parse(Raw("{", 0), "json.safetensors"));
    }

    private static byte[] Raw(string json, int dataBytes)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }

    private static byte[] Build(params (string Name, string DType, int[] Shape, byte[] Data)[] tensors) => Build(tensors, 0);

    private static byte[] Build((string Name, string DType, int[] Shape, byte[] Data) first, (string Name, string DType, int[] Shape, byte[] Data) second, int gapAfterFirst) =>
        Build([first, second], gapAfterFirst);

    private static byte[] Build((string Name, string DType, int[] Shape, byte[] Data)[] tensors, int gapAfterFirst)
    {
        var json = new StringBuilder("{");
        var data = new List<byte>();
        for (int i = 0; i < tensors.Length; i++)
        {
            var (name, dtype, shape, bytes) = tensors[i];
            if (i > 0) json.Append(',');
            json.Append($$"""
                "{{name}}":{"dtype":"{{dtype}}","shape":[{{string.Join(",", shape)}}],"data_offsets":[{{data.Count}},{{data.Count + bytes.Length}}]}
                """);
            data.AddRange(bytes);
            if (i == 0) data.AddRange(new byte[gapAfterFirst]);
        }
        json.Append('}');
        byte[] raw = Raw(json.ToString(), data.Count);
        data.ToArray().CopyTo(raw, raw.Length - data.Count);
        return raw;
    }
}
