using System.Diagnostics;
using Lowbit.Nn;
using Lowbit.Tensors;
using Lowbit.Training.Config;

namespace Lowbit.Training.Distributed;

/// <summary>
/// Sums every rank's weighted gradients, bucket by bucket: float32 all-reduce, or k-bit stochastic codes all-gathered
/// and decoded in rank order (<see cref="GradientCodec"/>). Buckets hold parameters in reverse order (the backward pass
/// finishes the last layers first) and are started strictly in bucket order on every rank, during the backward pass
/// when overlapping, so every rank issues the same collectives in the same order whatever its data.
/// </summary>
internal sealed class GradientExchange
{
    private readonly ICollectives _group;
    private readonly int? _bits;
    private readonly bool _overlap;
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _values;
    private readonly Tensor[] _sums;
    private readonly Dictionary<Tensor, int> _index = new(ReferenceEqualityComparer.Instance);
    private readonly Bucket[] _buckets;
    private readonly bool[] _ready;
    private readonly int[] _bucketOf;
    private double _weight;
    private ulong _seed;
    private int _nextToStart;

    public GradientExchange(ICollectives group, IReadOnlyList<(string Name, Parameter Parameter)> parameters, DistributedConfig options)
    {
        _group = group;
        _bits = options.GradientBits;
        _overlap = options.Overlap;
        _parameters = [.. parameters.Select(p => p.Parameter).Reverse()];
        _values = new Tensor[_parameters.Length];
        _sums = [.. _parameters.Select(p => Tensor.Zeros([.. p.Value.ShapeSpan]))];
        _ready = new bool[_parameters.Length];
        var buckets = new List<Bucket>();
        int first = 0;
        while (first < _parameters.Length)
        {
            int end = first, length = 0;
            while (end < _parameters.Length && (end == first || length + _parameters[end].Value.Length <= options.BucketValues))
                length += _parameters[end++].Value.Length;
            buckets.Add(new Bucket(first, end, length, _bits, group.Size));
            first = end;
        }
        _buckets = [.. buckets];
        _bucketOf = new int[_parameters.Length];
        for (int b = 0; b < _buckets.Length; b++) Array.Fill(_bucketOf, b, _buckets[b].First, _buckets[b].End - _buckets[b].First);
        foreach (var b in _buckets) Bytes += b.SentBytes;
        Values = _parameters.Sum(p => (long)p.Value.Length);
    }

    /// <summary>Gradient values exchanged per step.</summary>
    public long Values { get; }

    /// <summary>Bytes this rank hands to the collectives per step (float32 buffers, or its k-bit messages).</summary>
    public long Bytes { get; }

    /// <summary>Number of buckets.</summary>
    public int BucketCount => _buckets.Length;

    /// <summary>Seconds spent quantizing and decoding gradients (k-bit mode), over the run.</summary>
    public double CodecSeconds { get; private set; }

    /// <summary>Starts a step: gradients will be multiplied by <paramref name="weight"/> (this rank's share of the batch).</summary>
    public void Begin(double weight, ulong seed)
    {
        _weight = weight;
        _seed = seed;
        _nextToStart = 0;
        Array.Clear(_ready);
        foreach (var b in _buckets) b.Pending = b.End - b.First;
        // Parameter tensors may be replaced between steps (a checkpoint load); map them afresh when they are.
        bool same = true;
        for (int i = 0; i < _parameters.Length && same; i++) same = ReferenceEquals(_values[i], _parameters[i].Value);
        if (same) return;
        _index.Clear();
        for (int i = 0; i < _parameters.Length; i++)
        {
            _values[i] = _parameters[i].Value;
            _index[_values[i]] = i;
        }
    }

    /// <summary>The backward pass has finished <paramref name="leaf"/>'s gradient (see <see cref="Tensor.Backward(Tensor?, Action{Tensor}?)"/>).</summary>
    public void LeafReady(Tensor leaf)
    {
        if (!_overlap || !_index.TryGetValue(leaf, out int i) || _ready[i]) return;
        _ready[i] = true;
        _buckets[_bucketOf[i]].Pending--;
        while (_nextToStart < _buckets.Length && _buckets[_nextToStart].Pending == 0) Start(_buckets[_nextToStart++]);
        for (int b = 0; b < _nextToStart; b++) _buckets[b].Operation?.Test(); // drives progress of the earlier buckets
    }

    /// <summary>Starts the buckets not started yet, in order (all of them without overlap).</summary>
    public void StartRemaining()
    {
        while (_nextToStart < _buckets.Length) Start(_buckets[_nextToStart++]);
    }

    /// <summary>
    /// Waits for every bucket and sets each parameter's gradient to the sum over ranks, or to null where
    /// <paramref name="presentInRegistrationOrder"/> says no rank had one (as a single process would leave it).
    /// </summary>
    public void Finish(ReadOnlySpan<bool> presentInRegistrationOrder, string what)
    {
        foreach (var b in _buckets)
        {
            _group.Wait(b.Operation!, what);
            b.Operation = null;
            if (b.Messages is not null) Decode(b);
        }
        int n = _parameters.Length;
        foreach (var b in _buckets)
        {
            int offset = 0;
            for (int i = b.First; i < b.End; i++)
            {
                var p = _parameters[i];
                int length = p.Value.Length;
                if (presentInRegistrationOrder[n - 1 - i])
                {
                    b.Values.AsSpan(offset, length).CopyTo(_sums[i].AsSpan());
                    p.Value.Grad = _sums[i];
                }
                else
                {
                    p.ZeroGrad();
                }
                offset += length;
            }
        }
    }

    private void Start(Bucket b)
    {
        var values = b.Values.AsSpan();
        int offset = 0;
        float weight = (float)_weight;
        for (int i = b.First; i < b.End; i++)
        {
            int length = _parameters[i].Value.Length;
            var target = values.Slice(offset, length);
            if (_parameters[i].Grad is { } g && weight != 0) System.Numerics.Tensors.TensorPrimitives.Multiply(g.AsSpan(), weight, target);
            else target.Clear();
            offset += length;
        }
        if (b.Messages is null)
        {
            b.Operation = _group.StartAllReduceSum(b.Values.AsMemory());
            return;
        }
        long start = Stopwatch.GetTimestamp();
        int bytes = b.SentBytes;
        ulong seed = _seed ^ (0xD1B54A32D192ED03UL * (ulong)(b.First + 1)) ^ ((ulong)_group.Rank << 48);
        GradientCodec.Encode(values, _bits!.Value, seed, b.Messages.AsSpan(_group.Rank * bytes, bytes));
        CodecSeconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
        b.Operation = _group.StartAllGather(b.Messages.AsMemory(), bytes);
    }

    /// <summary>Sum of every rank's decoded message, in rank order (the same floating-point sum on every rank).</summary>
    private void Decode(Bucket b)
    {
        long start = Stopwatch.GetTimestamp();
        var sum = b.Values.AsSpan();
        sum.Clear();
        int bytes = b.SentBytes;
        for (int r = 0; r < _group.Size; r++) GradientCodec.DecodeAdd(b.Messages.AsSpan(r * bytes, bytes), _bits!.Value, sum);
        CodecSeconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private sealed class Bucket
    {
        public Bucket(int first, int end, int length, int? bits, int ranks)
        {
            First = first;
            End = end;
            Values = GC.AllocateArray<float>(length, pinned: true);
            if (bits is int k)
            {
                SentBytes = GradientCodec.MessageBytes(length, k);
                Messages = GC.AllocateArray<byte>(SentBytes * ranks, pinned: true);
            }
            else
            {
                SentBytes = length * sizeof(float);
            }
        }

        public int First { get; }
        public int End { get; }
        public float[] Values { get; }
        public byte[]? Messages { get; }
        public int SentBytes { get; }
        public int Pending { get; set; }
        public ICollectiveOperation? Operation { get; set; }
    }
}
