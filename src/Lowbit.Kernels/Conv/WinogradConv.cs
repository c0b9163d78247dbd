using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Conv;

/// <summary>
/// 3 × 3, stride-1 convolution by Winograd's minimal filtering algorithm F(2 × 2, 3 × 3) (Lavin and Gray, "Fast
/// Algorithms for Convolutional Neural Networks", CVPR 2016): forward, and the weight gradient accumulated in the
/// transformed domain. The input gradient of such a layer is a forward of the same kind on the padded output gradient
/// with transposed, flipped filters (<see cref="TransformFilters(ReadOnlySpan{float}, int, int, bool, Span{float})"/> with transposeFlip).
/// </summary>
/// <remarks>
/// <para>
/// Each 2 × 2 output tile of a channel is Y = Aᵀ·[Σ_c U_c ⊙ V_c]·A with U_c = G·g_c·Gᵀ (4 × 4, from the 3 × 3 filter
/// g_c) and V_c = Bᵀ·d_c·B (4 × 4, from the 4 × 4 input tile d_c), where
/// Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]], G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]],
/// Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]: 16 multiplies per tile and channel pair instead of 36 (2.25 × fewer). The 16
/// positions ξ = 4i + j of the transformed tile give 16 independent matrix products M[ξ] = U[ξ]·V[ξ] over channels.
/// </para>
/// <para>
/// Weight gradient: with Q = A·dY·Aᵀ (4 × 4, from the 2 × 2 output-gradient tile dY; A = (Aᵀ)ᵀ),
/// dU[o, c] = Σ_tiles Q_o ⊙ V_c and dw[o, c] = Gᵀ·dU[o, c]·G.
/// </para>
/// <para>
/// Evaluation order (fixed, the same on every path, so the scalar reference <see cref="WinogradReference"/> is
/// bit-identical): V row pass first, f[r] = (d[r,0] − d[r,2], d[r,1] + d[r,2], d[r,2] − d[r,1], d[r,1] − d[r,3]), then
/// V[0] = f[0] − f[2], V[1] = f[1] + f[2], V[2] = f[2] − f[1], V[3] = f[1] − f[3]. M by fused multiply-adds in increasing
/// c from 0. Output column pass first, s[0, j] = (M[0, j] + M[1, j]) + M[2, j], s[1, j] = (M[1, j] − M[2, j]) − M[3, j],
/// then Y[a, 0] = (s[a, 0] + s[a, 1]) + s[a, 2], Y[a, 1] = (s[a, 1] − s[a, 2]) − s[a, 3], then + bias. Q column pass first:
/// h[0] = q[0], h[1] = q[0] + q[1], h[2] = q[0] − q[1], h[3] = −q[1] (over the two rows), then the same over columns.
/// dU: tiles are taken in blocks of <see cref="WinogradPlan.BlockTiles"/>; within a block each dU[ξ, o, c] is one chain
/// of FMAs over the block's tiles in increasing order from 0, and that block sum is added to its chunk's total, block by
/// block; chunk totals are added in chunk order. The plan depends on the shape only, never on threads.
/// </para>
/// <para>
/// Error: every value is a sum of products of the inputs with the transform coefficients (0, ±½, ±1; scaling by ½
/// is exact), so the usual forward error bound holds with absolute values: |ŷ − y| ≤ γ_n·Σ_c |Aᵀ|·(|G||g_c||Gᵀ| ⊙
/// |Bᵀ||d_c||B|)·|A| with γ_n = n·u/(1 − n·u), u = 2⁻²⁴ and n = C + 12 (C FMAs, 2 + 4 + 4 transform roundings, bias).
/// The absolute-value sum is at most about 4 × the direct convolution's Σ|w||x| (the ½-weighted rows of G repeat
/// every filter tap), so Winograd F(2 × 2, 3 × 3) loses at most about 2 bits against the direct sum; inputs that are
/// ±1 with ±1 filters are computed exactly (every intermediate is a multiple of ¼ below 2²²).
/// </para>
/// <para>
/// Layouts: the padded input (Hp = OH + 2, Wp = OW + 2) in stride-2 phase planes,
/// <c>xphase[n, c, py, px, i, j] = xpad[n, c, 2i + py, 2j + px]</c>, i &lt; OH/2 + 1, j &lt; OW/2 + 1, as written by
/// <see cref="DirectConv.Pad"/> for <see cref="WinogradShape.PaddedLayout"/>; then the 4 × 4 input tile of output
/// tile (ti, tj) is read from rows ti, ti + 1 and columns tj, tj + 1 of the four phase planes, and 8 consecutive tiles
/// of a row are 8 consecutive floats. Tiles are numbered t = (n·OH/2 + ti)·OW/2 + tj; a block holds consecutive tiles.
/// </para>
/// </remarks>
public static partial class WinogradConv
{
    /// <summary>Positions of a transformed tile (4 × 4).</summary>
    public const int Positions = 16;

    /// <summary>Output rows (channels) per packed panel of transformed filters.</summary>
    public const int PanelRows = 4;

    /// <summary>Tiles per matrix-product tile (3 vectors of 8); block sizes are multiples of it.</summary>
    public const int TileColumns = 24;

    /// <summary>Whether the vector kernels run in hardware (otherwise the bit-identical scalar path is used).</summary>
    public static bool IsVectorized => Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported;

    /// <summary>Whether a 3 × 3 stride-1 convolution with this output size can run here: OH even, OW a multiple of 8.</summary>
    public static bool Supports(int outH, int outW) => outH > 0 && outW > 0 && outH % 2 == 0 && outW % 8 == 0;

    /// <summary>Length of a transformed filter buffer: 16 × <paramref name="rows"/> rounded up to 4 × <paramref name="reduction"/>.</summary>
    public static int FilterLength(int rows, int reduction) => Positions * RoundRows(rows) * reduction;

    /// <summary>Rows rounded up to whole panels.</summary>
    public static int RoundRows(int rows) => (rows + PanelRows - 1) / PanelRows * PanelRows;

    /// <summary>
    /// Transformed filters U = G·g·Gᵀ packed as <c>u[((ξ·P + r/4)·K + q)·4 + r % 4]</c> (P panels of 4 rows). Forward
    /// (<paramref name="transposeFlip"/> false): rows r = o, reduction q = c, g = w[o, c]. Input gradient (true): rows
    /// r = c, q = o, g[ky, kx] = w[o, c, 2 − ky, 2 − kx]. Rows past the last are zero.
    /// </summary>
    /// <param name="w">Filters [O, C, 3, 3].</param>
    /// <param name="outChannels">O.</param>
    /// <param name="inChannels">C.</param>
    /// <param name="transposeFlip">Pack for the input-gradient convolution.</param>
    /// <param name="u">Destination of <see cref="FilterLength"/> floats.</param>
    /// <remarks>G·g first (rows: g[0], ((g[0] + g[1]) + g[2])·½, ((g[0] − g[1]) + g[2])·½, g[2]), then the same over columns.</remarks>
    public static void TransformFilters(ReadOnlySpan<float> w, int outChannels, int inChannels, bool transposeFlip, Span<float> u) =>
        TransformFilters(w, outChannels, inChannels, transposeFlip, u, 0, RoundRows(transposeFlip ? inChannels : outChannels) / PanelRows);

    /// <summary>
    /// <see cref="TransformFilters(ReadOnlySpan{float}, int, int, bool, Span{float})"/> for the panels [panel0, panel1) only
    /// (rows 4·panel0 up to 4·panel1): the other panels of <paramref name="u"/> are not touched, so panels can be split across threads.
    /// </summary>
    /// <param name="w">Filters [O, C, 3, 3].</param>
    /// <param name="outChannels">O.</param>
    /// <param name="inChannels">C.</param>
    /// <param name="transposeFlip">Pack for the input-gradient convolution.</param>
    /// <param name="u">Destination of <see cref="FilterLength"/> floats.</param>
    /// <param name="panel0">First panel of 4 rows.</param>
    /// <param name="panel1">End of the panel range.</param>
    public static void TransformFilters(ReadOnlySpan<float> w, int outChannels, int inChannels, bool transposeFlip, Span<float> u, int panel0, int panel1)
    {
        if (w.Length < outChannels * inChannels * 9) throw new ArgumentException($"Filters need {outChannels * inChannels * 9} floats, got {w.Length}.", nameof(w));
        int rows = transposeFlip ? inChannels : outChannels, k = transposeFlip ? outChannels : inChannels, padded = RoundRows(rows);
        if (u.Length < FilterLength(rows, k)) throw new ArgumentException($"Transformed filters need {FilterLength(rows, k)} floats, got {u.Length}.", nameof(u));
        if (panel0 < 0 || panel1 > padded / PanelRows || panel0 > panel1)
            throw new ArgumentOutOfRangeException(nameof(panel1), $"Panel range [{panel0}, {panel1}) is outside [0, {padded / PanelRows}).");
        if (Vector128.IsHardwareAccelerated)
        {
            TransformFiltersVector128(w, outChannels, inChannels, transposeFlip, u, panel0, panel1);
            return;
        }
        TransformFiltersScalar(w, outChannels, inChannels, transposeFlip, u, panel0, panel1);
    }

    /// <summary>The scalar path of <see cref="TransformFilters(ReadOnlySpan{float}, int, int, bool, Span{float}, int, int)"/>
    /// (arguments already checked): plain loops, the reference of the vector path.</summary>
    internal static void TransformFiltersScalar(ReadOnlySpan<float> w, int outChannels, int inChannels, bool transposeFlip, Span<float> u, int panel0, int panel1)
    {
        int rows = transposeFlip ? inChannels : outChannels, k = transposeFlip ? outChannels : inChannels, padded = RoundRows(rows);
        for (int xi = 0; xi < Positions; xi++)
            u.Slice(((xi * (padded / PanelRows) + panel0) * k) * PanelRows, (panel1 - panel0) * k * PanelRows).Clear();
        Span<float> g = stackalloc float[9];
        Span<float> a = stackalloc float[12];
        for (int r = panel0 * PanelRows; r < Math.Min(rows, panel1 * PanelRows); r++)
            for (int q = 0; q < k; q++)
            {
                for (int tap = 0; tap < 9; tap++)
                    g[tap] = transposeFlip ? w[(q * inChannels + r) * 9 + 8 - tap] : w[(r * inChannels + q) * 9 + tap];
                for (int j = 0; j < 3; j++)
                {
                    a[j] = g[j];
                    a[3 + j] = (g[j] + g[3 + j] + g[6 + j]) * 0.5f;
                    a[6 + j] = (g[j] - g[3 + j] + g[6 + j]) * 0.5f;
                    a[9 + j] = g[6 + j];
                }
                for (int i = 0; i < 4; i++)
                {
                    float a0 = a[3 * i], a1 = a[3 * i + 1], a2 = a[3 * i + 2];
                    Span<float> row = [a0, (a0 + a1 + a2) * 0.5f, (a0 - a1 + a2) * 0.5f, a2];
                    for (int j = 0; j < 4; j++)
                        u[(((4 * i + j) * (padded / PanelRows) + r / PanelRows) * k + q) * PanelRows + r % PanelRows] = row[j];
                }
            }
    }

    /// <summary>Block size and chunk count for the forward pass of a shape (block: multiple of 48 tiles, about 256 KiB of
    /// transforms, so that the Vector512 product tile of 48 columns covers whole blocks but the last; the forward values
    /// do not depend on the block size).</summary>
    public static WinogradPlan ForwardPlan(WinogradShape s) => new(BlockTilesFor(s, ForwardBudgetFloats, 2 * TileColumns), 1);

    /// <summary>Block size and chunk count for the weight gradient: blocks as for the forward pass, up to 8 chunks.</summary>
    public static WinogradPlan WeightGradientPlan(WinogradShape s)
    {
        int blockTiles = BlockTilesFor(s, WeightGradientBudgetFloats, TileColumns);
        int blocks = (s.Tiles + blockTiles - 1) / blockTiles;
        long partial = (long)Positions * s.OutChannels * PaddedChannels(s.InChannels);
        int chunks = (int)Math.Clamp(Math.Min(MaxChunks, 8L * 1024 * 1024 / partial), 1, blocks);
        return new WinogradPlan(blockTiles, chunks);
    }

    internal static int ForwardBudgetFloats = 64 * 1024;
    internal static int WeightGradientBudgetFloats = 64 * 1024;
    internal static int MaxChunks = 8;

    private static int BlockTilesFor(WinogradShape s, int budgetFloats, int multiple)
    {
        int perTile = Positions * (s.InChannels + RoundRows(s.OutChannels));
        int tiles = Math.Max(multiple, budgetFloats / perTile / multiple * multiple);
        int needed = (s.Tiles + TileColumns - 1) / TileColumns * TileColumns;
        return Math.Min(tiles, Math.Max(TileColumns, needed));
    }

    /// <summary>Floats of scratch one thread needs for a block: V [16, C, BlockTiles] and M or Q [16, rows, BlockTiles]
    /// (each position's rows <see cref="PositionStride"/> apart).</summary>
    public static int ScratchLength(WinogradShape s, WinogradPlan plan) =>
        Positions * (PositionStride(s.InChannels, plan.BlockTiles) + PositionStride(RoundRows(s.OutChannels), plan.BlockTiles));

    /// <summary>
    /// Floats from one position's rows to the next in a block buffer: rows·ld rounded up to an odd number of 64-byte
    /// lines, so the 16 positions written or read together fall in 16 different L1 sets (at rows·ld·4 a multiple of
    /// 4 KiB they all shared one 8-way set and evicted each other).
    /// </summary>
    internal static int PositionStride(int rows, int ld)
    {
        int lines = (rows * ld + 15) / 16;
        return (lines % 2 == 0 ? lines + 1 : lines) * 16;
    }

    /// <summary>Blocks of tiles under a plan.</summary>
    public static int Blocks(WinogradShape s, WinogradPlan plan) => (s.Tiles + plan.BlockTiles - 1) / plan.BlockTiles;

    internal static void CheckShape(WinogradShape s, WinogradPlan plan)
    {
        if (!Supports(s.OutH, s.OutW)) throw new ArgumentException($"Winograd F(2x2, 3x3) needs an even output height and an output width that is a multiple of 8, got {s.OutH}x{s.OutW}.");
        if (s.Batch < 1 || s.InChannels < 1 || s.OutChannels < 1) throw new ArgumentException($"Winograd shape {s} has an empty dimension.");
        if (plan.BlockTiles < TileColumns || plan.BlockTiles % TileColumns != 0) throw new ArgumentException($"Block size {plan.BlockTiles} is not a positive multiple of {TileColumns}.");
        if (plan.Chunks < 1) throw new ArgumentException($"Chunk count {plan.Chunks} must be positive.");
    }
}

/// <summary>Shape of a Winograd F(2 × 2, 3 × 3) convolution: a 3 × 3, stride-1 convolution with this output size.</summary>
/// <param name="Batch">N.</param>
/// <param name="InChannels">C.</param>
/// <param name="OutChannels">O.</param>
/// <param name="OutH">OH (even).</param>
/// <param name="OutW">OW (a multiple of 8).</param>
public readonly record struct WinogradShape(int Batch, int InChannels, int OutChannels, int OutH, int OutW)
{
    /// <summary>Tile rows per image, OH/2.</summary>
    public int TilesH => OutH / 2;

    /// <summary>Tiles per row, OW/2.</summary>
    public int TilesW => OutW / 2;

    /// <summary>Tiles per image.</summary>
    public int TilesPerImage => TilesH * TilesW;

    /// <summary>Tiles of the batch.</summary>
    public int Tiles => Batch * TilesPerImage;

    /// <summary>Rows of a phase plane of the padded input, OH/2 + 1.</summary>
    public int PlaneH => TilesH + 1;

    /// <summary>Columns of a phase plane, OW/2 + 1.</summary>
    public int PlaneW => TilesW + 1;

    /// <summary>Floats of one padded image in phase layout, C·4·PlaneH·PlaneW.</summary>
    public int ImageLength => InChannels * 4 * PlaneH * PlaneW;

    /// <summary>The padded input's layout as a stride-2 <see cref="DirectConvShape"/> (for <see cref="DirectConv.Pad"/>).</summary>
    public DirectConvShape PaddedLayout => new(Batch, InChannels, OutH + 2, OutW + 2, OutChannels, 3, 3, 2);
}

/// <summary>How a Winograd pass splits the tiles: blocks of <paramref name="BlockTiles"/> (a multiple of 24), and for
/// the weight gradient <paramref name="Chunks"/> runs of blocks with separate partial sums (added in order).</summary>
/// <param name="BlockTiles">Tiles per block.</param>
/// <param name="Chunks">Chunks (weight gradient only; 1 otherwise).</param>
public readonly record struct WinogradPlan(int BlockTiles, int Chunks);
