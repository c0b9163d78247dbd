using Lowbit.Kernels.Threading;

namespace Lowbit.Kernels.Bits;

/// <summary>
/// Splits output rows into <c>threads</c> contiguous blocks (multiples of <c>align</c> except the last) and runs
/// them in parallel. Outputs are integer and each element is computed by exactly one block, so results do not
/// depend on the thread count.
/// </summary>
internal static class RowPartition
{
    public static void Run(int rows, int threads, int align, Action<int, int> body)
    {
        int blocks = Math.Min(threads, Math.Max(1, rows / Math.Max(1, align)));
        if (blocks <= 1)
        {
            body(0, rows);
            return;
        }
        WorkerThreads.Run(blocks, t =>
        {
            int start = Boundary(t, blocks, rows, align), end = Boundary(t + 1, blocks, rows, align);
            if (end > start) body(start, end);
        });
    }

    private static int Boundary(int t, int blocks, int rows, int align)
    {
        if (t == blocks) return rows;
        long raw = (long)rows * t / blocks;
        return (int)(raw / align * align);
    }
}
