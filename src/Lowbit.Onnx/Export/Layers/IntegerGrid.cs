namespace Lowbit.Onnx.Export.Layers;

/// <summary>
/// Finds int8 codes and float32 scales (per tensor, else per output channel) that reproduce quantized weights bit for
/// bit through DequantizeLinear, which computes float32(code − zero point)·scale with zero point 0.
/// </summary>
/// <remarks>
/// The candidate scale of a group is its smallest nonzero |w|; a group is on the grid when every w/scale rounds to an
/// integer n with |n| ≤ 127 and float32(n)·scale == w exactly. This finds ±1 weights (scale 1), ±E (XNOR-Net, DoReFa
/// 1-bit, per tensor or per channel), ternary ±Δ and symmetric uniform grids n·step; sums of planes (HBB, residual) and
/// DoReFa's k-bit levels 2·q/(2^k − 1) − 1 (not an exact multiple of one float32 scale) are not, and stay float.
/// </remarks>
internal static class IntegerGrid
{
    /// <summary>Codes and one scale per group when every group of <paramref name="values"/> is on its grid.</summary>
    /// <param name="values">Weights, row-major with <paramref name="groups"/> contiguous groups.</param>
    /// <param name="groups">1 (per tensor) or the output-channel count.</param>
    public static (sbyte[] Codes, float[] Scales)? TryFind(ReadOnlySpan<float> values, int groups)
    {
        int size = values.Length / groups;
        var codes = new sbyte[values.Length];
        var scales = new float[groups];
        for (int g = 0; g < groups; g++)
        {
            var group = values.Slice(g * size, size);
            float scale = float.PositiveInfinity;
            foreach (float v in group)
            {
                if (!float.IsFinite(v)) return null;
                if (v != 0) scale = Math.Min(scale, Math.Abs(v));
            }
            if (float.IsPositiveInfinity(scale)) scale = 1; // all zeros
            scales[g] = scale;
            for (int i = 0; i < size; i++)
            {
                float n = MathF.Round(group[i] / scale);
                if (Math.Abs(n) > sbyte.MaxValue || n * scale != group[i]) return null;
                codes[g * size + i] = (sbyte)n;
            }
        }
        return (codes, scales);
    }
}
