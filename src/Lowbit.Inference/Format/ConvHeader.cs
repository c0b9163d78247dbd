using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Format;

/// <summary>
/// The 28-byte header of the convolution kinds (8, 9): kind, flags (bit 0 = has bias), weight code (0 = float32,
/// 1 = ±1 signs), a reserved zero byte; <c>u32</c> input channels, height, width; <c>u32</c> output channels; kernel,
/// stride, padding as bytes and a reserved zero byte; <c>f32</c> padding value (<see cref="ConvGeometry"/>).
/// </summary>
internal readonly record struct ConvHeader(byte Kind, byte Flags, byte WeightCode, ConvGeometry Geometry)
{
    /// <summary>Header bytes.</summary>
    public const int Size = 28;

    /// <summary>Flag: a float32 bias per output channel follows the weights.</summary>
    public const byte FlagBias = 1;

    /// <summary>Weight codes: float32, ±1 signs, unsigned k-bit codes as bit planes with a level table.</summary>
    public const byte FloatWeights = 0, SignWeights = 1, CodeWeights = 2;

    /// <summary>Bytes of the weights: O rows of C·k·k ±1 bits packed, or O·C·k·k float32.</summary>
    public static long WeightBytes(ConvGeometry g, byte weightCode) =>
        weightCode == SignWeights ? 8L * g.OutChannels * BitLayout.WordsPerRow(g.PatchSize) : 4L * g.OutChannels * g.PatchSize;

    public void Write(ref PackedWriter w)
    {
        var g = Geometry;
        w.U32(Kind | (uint)Flags << 8 | (uint)WeightCode << 16);
        w.U32((uint)g.InChannels);
        w.U32((uint)g.InHeight);
        w.U32((uint)g.InWidth);
        w.U32((uint)g.OutChannels);
        w.U32((uint)g.Kernel | (uint)g.Stride << 8 | (uint)g.Padding << 16);
        w.F32(g.PadValue);
    }

    /// <summary>Reads and checks the header: flags within <paramref name="allowedFlags"/>, the weight code in range, the input shape equal to what arrives.</summary>
    public static ConvHeader Read(ref PackedModelReader r, in LayerReadContext context, byte allowedFlags, byte weightCodeMin = FloatWeights, byte weightCodeMax = SignWeights)
    {
        int start = r.Offset, index = context.Index;
        var head = r.Take(4, $"layer {index} header");
        if ((head[1] & ~allowedFlags) != 0) throw r.Error(start + 1, $"layer {index} flags 0x{head[1]:X2} are not defined for kind {head[0]}.");
        if (head[2] < weightCodeMin || head[2] > weightCodeMax)
            throw r.Error(start + 2, $"layer {index} weight code {head[2]}; kind {head[0]} allows {weightCodeMin}..{weightCodeMax} (0 = float32, 1 = ±1, 2 = k-bit codes).");
        if (head[3] != 0) throw r.Error(start + 3, $"layer {index} reserved byte must be 0.");
        var a = context.Arriving;
        int shapeOffset = r.Offset;
        int c = r.ReadCount($"layer {index} input channels", 1, 1 << 20), h = r.ReadCount($"layer {index} input height", 1, 1 << 20);
        int w = r.ReadCount($"layer {index} input width", 1, 1 << 20);
        if (c != a.Channels || h != a.Height || w != a.Width)
            throw r.Error(shapeOffset, $"layer {index} takes input [{c}, {h}, {w}] but receives [{a.Channels}, {a.Height}, {a.Width}].");
        int o = r.ReadCount($"layer {index} output channels", 1, 1 << 20);
        int geometryOffset = r.Offset;
        var k = r.Take(4, $"layer {index} kernel, stride, padding");
        if (k[3] != 0) throw r.Error(geometryOffset + 3, $"layer {index} reserved byte must be 0.");
        float padValue = r.ReadFloats(1, $"layer {index} padding value", false)[0];
        var geometry = new ConvGeometry(c, h, w, o, k[0], k[1], k[2], padValue);
        try
        {
            geometry.Validate();
        }
        catch (ArgumentException e)
        {
            throw r.Error(geometryOffset, $"layer {index}: {e.Message}");
        }
        return new ConvHeader(head[0], head[1], head[2], geometry);
    }
}
