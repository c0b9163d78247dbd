using System.Buffers;
using System.Diagnostics;

namespace Lowbit.Training.Distributed;

/// <summary>
/// <see cref="ICollectives"/> over MPI_COMM_WORLD of Open MPI, loaded at run time (<see cref="MpiLibrary"/>). Waiting
/// polls MPI_Test (which also drives Open MPI's progress) and gives up after a timeout, so a rank that stops answering
/// ends the job with a message rather than a hang; MPI errors are returned (MPI_ERRORS_RETURN) and become
/// <see cref="DistributedException"/>s rather than Open MPI's own abort.
/// </summary>
public sealed unsafe class MpiCollectives : ICollectives, IDisposable
{
    private readonly MpiLibrary _mpi;
    private bool _closed;

    private MpiCollectives(MpiLibrary mpi, TimeSpan timeout, int rank, int size)
    {
        _mpi = mpi;
        Timeout = timeout;
        Rank = rank;
        Size = size;
        Description = $"{mpi.LibraryVersion()} ({mpi.Path})";
    }

    /// <summary>Loads Open MPI and initialises it (thread level serialized: one thread at a time calls MPI).</summary>
    /// <param name="timeout">How long <see cref="Wait"/> waits for the other ranks before giving up.</param>
    /// <exception cref="DistributedException">Open MPI cannot be loaded or initialised.</exception>
    public static MpiCollectives Initialize(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        var mpi = MpiLibrary.Load();
        if (!mpi.IsInitialized())
        {
            int rc = mpi.InitThread(MpiLibrary.ThreadSerialized, out _);
            if (rc != MpiLibrary.Success) throw new DistributedException($"MPI_Init_thread failed: {mpi.ErrorString(rc)}");
        }
        Check(mpi, mpi.SetErrorsReturn(mpi.CommWorld), "MPI_Comm_set_errhandler");
        Check(mpi, mpi.CommRank(mpi.CommWorld, out int rank), "MPI_Comm_rank");
        Check(mpi, mpi.CommSize(mpi.CommWorld, out int size), "MPI_Comm_size");
        return new MpiCollectives(mpi, timeout, rank, size);
    }

    /// <summary>How long <see cref="Wait"/> waits for the other ranks before giving up.</summary>
    public TimeSpan Timeout
    {
        get;
        set => field = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The timeout must be positive.");
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <inheritdoc/>
    public string Description { get; }

    private static void Check(MpiLibrary mpi, int rc, string call)
    {
        if (rc != MpiLibrary.Success) throw new DistributedException($"{call} failed: {mpi.ErrorString(rc)}");
    }

    /// <inheritdoc/>
    public ICollectiveOperation StartAllReduceSum(Memory<float> data) => Start(data.Pin(), (p, r) =>
        _mpi.Iallreduce(MpiLibrary.InPlace, p, data.Length, _mpi.Float, _mpi.Sum, _mpi.CommWorld, r), "MPI_Iallreduce");

    /// <inheritdoc/>
    public ICollectiveOperation StartAllReduceSum(Memory<double> data) => Start(data.Pin(), (p, r) =>
        _mpi.Iallreduce(MpiLibrary.InPlace, p, data.Length, _mpi.Double, _mpi.Sum, _mpi.CommWorld, r), "MPI_Iallreduce");

    /// <inheritdoc/>
    public ICollectiveOperation StartAllGather(Memory<byte> blocks, int blockBytes)
    {
        if ((long)blockBytes * Size != blocks.Length)
            throw new ArgumentException($"All-gather of {Size} blocks of {blockBytes} bytes needs {(long)blockBytes * Size} bytes; got {blocks.Length}.", nameof(blocks));
        return Start(blocks.Pin(), (p, r) => _mpi.Iallgather(MpiLibrary.InPlace, 0, _mpi.Byte, p, blockBytes, _mpi.Byte, _mpi.CommWorld, r), "MPI_Iallgather");
    }

    /// <inheritdoc/>
    public ICollectiveOperation StartBroadcast(Memory<byte> data, int root)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(root);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, Size);
        return Start(data.Pin(), (p, r) => _mpi.Ibcast(p, data.Length, _mpi.Byte, root, _mpi.CommWorld, r), "MPI_Ibcast");
    }

    /// <inheritdoc/>
    public ICollectiveOperation StartBarrier() => Start(default, (_, r) => _mpi.Ibarrier(_mpi.CommWorld, r), "MPI_Ibarrier");

    private delegate int Starter(nint pointer, nint* request);

    private Operation Start(MemoryHandle pin, Starter start, string call)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        nint request;
        int rc = start((nint)pin.Pointer, &request);
        if (rc != MpiLibrary.Success)
        {
            pin.Dispose();
            throw new DistributedException($"{call} failed: {_mpi.ErrorString(rc)}");
        }
        return new Operation(this, pin, request, call);
    }

    /// <inheritdoc/>
    public void Wait(ICollectiveOperation operation, string what)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (operation.Test()) return;
        long start = Stopwatch.GetTimestamp();
        var spin = new SpinWait();
        while (!operation.Test())
        {
            var waited = Stopwatch.GetElapsedTime(start);
            if (waited > Timeout)
                throw new DistributedException($"no answer from the other ranks for {waited.TotalSeconds:F0} s in {what}; " +
                    "a rank has stopped or hangs (raise distributed.timeout_seconds if rank 0's evaluation takes longer)");
            // Spin briefly (a step's reduction usually completes within microseconds of the last rank joining), then
            // yield and sleep so that a rank waiting for a slower one leaves the CPU to it.
            if (waited.TotalMilliseconds < 2) spin.SpinOnce(sleep1Threshold: -1);
            else Thread.Sleep(1);
        }
    }

    /// <summary>
    /// Ends the whole job at once with exit code <paramref name="code"/> (MPI_Abort): for a failure on this rank that the
    /// others cannot know about. Open MPI's launcher stops every other rank.
    /// </summary>
    public void Abort(int code)
    {
        if (_closed) return;
        _closed = true;
        _mpi.Abort(_mpi.CommWorld, code);
    }

    /// <summary>Finalises MPI (every rank must do so at the end of a successful run).</summary>
    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        if (!_mpi.IsFinalized()) _mpi.Finalize();
    }

    private sealed class Operation(MpiCollectives owner, MemoryHandle pin, nint request, string call) : ICollectiveOperation
    {
        private MemoryHandle _pin = pin;
        private nint _request = request;
        private bool _done;

        public bool Test()
        {
            if (_done) return true;
            nint request = _request;
            int rc = owner._mpi.Test(&request, out bool done);
            _request = request;
            if (rc != MpiLibrary.Success)
            {
                _done = true;
                _pin.Dispose();
                throw new DistributedException($"{call} failed: {owner._mpi.ErrorString(rc)} (has another rank died?)");
            }
            if (!done) return false;
            _done = true;
            _pin.Dispose();
            return true;
        }
    }
}
