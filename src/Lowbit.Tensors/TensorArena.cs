namespace Lowbit.Tensors;

/// <summary>
/// Recycles the float32 buffers of op results from one training step to the next, so a steady-state step
/// allocates no tensor memory.
/// </summary>
/// <remarks>
/// Usage, once per step on the training thread: <c>using (arena.BeginStep()) { forward; backward; update; }</c>.
/// While the scope is open, ops on that thread take result buffers of at least <see cref="MinPooledLength"/>
/// elements from the arena instead of the GC heap. Results stay readable after the scope closes (a trainer reads
/// the loss and the logits then); the next <see cref="BeginStep"/> hands every buffer of the previous step out
/// again. A tensor whose buffer has been recycled throws on any access instead of showing another step's data;
/// <see cref="Tensor.Clone"/> copies a result out of the arena. Tensors made by the public factories
/// (<see cref="Tensor.Zeros(int[])"/>, <see cref="Tensor.FromArray(float[], int[])"/>, ...) and by
/// <see cref="Tensor.Clone"/> never come from an arena, so optimizer state and module buffers created inside a
/// step are safe. An arena belongs to one thread at a time and is not thread-safe.
/// </remarks>
public sealed class TensorArena
{
    /// <summary>Smaller results come from the GC heap (cheap there, and not worth a dictionary look-up).</summary>
    public const int MinPooledLength = 4096;

    [ThreadStatic] private static TensorArena? t_current;

    private readonly Dictionary<int, Stack<ArenaLease>> _free = [];
    private readonly List<ArenaLease> _leased = [];

    /// <summary>Float32 elements held by the arena (leased or free); stops growing in steady state.</summary>
    public long PooledElements { get; private set; }

    /// <summary>Buffers created since the arena was made (a steady-state step adds none).</summary>
    public int BuffersCreated { get; private set; }

    /// <summary>
    /// Recycles every buffer handed out since the previous call and makes this arena the source of op results on
    /// the calling thread until the returned scope is disposed.
    /// </summary>
    /// <exception cref="InvalidOperationException">A step scope is already open on this thread.</exception>
    public IDisposable BeginStep()
    {
        if (t_current is not null)
            throw new InvalidOperationException("TensorArena.BeginStep: a step scope is already open on this thread; dispose it before beginning the next step.");
        foreach (var lease in _leased)
        {
            lease.Generation++;
            if (!_free.TryGetValue(lease.Buffer.Length, out var stack)) _free[lease.Buffer.Length] = stack = new Stack<ArenaLease>();
            stack.Push(lease);
        }
        _leased.Clear();
        t_current = this;
        return new Scope();
    }

    /// <summary>A buffer of exactly <paramref name="length"/> floats from the open arena, or null (no arena, or small).</summary>
    internal static ArenaLease? Rent(int length)
    {
        var arena = t_current;
        if (arena is null || length < MinPooledLength) return null;
        if (!arena._free.TryGetValue(length, out var stack) || !stack.TryPop(out var lease))
        {
            lease = new ArenaLease(GC.AllocateUninitializedArray<float>(length));
            arena.PooledElements += length;
            arena.BuffersCreated++;
        }
        arena._leased.Add(lease);
        return lease;
    }

    private sealed class Scope : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            t_current = null;
        }
    }
}

/// <summary>One pooled buffer; <see cref="Generation"/> advances each time the arena recycles it.</summary>
internal sealed class ArenaLease(float[] buffer)
{
    public float[] Buffer { get; } = buffer;

    public int Generation { get; set; }
}
