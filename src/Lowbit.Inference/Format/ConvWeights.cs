using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Format;

/// <summary>Reading the weights and per-channel directions of the convolution kinds.</summary>
internal static class ConvWeights
{
    /// <summary>The float32 weights <c>[O, C·k·k]</c>: unpacked ±1 rows (weight code 1) or float32 values (code 0, finite).</summary>
    public static float[] Read(ref PackedModelReader r, ConvHeader header, int index)
    {
        var g = header.Geometry;
        if (header.WeightCode == ConvHeader.SignWeights)
        {
            var packed = r.ReadWeights(index, g.PatchSize, g.OutChannels, 1);
            var values = new float[g.OutChannels * g.PatchSize];
            BitPacking.UnpackSigns(packed, g.OutChannels, g.PatchSize, values);
            return values;
        }
        return r.ReadFloats(checked(g.OutChannels * g.PatchSize), $"layer {index} weights", false);
    }

    /// <summary>One direction byte per channel: 0 = compare y, 1 = compare −y.</summary>
    public static bool[] ReadDirections(ref PackedModelReader r, int count, int index)
    {
        int start = r.Offset;
        var bytes = r.Take(count, $"layer {index} directions");
        var negated = new bool[count];
        for (int j = 0; j < count; j++)
        {
            if (bytes[j] > 1) throw r.Error(start + j, $"layer {index} direction of channel {j} is {bytes[j]}; allowed is 0 (+y) or 1 (−y).");
            negated[j] = bytes[j] == 1;
        }
        return negated;
    }
}
