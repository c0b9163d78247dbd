namespace Lowbit.Kernels.Bits;

/// <summary>
/// The single definition of how Lowbit packs bits. Every kernel in <c>Lowbit.Kernels.Bits</c> follows it.
/// </summary>
/// <remarks>
/// <para><b>Words.</b> A packed row is a run of <see cref="ulong"/> words holding 64 values each along the
/// reduction axis: bit <c>i</c> (LSB = bit 0) of word <c>w</c> is element <c>64·w + i</c>. A row of <c>n</c>
/// values takes <see cref="WordsPerRow"/><c>(n) = ceil(n / 64)</c> words. Rows are stored back to back with no
/// extra stride, so row <c>r</c> starts at word <c>r · WordsPerRow(n)</c>.</para>
/// <para><b>Signs (±1).</b> +1 ↔ bit 1, −1 ↔ bit 0. Packing a float uses <c>x ≥ 0 → +1</c> (so −0.0 → +1);
/// NaN is rejected. For ±1 vectors x, w of true length N: <c>x·w = N − 2·popcount(x XOR w)</c>.</para>
/// <para><b>Padding.</b> Bits past the true length in the last word of a row are zero in every operand
/// (signs, planes, masks). Kernels rely on it (XOR/AND of two zero pads is zero) and check it at entry
/// (one word per row); no kernel reads past the spans it is given.</para>
/// <para><b>Bit planes.</b> An unsigned k-bit code <c>v = Σ_{p&lt;k} 2^p·v_p</c> is stored as k planes,
/// plane 0 = least significant bit. Layout <c>[rows, k, WordsPerRow(n)]</c>: the planes of one row are adjacent,
/// plane p of row r starts at word <c>(r·k + p)·WordsPerRow(n)</c>. Weight planes for the "unipolar" kernels
/// use the sign convention above (bit 1 = +1, bit 0 = −1) in the same layout.</para>
/// <para><b>Masked (heterogeneous) planes</b> (per-weight bit widths, HBB, Fromm et al. 2018): sign planes <c>b_j</c> and masks <c>m_j</c>, both
/// <c>[rows, levels, WordsPerRow(n)]</c>; bit set in <c>m_j</c> iff the weight has at least j+1 levels. Sign bits
/// outside the mask are don't-care (store 0).</para>
/// <para><b>Feature maps (channel-packed NHWC).</b> A binary feature map <c>[batch, height, width, channels]</c>
/// is stored <c>[batch, height, width, WordsPerRow(channels)]</c>: each pixel is its own packed row of channels.
/// Max-pooling of ±1 values is OR on this encoding.</para>
/// <para><b>im2col order.</b> A convolution patch row packs its <c>kernelH·kernelW·channels</c> values densely
/// (no per-pixel padding) in the order <c>index = (ky·kernelW + kx)·channels + c</c>: channel fastest, then
/// kernel column, then kernel row. Weights flattened from OHWI layout <c>[outChannels, kernelH, kernelW,
/// inChannels]</c> and packed with <see cref="BitPacking.PackSigns"/> match this order.</para>
/// <para><b>Zero padding of binary convolutions.</b> A pixel outside the input has no ±1 encoding; Lowbit pads
/// with −1 (bit 0). Float references, training code and exporters must pad with −1 too.</para>
/// </remarks>
public static class BitLayout
{
    /// <summary>Values per packed word.</summary>
    public const int BitsPerWord = 64;

    /// <summary>Number of words needed for a row of <paramref name="n"/> values: <c>ceil(n / 64)</c>.</summary>
    /// <param name="n">Row length in values (≥ 0).</param>
    /// <returns>Words per packed row.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative.</exception>
    public static int WordsPerRow(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        return (int)(((uint)n + 63u) >> 6);
    }

    /// <summary>Mask of the valid bits in the last word of a row of <paramref name="n"/> values (all ones when n is a multiple of 64).</summary>
    /// <param name="n">Row length in values (≥ 1).</param>
    /// <returns>The valid-bit mask of the last word.</returns>
    public static ulong LastWordMask(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        int rem = n & 63;
        return rem == 0 ? ulong.MaxValue : (1UL << rem) - 1;
    }
}
