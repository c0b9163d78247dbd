using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Conv;

/// <summary>
/// Convolution computed straight from padded input planes (no im2col matrix): forward, input gradient at stride 1
/// (the same kernel on the padded output gradient with transposed, flipped filters) and weight gradient.
/// </summary>
/// <remarks>
/// Layouts (all row-major float32): filters <c>w [O, C, kh, kw]</c>; output <c>y [N, O, OH, OW]</c> with
/// OH = (Hp − kh)/s + 1, OW = (Wp − kw)/s + 1 for the padded input size Hp × Wp and stride s. The padded input is
/// stored as s × s phase planes (<see cref="Pad"/>): <c>xphase [N, C, s, s, Hq, Wq]</c>, Hq = ⌈Hp/s⌉, Wq = ⌈Wp/s⌉,
/// <c>xphase[n, c, py, px, i, j] = xpad[n, c, i·s + py, j·s + px]</c> (at s = 1 simply <c>xpad [N, C, Hp, Wp]</c>), so
/// that the inputs of 8 consecutive outputs are 8 consecutive floats at any stride. The reduction index
/// p = (c·kh + ky)·kw + kx runs over K = C·kh·kw, and <c>y[n, o, oy, ox] = Σ_p w[o, p]·xpad[n, c, oy·s + ky, ox·s + kx]</c>.
/// <para>
/// Work unit: a <em>group</em> is 8 consecutive outputs of one output row (so OW must be a multiple of 8); their
/// inputs for any p are 8 consecutive floats of xpad. The forward tile is 4 output channels × 3 groups: per p, three
/// vector loads of xpad and four broadcast filter values feed 12 fused multiply-adds. Each output is one
/// accumulator updated with one FMA per p in increasing p, so the result does not depend on which tile or thread
/// computes it; the scalar path (<see cref="DirectConvReference"/>) performs the same FMAs and is bit-identical.
/// </para>
/// <para>
/// Weight gradient: <c>dw[o, p] = Σ_n Σ_(oy, ox) g[n, o, oy, ox]·xpad[n, c, oy + ky, ox + kx]</c>. Images are taken in
/// fixed blocks (<see cref="WeightGradientBlock"/>); within a block, lane l of an 8-lane accumulator sums the outputs
/// with ox ≡ l (mod 8) in order (image, row, group) by FMA; the block's lanes are then added in the fixed tree
/// ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)) and that sum is added to dw, blocks in increasing order. The
/// order depends on the shape only, never on threads.
/// </para>
/// <para>
/// Widths: every kernel has a Vector256 path and a Vector512 path (8 output channels × 6 groups forward, 8 channels ×
/// 6 taps for the weight gradient; DirectConv.Vector512.cs) that performs the same FMAs in the same order, so the scalar
/// reference, Vector256 and Vector512 give the same bits. <see cref="UsesVector512"/> picks the wider path when
/// 512-bit vectors are accelerated (AVX-512 on Intel, and on Zen 4, whose 256-bit units still gain from half the
/// instructions); <c>DOTNET_EnableAVX512=0</c> or the internal <c>Vector512Enabled</c> switch turns it off.
/// </para>
/// </remarks>
public static partial class DirectConv
{
    /// <summary>Outputs per group (one Vector256 of float).</summary>
    public const int GroupWidth = 8;

    /// <summary>Output channels per tile (rows of a packed filter panel).</summary>
    public const int PanelRows = 4;

    /// <summary>Whether this path applies: an output width that is a multiple of <see cref="GroupWidth"/> (any stride ≥ 1).</summary>
    public static bool Supports(int stride, int outWidth) => stride >= 1 && outWidth > 0 && outWidth % GroupWidth == 0;

    /// <summary>Whether the vector kernels run in hardware (otherwise the bit-identical scalar path is used).</summary>
    public static bool IsVectorized => Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported;

    /// <summary>Length of a packed filter buffer: <paramref name="rows"/> rounded up to <see cref="PanelRows"/>, times K.</summary>
    public static int PackedLength(int rows, int k) => (rows + PanelRows - 1) / PanelRows * PanelRows * k;

    /// <summary>
    /// Packs filters into panels <c>packed[(r / 4)·K·4 + p·4 + r % 4]</c>. Forward (<paramref name="transposeFlip"/>
    /// false): rows r = o, K = C·kh·kw, value w[o, p]. Input gradient (true): rows r = c, reduction index
    /// p = (o·kh + ky)·kw + kx over K = O·kh·kw, value w[o, c, kh − 1 − ky, kw − 1 − kx]. Missing rows are zero.
    /// </summary>
    /// <param name="w">Filters [O, C, kh, kw].</param>
    /// <param name="outChannels">O.</param>
    /// <param name="inChannels">C.</param>
    /// <param name="kernelH">kh.</param>
    /// <param name="kernelW">kw.</param>
    /// <param name="transposeFlip">Pack for the input-gradient convolution.</param>
    /// <param name="packed">Destination of <see cref="PackedLength"/> floats.</param>
    public static void PackFilters(ReadOnlySpan<float> w, int outChannels, int inChannels, int kernelH, int kernelW, bool transposeFlip, Span<float> packed)
    {
        int taps = kernelH * kernelW;
        if (w.Length < outChannels * inChannels * taps) throw new ArgumentException($"Filters need {outChannels * inChannels * taps} floats, got {w.Length}.", nameof(w));
        int rows = transposeFlip ? inChannels : outChannels, k = (transposeFlip ? outChannels : inChannels) * taps;
        if (packed.Length < PackedLength(rows, k)) throw new ArgumentException($"Packed filters need {PackedLength(rows, k)} floats, got {packed.Length}.", nameof(packed));
        packed[..PackedLength(rows, k)].Clear();
        for (int r = 0; r < rows; r++)
        {
            var panel = packed.Slice(r / PanelRows * k * PanelRows);
            for (int q = 0; q < k; q++)
            {
                int outer = q / taps, tap = q % taps;
                float value = transposeFlip ? w[(outer * inChannels + r) * taps + (taps - 1 - tap)] : w[(r * inChannels + outer) * taps + tap];
                panel[q * PanelRows + r % PanelRows] = value;
            }
        }
    }

    /// <summary>
    /// Offsets of the reduction index into one padded image in phase layout:
    /// <c>offsets[p] = ((c·s + ky mod s)·s + kx mod s)·Hq·Wq + ⌊ky/s⌋·Wq + ⌊kx/s⌋</c> (<c>c·Hp·Wp + ky·Wp + kx</c> at s = 1).
    /// </summary>
    public static int[] Offsets(DirectConvShape shape)
    {
        int s = shape.Stride, hq = shape.PlaneH, wq = shape.PlaneW;
        var offsets = new int[shape.K];
        int p = 0;
        for (int c = 0; c < shape.InChannels; c++)
            for (int ky = 0; ky < shape.KernelH; ky++)
                for (int kx = 0; kx < shape.KernelW; kx++)
                    offsets[p++] = ((c * s + ky % s) * s + kx % s) * hq * wq + ky / s * wq + kx / s;
        return offsets;
    }

    /// <summary>
    /// Copies images [n0, n1) of x [N, C, H, W] into the padded phase layout of <paramref name="shape"/>
    /// (<c>xphase[n, c, py, px, i, j] = xpad[n, c, i·s + py, j·s + px]</c>), with <paramref name="padValue"/> in the
    /// border of width <paramref name="padding"/> and in the phase cells past the padded size.
    /// </summary>
    public static void Pad(ReadOnlySpan<float> x, Span<float> xphase, DirectConvShape shape, int height, int width, int padding, float padValue, int n0, int n1)
    {
        int s = shape.Stride, hq = shape.PlaneH, wq = shape.PlaneW, channels = shape.InChannels;
        if (shape.PaddedH != height + 2 * padding || shape.PaddedW != width + 2 * padding)
            throw new ArgumentException($"Shape's padded size {shape.PaddedH}x{shape.PaddedW} is not {height}x{width} plus padding {padding}.", nameof(shape));
        for (int plane = n0 * channels; plane < n1 * channels; plane++)
        {
            var src = x.Slice(plane * height * width, height * width);
            var dst = xphase.Slice(plane * s * s * hq * wq, s * s * hq * wq);
            if (s == 1)
            {
                PadPlane(src, dst, height, width, padding, padValue);
                continue;
            }
            if (s == 2 && SupportsPhase2Padding1(padding, width) && Vector256.IsHardwareAccelerated)
            {
                PadPlanePhase2Padding1(src, dst, height, width, padValue, hq, wq, UsesVector512);
                continue;
            }
            if (s == 2)
            {
                PadPlanePhase2(src, dst, height, width, padding, padValue, hq, wq);
                continue;
            }
            for (int py = 0; py < s; py++)
                for (int px = 0; px < s; px++)
                {
                    var phase = dst.Slice((py * s + px) * hq * wq, hq * wq);
                    // Columns j with 0 ≤ j·s + px − padding < width: [j0, j1).
                    int lastX = width - 1 + padding - px; // largest j·s allowed
                    int j0 = Math.Min(wq, Math.Max(0, (padding - px + s - 1) / s)), j1 = lastX < 0 ? j0 : Math.Max(j0, Math.Min(wq, lastX / s + 1));
                    for (int i = 0; i < hq; i++)
                    {
                        int y = i * s + py - padding;
                        var row = phase.Slice(i * wq, wq);
                        if ((uint)y >= (uint)height) { row.Fill(padValue); continue; }
                        row[..j0].Fill(padValue);
                        row[j1..].Fill(padValue);
                        var srcRow = src.Slice(y * width, width);
                        for (int j = j0, xx = j0 * s + px - padding; j < j1; j++, xx += s) row[j] = srcRow[xx];
                    }
                }
        }
    }

    private static void PadPlane(ReadOnlySpan<float> src, Span<float> dst, int height, int width, int padding, float padValue)
    {
        int wp = width + 2 * padding;
        if (padding == 0)
        {
            src.CopyTo(dst);
            return;
        }
        dst[..(padding * wp)].Fill(padValue);
        dst[((padding + height) * wp)..].Fill(padValue);
        for (int y = 0; y < height; y++)
        {
            var row = dst.Slice((padding + y) * wp, wp);
            FillShort(row[..padding], padValue);
            CopyShort(src.Slice(y * width, width), row[padding..]);
            FillShort(row[(padding + width)..], padValue);
        }
    }

    /// <summary>span.Fill(value), with a plain loop for the few cells of a border (a Fill call costs more than it writes).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void FillShort(Span<float> span, float value)
    {
        if (span.Length > 8)
        {
            span.Fill(value);
            return;
        }
        for (int i = 0; i < span.Length; i++) span[i] = value;
    }

    /// <summary>source.CopyTo(destination) by 8-float vectors when the length is a multiple of 8 (rows of 8, 16, 32 floats).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void CopyShort(ReadOnlySpan<float> source, Span<float> destination)
    {
        if (source.Length % 8 != 0 || source.Length > 64 || destination.Length < source.Length)
        {
            source.CopyTo(destination);
            return;
        }
        ref float from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        ref float to = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(destination);
        for (int i = 0; i < source.Length; i += 8) Vector256.LoadUnsafe(ref from, (nuint)i).StoreUnsafe(ref to, (nuint)i);
    }

    /// <summary>Images per weight-gradient block: enough for ≥ 512 outputs per channel (1 at 32×32, 8 at 8×8).</summary>
    public static int WeightGradientBlock(int outH, int outW) => Math.Max(1, (BlockOutputs + outH * outW - 1) / (outH * outW));

    internal static int BlockOutputs = 512;

    internal static void CheckShapes(DirectConvShape s, int xLength, int packedLength, int yLength)
    {
        if (!Supports(s.Stride, s.OutW)) throw new ArgumentException($"Direct convolution needs an output width that is a multiple of {GroupWidth}, got {s.OutW}.");
        if (xLength < s.Batch * s.ImageLength) throw new ArgumentException("Padded input is too short for the shape.");
        if (packedLength < PackedLength(s.OutChannels, s.K)) throw new ArgumentException("Packed filters are too short for the shape.");
        if (yLength < s.Batch * s.OutChannels * s.OutH * s.OutW) throw new ArgumentException("Output is too short for the shape.");
    }
}

/// <summary>Shape of a direct convolution over padded input planes.</summary>
/// <param name="Batch">N.</param>
/// <param name="InChannels">C (channels of the padded input).</param>
/// <param name="PaddedH">Hp (input height including padding).</param>
/// <param name="PaddedW">Wp.</param>
/// <param name="OutChannels">O.</param>
/// <param name="KernelH">kh.</param>
/// <param name="KernelW">kw.</param>
/// <param name="Stride">s (both axes).</param>
public readonly record struct DirectConvShape(int Batch, int InChannels, int PaddedH, int PaddedW, int OutChannels, int KernelH, int KernelW, int Stride = 1)
{
    /// <summary>OH = (Hp − kh)/s + 1.</summary>
    public int OutH => (PaddedH - KernelH) / Stride + 1;

    /// <summary>OW = (Wp − kw)/s + 1.</summary>
    public int OutW => (PaddedW - KernelW) / Stride + 1;

    /// <summary>Reduction length C·kh·kw.</summary>
    public int K => InChannels * KernelH * KernelW;

    /// <summary>Hq = ⌈Hp/s⌉, rows of one phase plane.</summary>
    public int PlaneH => (PaddedH + Stride - 1) / Stride;

    /// <summary>Wq = ⌈Wp/s⌉, columns of one phase plane.</summary>
    public int PlaneW => (PaddedW + Stride - 1) / Stride;

    /// <summary>Floats of one padded image in phase layout: C·s²·Hq·Wq.</summary>
    public int ImageLength => InChannels * Stride * Stride * PlaneH * PlaneW;
}
