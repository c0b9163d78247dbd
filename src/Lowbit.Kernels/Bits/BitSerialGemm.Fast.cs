using System.Buffers;
using System.Numerics;

namespace Lowbit.Kernels.Bits;

public static partial class BitSerialGemm
{
    /// <summary>Maps one plane-pair AND-popcount to its (unshifted) contribution.</summary>
    internal interface IPlaneTerm
    {
        static abstract long Term(int andCount, int activationPlaneCount);
    }

    internal readonly struct UnsignedTerm : IPlaneTerm
    {
        public static long Term(int andCount, int activationPlaneCount) => andCount;
    }

    internal readonly struct UnipolarTerm : IPlaneTerm
    {
        public static long Term(int andCount, int activationPlaneCount) => 2L * andCount - activationPlaneCount;
    }

    /// <summary>Scratch budget for the raw plane-pair popcounts of one row block, in ints (1 MiB).</summary>
    private const int RawBudget = 1 << 18;

    /// <summary>
    /// Fast path: every plane row of A against every plane row of W with the shared popcount GEMM
    /// (<see cref="PopCountGemm"/>, AND combine) into a per-block scratch <c>[rows·activationBits, n·weightBits]</c>,
    /// then the shifted sum over (p, q).
    /// </summary>
    internal static unsafe void MultiplyFast<TTerm, TOut>(ReadOnlySpan<ulong> a, int activationBits, ReadOnlySpan<ulong> w, int weightBits,
        int m, int n, int k, Span<TOut> c, int threads, bool vector)
        where TTerm : IPlaneTerm where TOut : unmanaged, IBinaryInteger<TOut>
    {
        int words = BitLayout.WordsPerRow(k);
        int wRows = n * weightBits;
        int panelLength = vector ? PopCountGemm.PanelLength(wRows, words) : 0;
        ulong[]? rented = vector ? ArrayPool<ulong>.Shared.Rent(panelLength + PopCountGemm.AlignmentSlack) : null;
        try
        {
            int blockRows = Math.Max(1, RawBudget / Math.Max(1, activationBits * wRows));
            fixed (ulong* pa = a, pw = w, pr = rented)
            fixed (TOut* pc = c)
            {
                ulong* pp = pr is null ? null : PopCountGemm.AlignPanels(pr);
                if (pp is not null) PopCountGemm.PackPanels(w, wRows, words, new Span<ulong>(pp, panelLength));
                nint aAddr = (nint)pa, wAddr = (nint)pw, pAddr = (nint)pp, cAddr = (nint)pc;
                int aLength = m * activationBits * words, wLength = wRows * words, cLength = m * n;
                RowPartition.Run(m, threads, 1, (start, end) =>
                {
                    var aAll = new ReadOnlySpan<ulong>((void*)aAddr, aLength);
                    var wAll = vector ? new ReadOnlySpan<ulong>((void*)pAddr, panelLength) : new ReadOnlySpan<ulong>((void*)wAddr, wLength);
                    var cAll = new Span<TOut>((void*)cAddr, cLength);
                    int[] raw = ArrayPool<int>.Shared.Rent(Math.Min(end - start, blockRows) * activationBits * wRows);
                    try
                    {
                        for (int i0 = start; i0 < end; i0 += blockRows)
                        {
                            int rows = Math.Min(blockRows, end - i0);
                            int aRows = rows * activationBits;
                            ReadOnlySpan<ulong> aBlock = aAll.Slice(i0 * activationBits * words, aRows * words);
                            if (vector) PopCountGemm.MultiplyPanels<AndCombine, RawEpilogue>(aBlock, aRows, wAll, wRows, words, raw, wRows, default);
                            else PopCountGemm.MultiplyBlocked<AndCombine, RawEpilogue>(aBlock, aRows, wAll, wRows, words, raw, wRows, default);
                            Combine<TTerm, TOut>(raw, aBlock, rows, activationBits, n, weightBits, words, cAll.Slice(i0 * n, rows * n));
                        }
                    }
                    finally
                    {
                        ArrayPool<int>.Shared.Return(raw);
                    }
                });
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<ulong>.Shared.Return(rented);
        }
    }

    /// <summary><c>c[i, j] = Σ_p Σ_q Term(raw[(i,p), (j,q)], popcount(a_{i,p})) · 2^(p+q)</c>.</summary>
    private static void Combine<TTerm, TOut>(ReadOnlySpan<int> raw, ReadOnlySpan<ulong> aBlock, int rows, int activationBits,
        int n, int weightBits, int words, Span<TOut> c)
        where TTerm : IPlaneTerm where TOut : unmanaged, IBinaryInteger<TOut>
    {
        int wRows = n * weightBits;
        Span<int> planeCounts = stackalloc int[32];
        for (int i = 0; i < rows; i++)
        {
            for (int p = 0; p < activationBits; p++)
            {
                int count = 0;
                foreach (ulong x in aBlock.Slice((i * activationBits + p) * words, words)) count += BitOperations.PopCount(x);
                planeCounts[p] = count;
            }
            for (int j = 0; j < n; j++)
            {
                long sum = 0;
                for (int p = 0; p < activationBits; p++)
                {
                    ReadOnlySpan<int> rawRow = raw.Slice((i * activationBits + p) * wRows + j * weightBits, weightBits);
                    for (int q = 0; q < weightBits; q++) sum += TTerm.Term(rawRow[q], planeCounts[p]) << (p + q);
                }
                c[i * n + j] = TOut.CreateTruncating(sum);
            }
        }
    }
}
