namespace Lowbit.Kernels.Conv;

/// <summary>
/// Filters, bias, directions and thresholds of a <see cref="ThresholdConv"/>, laid out once: weights
/// <c>[K, Lanes]</c> (reduction index p = (c·k + ky)·k + kx, output channel along the lanes), then bias, sign masks and
/// thresholds of <see cref="Lanes"/> entries each; lanes past O have zero weights and bias and threshold +∞ (never +1).
/// </summary>
/// <remarks>Pinned and 64-byte aligned so that the vector loads never straddle cache lines.</remarks>
public sealed unsafe class ThresholdConvFilters
{
    private readonly float[] _storage;
    private readonly float* _base;

    private ThresholdConvFilters(DirectConvShape shape, bool hasBias, float[] storage, int offset, int lanes)
    {
        Shape = shape;
        HasBias = hasBias;
        _storage = storage;
        Offset = offset;
        Lanes = lanes;
        fixed (float* p = storage) _base = p + offset; // pinned array: the address is stable
        Offsets = new int[shape.K];
        for (int c = 0, r = 0; c < shape.InChannels; c++)
            for (int ky = 0; ky < shape.KernelH; ky++)
                for (int kx = 0; kx < shape.KernelW; kx++) Offsets[r++] = (c * shape.PaddedH + ky) * shape.PaddedW + kx;
        Windows = new int[shape.OutH * shape.OutW];
        for (int oy = 0, r = 0; oy < shape.OutH; oy++)
            for (int ox = 0; ox < shape.OutW; ox++) Windows[r++] = oy * shape.Stride * shape.PaddedW + ox * shape.Stride;
    }

    /// <summary>Per reduction index p, the offset of its input from the window's corner in a padded image <c>[C, Hp, Wp]</c>.</summary>
    internal int[] Offsets { get; }

    /// <summary>Per output pixel (oy·OW + ox), the offset of its window's corner in its padded image.</summary>
    internal int[] Windows { get; }

    /// <summary>Shapes (batch ignored): C, padded input size, O, kernel and stride.</summary>
    public DirectConvShape Shape { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool HasBias { get; }

    /// <summary>O rounded up to a multiple of 32: the lane stride of the weights.</summary>
    public int Lanes { get; }

    internal int Offset { get; }

    internal float[] Storage => _storage;

    internal float* BiasPointer => _base + (nint)Shape.K * Lanes;

    internal uint* SignPointer => (uint*)(BiasPointer + Lanes);

    internal float* ThresholdPointer => BiasPointer + 2 * Lanes;

    /// <summary>Lays out the filters.</summary>
    /// <param name="weights">Float32 filters <c>[O, C, k, k]</c>.</param>
    /// <param name="bias">Bias <c>[O]</c>, or null.</param>
    /// <param name="negated">Per output channel: compare −y.</param>
    /// <param name="thresholds">Per output channel: τ (±∞ allowed).</param>
    /// <param name="shape">C, padded input size, O, square kernel, stride (batch ignored).</param>
    /// <returns>The filters.</returns>
    /// <exception cref="ArgumentException">A size disagrees or the kernel is not square.</exception>
    public static ThresholdConvFilters Pack(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<bool> negated, ReadOnlySpan<float> thresholds, DirectConvShape shape)
    {
        int o = shape.OutChannels, k = shape.K;
        if (shape.KernelH != shape.KernelW || o < 1 || k < 1 || shape.OutH < 1 || shape.OutW < 1)
            throw new ArgumentException($"Thresholded convolution needs a square kernel and a non-empty output; got {shape}.", nameof(shape));
        if (weights.Length != (long)o * k || (!bias.IsEmpty && bias.Length != o) || negated.Length != o || thresholds.Length != o)
            throw new ArgumentException($"Filters [{o}, {k}] need {(long)o * k} weights and {o} bias values (or none), directions and thresholds; got {weights.Length}, {bias.Length}, {negated.Length}, {thresholds.Length}.");
        int lanes = (o + 31) & ~31;
        long length = ((long)k + 3) * lanes;
        if (length > int.MaxValue / 2) throw new ArgumentException($"Filters [{o}, {k}] are too large.", nameof(weights));
        var storage = GC.AllocateArray<float>((int)length + 15, pinned: true);
        int offset;
        fixed (float* p = storage) offset = (int)((((nuint)p + 63) & ~(nuint)63) - (nuint)p) / sizeof(float);
        var w = storage.AsSpan(offset, (int)length);
        for (int f = 0; f < o; f++)
            for (int p = 0; p < k; p++) w[p * lanes + f] = weights[f * k + p];
        var tail = w[(k * lanes)..];
        tail[(2 * lanes)..].Fill(float.PositiveInfinity);
        for (int f = 0; f < o; f++)
        {
            tail[f] = bias.IsEmpty ? 0f : bias[f];
            tail[lanes + f] = negated[f] ? BitConverter.UInt32BitsToSingle(0x8000_0000u) : 0f;
            tail[2 * lanes + f] = thresholds[f];
        }
        return new ThresholdConvFilters(shape, !bias.IsEmpty, storage, offset, lanes);
    }
}
