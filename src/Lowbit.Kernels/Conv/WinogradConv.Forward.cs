using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Conv;

public static partial class WinogradConv
{
    /// <summary>
    /// y = conv3x3(xpad, w) for the tile blocks [block0, block1) of <paramref name="plan"/> (any split of the blocks gives
    /// the same values: every tile is computed the same way whichever block holds it).
    /// </summary>
    /// <param name="xphase">Padded input in stride-2 phase layout (type remarks).</param>
    /// <param name="u">Transformed filters (<see cref="TransformFilters(ReadOnlySpan{float}, int, int, bool, Span{float})"/>) for O rows and reduction C.</param>
    /// <param name="shape">Shape.</param>
    /// <param name="plan">Block size (<see cref="ForwardPlan"/>).</param>
    /// <param name="y">Output [N, O, OH, OW].</param>
    /// <param name="block0">First block.</param>
    /// <param name="block1">End of the block range.</param>
    /// <param name="scratch">At least <see cref="ScratchLength"/> floats, used by this call only.</param>
    /// <param name="bias">Per-output-channel bias added after the output transform (one rounding), or empty.</param>
    public static void Forward(ReadOnlySpan<float> xphase, ReadOnlySpan<float> u, WinogradShape shape, WinogradPlan plan, Span<float> y, int block0, int block1,
        Span<float> scratch, ReadOnlySpan<float> bias = default)
    {
        CheckShape(shape, plan);
        if (xphase.Length < shape.Batch * shape.ImageLength) throw new ArgumentException($"Padded input needs {shape.Batch * shape.ImageLength} floats, got {xphase.Length}.", nameof(xphase));
        if (u.Length < FilterLength(shape.OutChannels, shape.InChannels)) throw new ArgumentException("Transformed filters are too short for the shape.", nameof(u));
        if (y.Length < shape.Batch * shape.OutChannels * shape.OutH * shape.OutW) throw new ArgumentException("Output is too short for the shape.", nameof(y));
        if (scratch.Length < ScratchLength(shape, plan)) throw new ArgumentException($"Scratch needs {ScratchLength(shape, plan)} floats, got {scratch.Length}.", nameof(scratch));
        if (!bias.IsEmpty && bias.Length != shape.OutChannels) throw new ArgumentException($"Bias needs {shape.OutChannels} values, got {bias.Length}.", nameof(bias));
        int blocks = Blocks(shape, plan);
        if (block0 < 0 || block1 > blocks || block0 > block1) throw new ArgumentOutOfRangeException(nameof(block1), $"Block range [{block0}, {block1}) is outside [0, {blocks}).");
        ForwardTiles(xphase, u, shape, plan, y, block0 * plan.BlockTiles, Math.Min(shape.Tiles, block1 * plan.BlockTiles), scratch, bias);
    }

    /// <summary>
    /// y = conv3x3(xpad, w) for the tiles of images [n0, n1), in blocks of <paramref name="plan"/> starting at image n0's
    /// first tile (the values are those of <see cref="Forward"/>: no tile depends on the blocking). Lets a caller pad a
    /// run of images and convolve it while the padded input is still in cache.
    /// </summary>
    /// <param name="xphase">Padded input in stride-2 phase layout (images [n0, n1) are read).</param>
    /// <param name="u">Transformed filters.</param>
    /// <param name="shape">Shape.</param>
    /// <param name="plan">Block size.</param>
    /// <param name="y">Output [N, O, OH, OW] (images [n0, n1) are written).</param>
    /// <param name="n0">First image.</param>
    /// <param name="n1">End of the image range.</param>
    /// <param name="scratch">At least <see cref="ScratchLength"/> floats, used by this call only.</param>
    /// <param name="bias">Per-output-channel bias, or empty.</param>
    public static void ForwardImages(ReadOnlySpan<float> xphase, ReadOnlySpan<float> u, WinogradShape shape, WinogradPlan plan, Span<float> y, int n0, int n1,
        Span<float> scratch, ReadOnlySpan<float> bias = default)
    {
        CheckShape(shape, plan);
        if (xphase.Length < shape.Batch * shape.ImageLength) throw new ArgumentException($"Padded input needs {shape.Batch * shape.ImageLength} floats, got {xphase.Length}.", nameof(xphase));
        if (u.Length < FilterLength(shape.OutChannels, shape.InChannels)) throw new ArgumentException("Transformed filters are too short for the shape.", nameof(u));
        if (y.Length < shape.Batch * shape.OutChannels * shape.OutH * shape.OutW) throw new ArgumentException("Output is too short for the shape.", nameof(y));
        if (scratch.Length < ScratchLength(shape, plan)) throw new ArgumentException($"Scratch needs {ScratchLength(shape, plan)} floats, got {scratch.Length}.", nameof(scratch));
        if (!bias.IsEmpty && bias.Length != shape.OutChannels) throw new ArgumentException($"Bias needs {shape.OutChannels} values, got {bias.Length}.", nameof(bias));
        if (n0 < 0 || n1 > shape.Batch || n0 > n1) throw new ArgumentOutOfRangeException(nameof(n1), $"Image range [{n0}, {n1}) is outside [0, {shape.Batch}).");
        ForwardTiles(xphase, u, shape, plan, y, n0 * shape.TilesPerImage, n1 * shape.TilesPerImage, scratch, bias);
    }

    /// <summary>Tiles [tile0, tile1) in blocks of plan.BlockTiles from tile0 (tile0 a multiple of 4, so every half vector
    /// of 4 tiles lies in one tile row); arguments checked.</summary>
    private static void ForwardTiles(ReadOnlySpan<float> xphase, ReadOnlySpan<float> u, WinogradShape shape, WinogradPlan plan, Span<float> y, int tile0, int tile1,
        Span<float> scratch, ReadOnlySpan<float> bias)
    {
        System.Diagnostics.Debug.Assert(tile0 % 4 == 0);
        if (DirectConv.UsesVector512) ForwardVector512(xphase, u, shape, plan, y, tile0, tile1, scratch, bias);
        else if (IsVectorized) ForwardVector256(xphase, u, shape, plan, y, tile0, tile1, scratch, bias);
        else WinogradReference.Forward(xphase, u, shape, y, tile0, tile1, bias);
    }

    /// <summary>The Vector256 path of <see cref="Forward"/> (arguments already checked); runs on any hardware.</summary>
    internal static unsafe void ForwardVector256(ReadOnlySpan<float> xphase, ReadOnlySpan<float> u, WinogradShape s, WinogradPlan plan, Span<float> y, int tile0, int tile1,
        Span<float> scratch, ReadOnlySpan<float> bias)
    {
        int c = s.InChannels, rows = RoundRows(s.OutChannels), panels = rows / PanelRows, ld = plan.BlockTiles;
        fixed (float* px = xphase, pu = u, py = y, ps = scratch, pb = bias)
        {
            int vStride = PositionStride(c, ld), mStride = PositionStride(rows, ld);
            float* v = ps, m = ps + (nint)Positions * vStride;
            for (int first = tile0; first < tile1; first += ld)
            {
                int count = Math.Min(ld, tile1 - first), used = (count + TileColumns - 1) / TileColumns * TileColumns;
                InputTransform(px, s, first, count, v, ld, vStride);
                ClearTail(v, vStride, c, ld, count, used);
                for (int xi = 0; xi < Positions; xi++)
                {
                    float* vx = v + (nint)xi * vStride;
                    for (int p = 0; p < panels; p++)
                    {
                        float* w = pu + ((nint)xi * panels + p) * c * PanelRows;
                        float* mRow = m + (nint)xi * mStride + (nint)p * PanelRows * ld;
                        for (int col = 0; col < used; col += TileColumns) ProductTile(c, w, vx + col, ld, mRow + col);
                    }
                }
                OutputTransform(m, ld, mStride, s, first, count, py, bias.IsEmpty ? null : pb);
            }
        }
    }

    /// <summary>Zeroes columns [count, used) of the 16 positions' <paramref name="rowCount"/> rows (the last block's tail).</summary>
    private static unsafe void ClearTail(float* buffer, int positionStride, int rowCount, int ld, int count, int used)
    {
        if (count == used) return;
        for (int xi = 0; xi < Positions; xi++)
            for (int r = 0; r < rowCount; r++) new Span<float>(buffer + (nint)xi * positionStride + (nint)r * ld + count, used - count).Clear();
    }

    /// <summary>m[r·ld + 8j ..] = Σ_q w[q·4 + r]·v[q·ld + 8j ..] for 4 rows × 3 vectors (FMA in increasing q from 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ProductTile(int k, float* w, float* v, nint ld, float* m)
    {
        Vector256<float> a00 = default, a01 = default, a02 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default;
        Vector256<float> a30 = default, a31 = default, a32 = default;
        for (int q = 0; q < k; q++)
        {
            Vector256<float> b0 = Vector256.Load(v);
            Vector256<float> b1 = Vector256.Load(v + 8);
            Vector256<float> b2 = Vector256.Load(v + 16);
            Vector256<float> c = Vector256.Create(w[0]);
            a00 = Vector256.FusedMultiplyAdd(c, b0, a00); a01 = Vector256.FusedMultiplyAdd(c, b1, a01); a02 = Vector256.FusedMultiplyAdd(c, b2, a02);
            c = Vector256.Create(w[1]);
            a10 = Vector256.FusedMultiplyAdd(c, b0, a10); a11 = Vector256.FusedMultiplyAdd(c, b1, a11); a12 = Vector256.FusedMultiplyAdd(c, b2, a12);
            c = Vector256.Create(w[2]);
            a20 = Vector256.FusedMultiplyAdd(c, b0, a20); a21 = Vector256.FusedMultiplyAdd(c, b1, a21); a22 = Vector256.FusedMultiplyAdd(c, b2, a22);
            c = Vector256.Create(w[3]);
            a30 = Vector256.FusedMultiplyAdd(c, b0, a30); a31 = Vector256.FusedMultiplyAdd(c, b1, a31); a32 = Vector256.FusedMultiplyAdd(c, b2, a32);
            w += PanelRows;
            v += ld;
        }
        a00.Store(m); a01.Store(m + 8); a02.Store(m + 16);
        m += ld;
        a10.Store(m); a11.Store(m + 8); a12.Store(m + 16);
        m += ld;
        a20.Store(m); a21.Store(m + 8); a22.Store(m + 16);
        m += ld;
        a30.Store(m); a31.Store(m + 8); a32.Store(m + 16);
    }
}
