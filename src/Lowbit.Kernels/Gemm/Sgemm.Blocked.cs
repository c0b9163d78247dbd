using System.Buffers;
using System.Runtime.CompilerServices;
using Lowbit.Kernels.Threading;

namespace Lowbit.Kernels.Gemm;

public static partial class Sgemm
{
    /// <summary>Depth of a packed block (k per pass). 8-row A micro-panel: 8 KiB, stays in L1.</summary>
    internal const int Kc = 256;

    /// <summary>Columns of a packed B block (multiple of every kernel's Nr): Kc × Nc floats = 512 KiB, in L2.</summary>
    internal const int Nc = 512;

    /// <summary>Below this many multiply-adds (m·n·k) a call runs on the calling thread only.</summary>
    internal const long ParallelThreshold = 1L << 21;

    /// <summary>AVX-512 path: 8 × 32 tiles. Callable on any hardware (vector types fall back to software).</summary>
    internal static void MultiplyVector512(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int threads = 1)
        => MultiplyBlocked<SgemmKernel8x32>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);

    /// <summary>AVX2 path: 6 × 16 tiles. Callable on any hardware (vector types fall back to software).</summary>
    internal static void MultiplyVector256(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int threads = 1)
        => MultiplyBlocked<SgemmKernel6x16>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);

    /// <summary>
    /// Shared loop driver (Goto/BLIS structure): for each Nc column block and Kc depth block, pack op(B) into
    /// Nr-wide micro-panels (L2-resident); for each Mr row micro-panel, pack op(A) (L1-resident) and sweep it
    /// across the B block. Threads own disjoint column (or row) ranges aligned to the tile, never a share of k,
    /// and every element uses the same arithmetic, so results are bit-identical for any thread count.
    /// </summary>
    private static unsafe void MultiplyBlocked<TKernel>(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int threads)
        where TKernel : struct, IGemmMicroKernel
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }

        fixed (float* pa = a, pb = b, pc = c)
        {
            var job = new BlockedJob(transA, transB, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
            int rowPanels = (m + TKernel.Mr - 1) / TKernel.Mr;
            int colPanels = (n + TKernel.Nr - 1) / TKernel.Nr;
            bool splitColumns = SplitColumns(rowPanels, colPanels, threads);
            int panels = splitColumns ? colPanels : rowPanels;
            int parts = (long)m * n * k < ParallelThreshold ? 1 : Math.Min(threads, panels);
            if (parts == 1)
            {
                job.Run<TKernel>(0, m, 0, n);
                return;
            }

            WorkerThreads.Run(parts, part =>
            {
                // Panel ranges [part·panels/parts, (part+1)·panels/parts): balanced, tile-aligned.
                int first = (int)((long)part * panels / parts), last = (int)((long)(part + 1) * panels / parts);
                if (splitColumns)
                    job.Run<TKernel>(0, m, first * TKernel.Nr, Math.Min(n, last * TKernel.Nr));
                else
                    job.Run<TKernel>(first * TKernel.Mr, Math.Min(m, last * TKernel.Mr), 0, n);
            });
        }
    }

    /// <summary>
    /// Whether threads split C by column panels (each packs all of op(A) and its share of op(B)) rather than by
    /// row panels: the split whose busiest thread has fewer panels, columns on a tie (e.g. 9 column and 8 row
    /// panels on 2 threads: rows, 4 + 4, instead of columns, 5 + 4). The split never changes results.
    /// </summary>
    internal static bool SplitColumns(int rowPanels, int colPanels, int threads)
    {
        int Busiest(int panels) => (panels + Math.Min(threads, panels) - 1) / Math.Min(threads, panels);
        // Relative load of the busiest thread: panels it owns over the panels an even split would give it.
        double colLoad = (double)Busiest(colPanels) * Math.Min(threads, colPanels) / colPanels;
        double rowLoad = (double)Busiest(rowPanels) * Math.Min(threads, rowPanels) / rowPanels;
        if (Math.Min(threads, colPanels) != Math.Min(threads, rowPanels))
            return colPanels >= rowPanels; // one side cannot use every thread: take the wider one
        return colLoad <= rowLoad;
    }

    /// <summary>C = beta·C on the m × n window; beta = 0 writes zeros without reading C (BLAS convention).</summary>
    private static void ScaleC(int m, int n, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            Span<float> row = c.Slice(i * ldc, n);
            if (beta == 0f) row.Clear();
            else if (beta != 1f)
            {
                for (int j = 0; j < row.Length; j++) row[j] *= beta;
            }
        }
    }

    /// <summary>One call's operands as raw pointers (pinned by the caller for the call's duration).</summary>
    private readonly unsafe struct BlockedJob(bool transA, bool transB, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        private readonly nint _a = (nint)a, _b = (nint)b, _c = (nint)c;

        /// <summary>Computes rows [rowStart, rowEnd) × columns [colStart, colEnd) of C over the full k.</summary>
        public void Run<TKernel>(int rowStart, int rowEnd, int colStart, int colEnd) where TKernel : struct, IGemmMicroKernel
        {
            int mr = TKernel.Mr, nr = TKernel.Nr;
            int kcMax = Math.Min(Kc, k);
            int ncMax = Math.Min(Nc, (colEnd - colStart + nr - 1) / nr * nr);
            const int AlignFloats = 16; // 64-byte alignment for the packed panels
            float[] bRent = ArrayPool<float>.Shared.Rent(kcMax * ncMax + AlignFloats);
            float[] aRent = ArrayPool<float>.Shared.Rent(kcMax * mr + mr * nr + 2 * AlignFloats);
            try
            {
                fixed (float* bBase = bRent, aBase = aRent)
                {
                    float* bp = Align64(bBase);
                    float* ap = Align64(aBase);
                    float* tile = Align64(ap + kcMax * mr);
                    for (int jc = colStart; jc < colEnd; jc += Nc)
                    {
                        int nc = Math.Min(Nc, colEnd - jc);
                        for (int pc = 0; pc < k; pc += Kc)
                        {
                            int kc = Math.Min(Kc, k - pc);
                            PackB<TKernel>(jc, nc, pc, kc, bp);
                            // Later depth blocks accumulate onto the partial result: beta' = 1.
                            float betaBlock = pc == 0 ? beta : 1f;
                            for (int ir = rowStart; ir < rowEnd; ir += mr)
                            {
                                int rows = Math.Min(mr, rowEnd - ir);
                                PackA<TKernel>(ir, rows, pc, kc, ap);
                                SweepRowPanel<TKernel>(ir, rows, jc, nc, kc, ap, bp, tile, betaBlock);
                            }
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(aRent);
                ArrayPool<float>.Shared.Return(bRent);
            }
        }

        private void PackB<TKernel>(int jc, int nc, int pc, int kc, float* bp) where TKernel : struct, IGemmMicroKernel
        {
            int nr = TKernel.Nr;
            float* b0 = (float*)_b;
            for (int jr = 0; jr < nc; jr += nr)
            {
                int cols = Math.Min(nr, nc - jr);
                float* dst = bp + (nint)jr * kc;
                if (transB) // B stored [n, k]: column j of op(B) is contiguous in p.
                    SgemmPacking.PackStrided(b0 + (nint)(jc + jr) * ldb + pc, ldb, cols, kc, nr, dst);
                else        // B stored [k, n]
                    SgemmPacking.PackContiguous(b0 + (nint)pc * ldb + jc + jr, ldb, cols, kc, nr, dst);
            }
        }

        private void PackA<TKernel>(int ir, int rows, int pc, int kc, float* ap) where TKernel : struct, IGemmMicroKernel
        {
            float* a0 = (float*)_a;
            if (transA) // A stored [k, m]: column p of A's panel is contiguous in i.
                SgemmPacking.PackContiguous(a0 + (nint)pc * lda + ir, lda, rows, kc, TKernel.Mr, ap);
            else        // A stored [m, k]
                SgemmPacking.PackStrided(a0 + (nint)ir * lda + pc, lda, rows, kc, TKernel.Mr, ap);
        }

        /// <summary>Runs the microkernel for one packed A micro-panel across every B micro-panel of the block.</summary>
        private void SweepRowPanel<TKernel>(int ir, int rows, int jc, int nc, int kc, float* ap, float* bp, float* tile, float betaBlock)
            where TKernel : struct, IGemmMicroKernel
        {
            int mr = TKernel.Mr, nr = TKernel.Nr;
            float* cRow = (float*)_c + (nint)ir * ldc + jc;
            for (int jr = 0; jr < nc; jr += nr)
            {
                int cols = Math.Min(nr, nc - jr);
                float* bPanel = bp + (nint)jr * kc;
                if (rows == mr && cols == nr)
                {
                    TKernel.Run(kc, ap, bPanel, cRow + jr, ldc, alpha, betaBlock);
                    continue;
                }

                // Edge tile: tile = 1·acc + 0 (exact), then the same alpha·acc + beta·C the kernel applies.
                TKernel.Run(kc, ap, bPanel, tile, nr, 1f, 0f);
                for (int i = 0; i < rows; i++)
                {
                    float* cDst = cRow + (nint)i * ldc + jr;
                    float* t = tile + i * nr;
                    if (betaBlock == 0f)
                    {
                        for (int j = 0; j < cols; j++) cDst[j] = alpha * t[j];
                    }
                    else
                    {
                        for (int j = 0; j < cols; j++) cDst[j] = alpha * t[j] + betaBlock * cDst[j];
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float* Align64(float* p) => (float*)(((nint)p + 63) & ~(nint)63);
    }
}
