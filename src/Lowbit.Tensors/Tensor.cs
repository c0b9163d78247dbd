using System.Runtime.InteropServices;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Tensors;

/// <summary>
/// An N-dimensional, row-major, contiguous array of float32 or float64 values with reverse-mode autograd.
/// </summary>
/// <remarks>
/// Storage is a managed array, possibly shared with other tensors (a reshape is a view that shares it).
/// Ops create new tensors; the only in-place operations are the explicit <c>*InPlace</c> methods used by
/// optimizers, which must not be applied to tensors that take part in a recorded graph.
/// </remarks>
public sealed partial class Tensor
{
    private readonly Array _storage;
    private readonly int _offset;
    private readonly int[] _shape;
    private readonly ArenaLease? _lease;
    private readonly int _leaseGeneration;

    internal Tensor(Array storage, int offset, int[] shape, ArenaLease? lease = null)
    {
        _storage = storage;
        _lease = lease;
        _leaseGeneration = lease?.Generation ?? 0;
        _offset = offset;
        _shape = shape;
        Length = ShapeUtil.Product(shape);
        DType = storage is double[] ? DType.Float64 : DType.Float32;
        if (storage is not float[] && storage is not double[])
            throw new ArgumentException($"Tensor storage must be float[] or double[], got {storage.GetType().Name}.", nameof(storage));
        if (offset < 0 || offset + Length > storage.Length)
            throw new ArgumentException($"Shape {ShapeUtil.Format(shape)} at offset {offset} does not fit in storage of {storage.Length} elements.", nameof(shape));
    }

    /// <summary>The backing array, after checking that an arena has not recycled it (see <see cref="TensorArena"/>).</summary>
    private Array Storage
    {
        get
        {
            if (_lease is not null && _lease.Generation != _leaseGeneration) ThrowRecycled();
            return _storage;
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowRecycled() => throw new InvalidOperationException(
        $"{this} was produced in an earlier training step and its buffer has been recycled by a TensorArena; Clone() results that must outlive their step.");

    /// <summary>Element type.</summary>
    public DType DType { get; }

    /// <summary>Total number of elements.</summary>
    public int Length { get; }

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The shape (a copy-free read-only view).</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>The shape as a span (no allocation).</summary>
    public ReadOnlySpan<int> ShapeSpan => _shape;

    /// <summary>Whether gradients are accumulated into <see cref="Grad"/> for this (leaf) tensor.</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>Accumulated gradient after <see cref="Backward(Tensor?)"/>, same shape and type as this tensor.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>The op that produced this tensor, when it was recorded for autograd.</summary>
    internal GradNode? Node { get; set; }

    /// <summary>True when gradients flow through this tensor (a parameter or the result of a recorded op).</summary>
    public bool TracksGrad => RequiresGrad || Node is not null;

    /// <summary>Size of dimension <paramref name="dim"/>; negative values count from the end.</summary>
    public int Dim(int dim)
    {
        int d = dim < 0 ? dim + Rank : dim;
        if ((uint)d >= (uint)Rank)
            throw new ArgumentOutOfRangeException(nameof(dim), $"Dimension {dim} is out of range for a tensor of shape {ShapeUtil.Format(_shape)}.");
        return _shape[d];
    }

    /// <summary>The float32 elements (throws for float64 tensors).</summary>
    public Span<float> AsSpan() => Storage is float[] f
        ? f.AsSpan(_offset, Length)
        : throw new InvalidOperationException($"This tensor holds {DType}; AsSpan() is for Float32. Use Span<double>().");

    /// <summary>The elements as <typeparamref name="T"/>, which must match <see cref="DType"/>.</summary>
    public Span<T> Span<T>() where T : unmanaged => Storage is T[] arr
        ? arr.AsSpan(_offset, Length)
        : throw new InvalidOperationException($"This tensor holds {DType}, not {typeof(T).Name}.");

    /// <summary>Copies the elements to a new float array (converting from double if needed).</summary>
    public float[] ToArray()
    {
        if (Storage is float[] f) return f.AsSpan(_offset, Length).ToArray();
        var src = ((double[])Storage).AsSpan(_offset, Length);
        var r = new float[Length];
        for (int i = 0; i < r.Length; i++) r[i] = (float)src[i];
        return r;
    }

    /// <summary>Copies the elements to a new double array.</summary>
    public double[] ToDoubleArray()
    {
        if (Storage is double[] d) return d.AsSpan(_offset, Length).ToArray();
        var src = ((float[])Storage).AsSpan(_offset, Length);
        var r = new double[Length];
        for (int i = 0; i < r.Length; i++) r[i] = src[i];
        return r;
    }

    /// <summary>Element at a flat index, as double.</summary>
    public double GetFlat(int index)
    {
        if ((uint)index >= (uint)Length) throw new ArgumentOutOfRangeException(nameof(index), $"Index {index} is outside 0..{Length - 1}.");
        return Storage is float[] f ? f[_offset + index] : ((double[])Storage)[_offset + index];
    }

    /// <summary>Sets the element at a flat index (no autograd; for initialisation and tests).</summary>
    public void SetFlat(int index, double value)
    {
        if ((uint)index >= (uint)Length) throw new ArgumentOutOfRangeException(nameof(index), $"Index {index} is outside 0..{Length - 1}.");
        if (Storage is float[] f) f[_offset + index] = (float)value;
        else ((double[])Storage)[_offset + index] = value;
    }

    /// <summary>The single value of a one-element tensor.</summary>
    public double Item()
    {
        if (Length != 1) throw new InvalidOperationException($"Item() needs a one-element tensor, this one has shape {ShapeUtil.Format(_shape)}.");
        return GetFlat(0);
    }

    /// <summary>A tensor sharing this storage with a new shape of the same element count (no autograd history).</summary>
    internal Tensor ViewAs(int[] shape) => new(Storage, _offset, shape, _lease);

    /// <summary>A new tensor with the same values and no autograd history.</summary>
    public Tensor Detach() => new(Storage, _offset, _shape, _lease);

    /// <summary>A deep copy with no autograd history.</summary>
    public Tensor Clone()
    {
        Array copy = Storage is float[] f ? f.AsSpan(_offset, Length).ToArray() : ((double[])Storage).AsSpan(_offset, Length).ToArray();
        return new Tensor(copy, 0, (int[])_shape.Clone());
    }

    /// <summary>Converts to another element type (a copy; autograd flows through the conversion).</summary>
    public Tensor To(DType type)
    {
        if (type == DType) return this;
        Tensor result = type == DType.Float64 ? FromArray(ToDoubleArray(), (int[])_shape.Clone()) : FromArray(ToArray(), (int[])_shape.Clone());
        DType source = DType;
        return Autograd.GradGraph.Record(result, "to", [this], g => [g.To(source)]);
    }

    /// <inheritdoc/>
    public override string ToString() => $"Tensor({DType}, {ShapeUtil.Format(_shape)})";

    internal bool SameStorage(Tensor other) => ReferenceEquals(_storage, other._storage);

    internal static void RequireSameType(Tensor a, Tensor b, string op)
    {
        if (a.DType != b.DType)
            throw new ArgumentException($"{op}: element types differ ({a.DType} and {b.DType}); convert one with To().");
    }
}
