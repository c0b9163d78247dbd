using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Lowbit.Kernels.Bits;

/// <summary>
/// The ±1 filters of a binary convolution rearranged once for <see cref="XnorConv"/>: output channels along the vector
/// lanes, one 32-bit word per (tap, input word, output channel), so that one broadcast input word meets the same word
/// of many filters in a single vector.
/// </summary>
/// <remarks>
/// Reduction steps r = (ky·k + kx)·InputWords + w run over the taps and the 32-bit words of a pixel's channels
/// (<see cref="InputWords"/> = ceil(C/32)); <c>Words[r·Lanes + o]</c> holds channels [32w, 32w + 32) of tap (ky, kx) of
/// filter o, bit c − 32w = channel c (bit 1 = +1, as <see cref="BitLayout"/>). <see cref="Lanes"/> is O rounded up to
/// a multiple of 64; the lanes past O are zero. The storage is pinned and 64-byte aligned (split loads measured about
/// 3× slower in the popcount GEMM, <see cref="PopCountGemm.AlignPanels"/>).
/// </remarks>
public sealed class XnorConvFilters
{
    private readonly uint[] _storage;

    private XnorConvFilters(XnorConvShape shape, uint[] storage, int offset)
    {
        Shape = shape;
        _storage = storage;
        Offset = offset;
        int words = InputWords, wp = shape.PaddedWidth, k = shape.Kernel;
        StepOffsets = new int[Steps];
        for (int tap = 0, r = 0; tap < k * k; tap++)
            for (int w = 0; w < words; w++) StepOffsets[r++] = ((tap / k) * wp + tap % k) * words + w;
        Windows = new int[shape.OutHeight * shape.OutWidth];
        for (int oy = 0, r = 0; oy < shape.OutHeight; oy++)
            for (int ox = 0; ox < shape.OutWidth; ox++) Windows[r++] = (oy * shape.Stride * wp + ox * shape.Stride) * words;
        PooledWindows = BuildPooledWindows();
        _vectorMajor = BuildVectorMajor(out _vectorMajorOffset);
    }

    private readonly uint[] _vectorMajor;
    private readonly int _vectorMajorOffset;

    /// <summary>
    /// The filters again as <c>[ceil(O/16), VectorMajorStride]</c>: the 16 lanes of one vector for every reduction step one
    /// after the other (then its row triples), so that the 3×3 sign path (<c>XnorConv.Taps3x3.cs</c>) reads step r of a vector at a fixed displacement
    /// (64·r bytes) instead of advancing a pointer by <see cref="Lanes"/> per step. Pinned and 64-byte aligned; lanes past O
    /// are zero.
    /// </summary>
    /// <summary>
    /// Words per vector of 16 filters in the vector-major filters: 16·<see cref="Steps"/>, and for 3×3 kernels 16·3·
    /// <see cref="InputWords"/> more, the filters' row triples: entry (ky, w) = the XOR of the words of taps (ky, 0), (ky, 1)
    /// and (ky, 2) for input word w (<c>XnorConv.RowTriples</c> is the same for the input).
    /// </summary>
    internal int VectorMajorStride => 16 * (Steps + (Shape.Kernel == 3 ? 3 * InputWords : 0));

    internal unsafe uint* VectorMajorPointer =>
        (uint*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_vectorMajor)) + _vectorMajorOffset;

    private unsafe uint[] BuildVectorMajor(out int offset)
    {
        int vectors = (Shape.OutChannels + 15) >> 4, steps = Steps, lanes = Lanes, stride = VectorMajorStride, words = InputWords;
        var storage = GC.AllocateArray<uint>(vectors * stride + 15, pinned: true);
        fixed (uint* p = storage) offset = (int)((((nuint)p + 63) & ~(nuint)63) - (nuint)p) / sizeof(uint);
        var source = _storage.AsSpan(Offset, steps * lanes);
        for (int v = 0; v < vectors; v++)
        {
            var block = storage.AsSpan(offset + v * stride, stride);
            for (int r = 0; r < steps; r++) source.Slice(r * lanes + 16 * v, 16).CopyTo(block.Slice(r * 16, 16));
            if (Shape.Kernel != 3) continue;
            for (int ky = 0; ky < 3; ky++)
                for (int w = 0; w < words; w++)
                    for (int l = 0; l < 16; l++)
                    {
                        block[(steps + ky * words + w) * 16 + l] = block[((3 * ky) * words + w) * 16 + l]
                            ^ block[((3 * ky + 1) * words + w) * 16 + l] ^ block[((3 * ky + 2) * words + w) * 16 + l];
                    }
        }
        return storage;
    }

    /// <summary>
    /// Per reduction step r, the offset in 32-bit words of its input word from the window's corner in the padded map
    /// <c>[Hp, Wp, InputWords]</c> (computed once here rather than on every call).
    /// </summary>
    internal int[] StepOffsets { get; }

    /// <summary>Per output pixel (oy·OW + ox), the offset in 32-bit words of its window's corner in its image's padded map.</summary>
    internal int[] Windows { get; }

    /// <summary>
    /// <see cref="Windows"/> of the pixels under each 2×2 stride-2 pooling window, four at a time: entry 4(py·⌊OW/2⌋ + px)
    /// + 2dy + dx is the window of output pixel (2py + dy, 2px + dx); rows and columns past the last whole window are
    /// left out, as pooling without padding leaves them out.
    /// </summary>
    internal int[] PooledWindows { get; }

    private int[] BuildPooledWindows()
    {
        int ph = Shape.OutHeight / 2, pw = Shape.OutWidth / 2, ow = Shape.OutWidth;
        var windows = new int[4 * ph * pw];
        for (int py = 0, i = 0; py < ph; py++)
            for (int px = 0; px < pw; px++)
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++) windows[i++] = Windows[(2 * py + dy) * ow + 2 * px + dx];
        return windows;
    }

    /// <summary>The convolution's shapes.</summary>
    public XnorConvShape Shape { get; }

    /// <summary>32-bit words per input pixel: ceil(C/32).</summary>
    public int InputWords => (Shape.InChannels + 31) >> 5;

    /// <summary>Reduction steps: k·k·<see cref="InputWords"/>.</summary>
    public int Steps => Shape.Kernel * Shape.Kernel * InputWords;

    /// <summary>Output channels rounded up to a multiple of 64 (the lane stride of <see cref="Words"/>).</summary>
    public int Lanes => (Shape.OutChannels + 63) & ~63;

    internal int Offset { get; }

    /// <summary>The rearranged filters <c>[Steps, Lanes]</c> (64-byte aligned, pinned).</summary>
    internal ReadOnlySpan<uint> Words => _storage.AsSpan(Offset, Steps * Lanes);

    internal uint[] Storage => _storage;

    /// <summary>Rearranges packed filter rows.</summary>
    /// <param name="rows">Packed ±1 rows <c>[O, WordsPerRow(C·k·k)]</c> in <see cref="BitLayout"/> im2col order (ky, kx, c).</param>
    /// <param name="shape">The convolution.</param>
    /// <returns>The filters.</returns>
    /// <exception cref="ArgumentException"><paramref name="rows"/> is too short or has non-zero padding bits.</exception>
    public static unsafe XnorConvFilters Pack(ReadOnlySpan<ulong> rows, XnorConvShape shape)
    {
        shape.Validate();
        int patch = shape.PatchSize, rowWords = BitLayout.WordsPerRow(patch), o = shape.OutChannels;
        BitChecks.Length(nameof(rows), rows.Length, BitChecks.Count(nameof(rows), o, rowWords), $"[O={o}, words={rowWords}]");
        BitChecks.Padding(nameof(rows), rows, o, rowWords, patch);
        int inputWords = (shape.InChannels + 31) >> 5, taps = shape.Kernel * shape.Kernel, lanes = (o + 63) & ~63;
        int length = taps * inputWords * lanes;
        var storage = GC.AllocateArray<uint>(length + 15, pinned: true);
        int offset;
        fixed (uint* p = storage) offset = (int)((((nuint)p + 63) & ~(nuint)63) - (nuint)p) / sizeof(uint);
        var words = storage.AsSpan(offset, length);
        for (int f = 0; f < o; f++)
        {
            var row = rows.Slice(f * rowWords, rowWords);
            for (int tap = 0; tap < taps; tap++)
                for (int w = 0; w < inputWords; w++)
                {
                    int start = tap * shape.InChannels + 32 * w, count = Math.Min(32, shape.InChannels - 32 * w);
                    words[(tap * inputWords + w) * lanes + f] = (uint)ExtractBits(row, start, count);
                }
        }
        return new XnorConvFilters(shape, storage, offset);
    }

    /// <summary>Bits [start, start + count) of a packed row, count ≤ 32, as the low bits of the result.</summary>
    internal static ulong ExtractBits(ReadOnlySpan<ulong> row, int start, int count)
    {
        int word = start >> 6, bit = start & 63;
        ulong value = row[word] >> bit;
        if (bit + count > 64) value |= row[word + 1] << (64 - bit);
        return value & (count == 64 ? ulong.MaxValue : (1UL << count) - 1);
    }
}

/// <summary>
/// Shape of a binary convolution on a channel-packed ±1 map (square kernel, the same stride and padding on both axes):
/// input <c>[batch, H, W, WordsPerRow(C)]</c>, output <c>[batch, OH, OW, WordsPerRow(O)]</c> with
/// OH = (H + 2p − k)/s + 1; the border is −1, or +1 when <paramref name="PadWithOnes"/>.
/// </summary>
/// <param name="InChannels">C.</param>
/// <param name="Height">H.</param>
/// <param name="Width">W.</param>
/// <param name="OutChannels">O.</param>
/// <param name="Kernel">k.</param>
/// <param name="Stride">s.</param>
/// <param name="Padding">p on every side.</param>
/// <param name="PadWithOnes">Pad with +1 (bit 1) rather than −1 (bit 0).</param>
public readonly record struct XnorConvShape(int InChannels, int Height, int Width, int OutChannels, int Kernel, int Stride, int Padding, bool PadWithOnes)
{
    /// <summary>OH = (H + 2p − k)/s + 1.</summary>
    public int OutHeight => (Height + 2 * Padding - Kernel) / Stride + 1;

    /// <summary>OW = (W + 2p − k)/s + 1.</summary>
    public int OutWidth => (Width + 2 * Padding - Kernel) / Stride + 1;

    /// <summary>C·k·k.</summary>
    public int PatchSize => InChannels * Kernel * Kernel;

    /// <summary>Hp = H + 2p, rows of the padded map.</summary>
    public int PaddedHeight => Height + 2 * Padding;

    /// <summary>Wp = W + 2p.</summary>
    public int PaddedWidth => Width + 2 * Padding;

    /// <summary>Checks sizes.</summary>
    /// <exception cref="ArgumentException">A size is out of range or the kernel does not fit.</exception>
    public void Validate()
    {
        if (InChannels < 1 || Height < 1 || Width < 1 || OutChannels < 1 || Kernel < 1 || Stride < 1 || Padding < 0 || Padding >= Kernel)
            throw new ArgumentException($"Binary convolution [{InChannels}, {Height}, {Width}] → {OutChannels}, kernel {Kernel}, stride {Stride}, padding {Padding}: "
                + "sizes must be positive and 0 ≤ padding < kernel.");
        if (PaddedHeight < Kernel || PaddedWidth < Kernel)
            throw new ArgumentException($"Kernel {Kernel} does not fit input {Height}x{Width} with padding {Padding}.");
        if ((long)InChannels * Kernel * Kernel > int.MaxValue / 4 || (long)PaddedHeight * PaddedWidth * ((InChannels + 31) / 32) > int.MaxValue / 4)
            throw new ArgumentException($"Binary convolution of [{InChannels}, {Height}, {Width}] is too large.");
    }
}
