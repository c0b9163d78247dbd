namespace Lowbit.Training.Distributed;

/// <summary>
/// The collective operations data-parallel training uses, over a fixed group of processes (ranks 0..Size−1). Every rank
/// must start the same operations in the same order. Operations are non-blocking: start one, keep computing, then
/// <see cref="Wait"/> for it; the memory passed in must not be touched until then.
/// </summary>
public interface ICollectives
{
    /// <summary>This process's rank, 0..<see cref="Size"/>−1.</summary>
    int Rank { get; }

    /// <summary>Number of processes.</summary>
    int Size { get; }

    /// <summary>What carries the messages (e.g. "Open MPI v4.1.4"), for logs.</summary>
    string Description { get; }

    /// <summary>Starts an in-place element-wise sum over all ranks: afterwards every rank holds the same sums.</summary>
    ICollectiveOperation StartAllReduceSum(Memory<float> data);

    /// <summary>Starts an in-place element-wise sum over all ranks, in double precision.</summary>
    ICollectiveOperation StartAllReduceSum(Memory<double> data);

    /// <summary>
    /// Starts an in-place all-gather: <paramref name="blocks"/> holds Size blocks of <paramref name="blockBytes"/>; this
    /// rank's block (at Rank × blockBytes) is sent, and afterwards every rank holds every rank's block.
    /// </summary>
    ICollectiveOperation StartAllGather(Memory<byte> blocks, int blockBytes);

    /// <summary>Starts a broadcast of <paramref name="data"/> from <paramref name="root"/> to every other rank.</summary>
    ICollectiveOperation StartBroadcast(Memory<byte> data, int root);

    /// <summary>Starts a barrier (completes once every rank has started it).</summary>
    ICollectiveOperation StartBarrier();

    /// <summary>Waits for <paramref name="operation"/> to complete, giving up after the group's timeout.</summary>
    /// <param name="operation">A started operation.</param>
    /// <param name="what">What is being waited for ("the gradient all-reduce of step 12"), for the timeout message.</param>
    /// <exception cref="DistributedException">The operation failed, or other ranks did not take part within the timeout.</exception>
    void Wait(ICollectiveOperation operation, string what);
}

/// <summary>A started collective operation.</summary>
public interface ICollectiveOperation
{
    /// <summary>Advances the operation; true once it is complete (then its memory may be used again).</summary>
    /// <exception cref="DistributedException">The operation failed.</exception>
    bool Test();
}

/// <summary>A failure of the group of processes: a rank that died, failed or stopped answering.</summary>
public sealed class DistributedException(string message) : Exception(message);
