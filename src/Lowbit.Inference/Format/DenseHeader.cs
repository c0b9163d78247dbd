namespace Lowbit.Inference.Format;

/// <summary>
/// The 12-byte header every dense kind starts with: kind, flags, two kind-specific bytes (weight bits/planes and
/// input bits/planes, or 0), inFeatures, outFeatures (docs/FORMAT.md, "Dense kinds").
/// </summary>
internal readonly record struct DenseHeader(int Start, byte Kind, byte Flags, byte WeightBits, byte InputBits)
{
    /// <summary>Header bytes.</summary>
    public const int Size = 12;

    /// <summary>Output kinds' flag bits: bit 0 = has bias, bit 1 = has batch norm.</summary>
    public const byte FlagBias = 1, FlagBatchNorm = 2;

    public static void Write(ref PackedWriter w, byte kind, byte flags, int weightBits, int inputBits, int inFeatures, int outFeatures)
    {
        w.U32(kind | (uint)flags << 8 | (uint)weightBits << 16 | (uint)inputBits << 24);
        w.U32((uint)inFeatures);
        w.U32((uint)outFeatures);
    }

    /// <summary>Reads kind, flags and the two kind-specific bytes; rejects flags outside <paramref name="allowedFlags"/>.</summary>
    public static DenseHeader ReadHead(ref PackedModelReader r, in LayerReadContext context, byte allowedFlags)
    {
        int start = r.Offset;
        var head = r.Take(4, $"layer {context.Index} header");
        var header = new DenseHeader(start, head[0], head[1], head[2], head[3]);
        if ((header.Flags & ~allowedFlags) != 0)
            throw r.Error(start + 1, $"layer {context.Index} flags 0x{header.Flags:X2} are not defined for kind {header.Kind}.");
        return header;
    }

    /// <summary>Rejects non-zero kind-specific bytes (kinds that define none).</summary>
    public void CheckReserved(ref PackedModelReader r, in LayerReadContext context)
    {
        if (WeightBits != 0 || InputBits != 0) throw r.Error(Start + 2, $"layer {context.Index} reserved bytes must be 0.");
    }

    /// <summary>Reads inFeatures (which must equal what arrives) and outFeatures.</summary>
    public static (int In, int Out) ReadFeatures(ref PackedModelReader r, in LayerReadContext context)
    {
        int inOffset = r.Offset;
        int inFeatures = r.ReadCount($"layer {context.Index} inFeatures", 1, int.MaxValue);
        if (inFeatures != context.Arriving.Count)
            throw r.Error(inOffset, $"layer {context.Index} has {inFeatures} inputs but receives {context.Arriving.Count}.");
        int outFeatures = r.ReadCount($"layer {context.Index} outFeatures", 1, int.MaxValue);
        return (inFeatures, outFeatures);
    }
}
