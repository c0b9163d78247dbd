namespace Lowbit.Tensors.Ops;

/// <summary>
/// Iteration plan for a broadcast between an output shape and up to two operand shapes: the output is walked as
/// contiguous inner runs; inside a run each operand is either contiguous (stride 1) or a single repeated value.
/// </summary>
internal sealed class BroadcastPlan
{
    public int InnerLength { get; }
    public int OuterCount { get; }
    public bool AScalarInner { get; }
    public bool BScalarInner { get; }
    private readonly int[] _outerShape;
    private readonly int[] _aStrides;
    private readonly int[] _bStrides;

    public BroadcastPlan(int[] outShape, ReadOnlySpan<int> aShape, ReadOnlySpan<int> bShape)
    {
        int rank = outShape.Length;
        var aFull = Expand(aShape, rank);
        var bFull = Expand(bShape, rank);
        // Find the suffix that forms the inner run. Each operand's suffix must be all-equal to the output
        // (contiguous) or all-ones (scalar over the run).
        int split = rank;
        bool aScalar = false, bScalar = false;
        bool? aMode = null, bMode = null; // true = scalar, false = contiguous
        for (int d = rank - 1; d >= 0; d--)
        {
            if (outShape[d] == 1) { split = d; continue; }
            bool aS = aFull[d] == 1, bS = bFull[d] == 1;
            if ((aMode is not null && aMode != aS) || (bMode is not null && bMode != bS)) break;
            aMode = aS; bMode = bS;
            split = d;
        }
        aScalar = aMode ?? false;
        bScalar = bMode ?? false;
        int inner = 1;
        for (int d = split; d < rank; d++) inner *= outShape[d];
        InnerLength = inner;
        AScalarInner = aScalar;
        BScalarInner = bScalar;
        _outerShape = outShape[..split];
        var aStr = ShapeUtil.Strides(aFull);
        var bStr = ShapeUtil.Strides(bFull);
        _aStrides = new int[split];
        _bStrides = new int[split];
        int outer = 1;
        for (int d = 0; d < split; d++)
        {
            _aStrides[d] = aFull[d] == 1 ? 0 : aStr[d];
            _bStrides[d] = bFull[d] == 1 ? 0 : bStr[d];
            outer *= outShape[d];
        }
        OuterCount = outer;
    }

    private static int[] Expand(ReadOnlySpan<int> shape, int rank)
    {
        var r = new int[rank];
        for (int i = 0; i < rank; i++) r[i] = i < rank - shape.Length ? 1 : shape[i - (rank - shape.Length)];
        return r;
    }

    /// <summary>Fills the operand offsets of every outer block (in output order).</summary>
    public void Offsets(Span<int> aOffsets, Span<int> bOffsets)
    {
        int rank = _outerShape.Length;
        Span<int> index = stackalloc int[Math.Max(rank, 1)];
        index.Clear();
        int aOff = 0, bOff = 0;
        for (int block = 0; block < OuterCount; block++)
        {
            aOffsets[block] = aOff;
            bOffsets[block] = bOff;
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d]++;
                aOff += _aStrides[d];
                bOff += _bStrides[d];
                if (index[d] < _outerShape[d]) break;
                aOff -= _aStrides[d] * index[d];
                bOff -= _bStrides[d] * index[d];
                index[d] = 0;
            }
        }
    }
}
