namespace Lowbit.Tensors;

public sealed partial class Tensor
{
    /// <summary>Wraps a float array without copying.</summary>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckLength(data.Length, shape);
        return new Tensor(data, 0, shape);
    }

    /// <summary>Wraps a double array without copying.</summary>
    public static Tensor FromArray(double[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckLength(data.Length, shape);
        return new Tensor(data, 0, shape);
    }

    private static void CheckLength(int length, int[] shape)
    {
        int n = ShapeUtil.Product(shape);
        if (n != length)
            throw new ArgumentException($"Shape {ShapeUtil.Format(shape)} needs {n} elements but the array has {length}.", nameof(shape));
    }

    /// <summary>A zero-filled float32 tensor.</summary>
    public static Tensor Zeros(params int[] shape) => Zeros(DType.Float32, shape);

    /// <summary>A zero-filled tensor of the given type.</summary>
    public static Tensor Zeros(DType type, params int[] shape)
    {
        int n = ShapeUtil.Product(shape);
        return type == DType.Float64 ? new Tensor(new double[n], 0, (int[])shape.Clone()) : new Tensor(new float[n], 0, (int[])shape.Clone());
    }

    /// <summary>
    /// A tensor whose contents are not initialised, for an op's result or scratch that the caller overwrites before
    /// reading. Inside a <see cref="TensorArena"/> step (float32, at least <see cref="TensorArena.MinPooledLength"/>
    /// elements) the buffer is the arena's and is recycled at the next step, so a large per-step buffer costs no fresh
    /// memory; <see cref="Clone"/> what must outlive the step.
    /// </summary>
    /// <param name="type">Element type.</param>
    /// <param name="shape">Shape (every dimension ≥ 0).</param>
    /// <returns>The tensor; its elements are arbitrary until written.</returns>
    public static Tensor Empty(DType type, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        foreach (int d in shape) ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(shape));
        return Uninitialized(type, (int[])shape.Clone());
    }

    /// <summary>A tensor of the given type whose contents are not initialised (callers overwrite every element).</summary>
    internal static Tensor Uninitialized(DType type, int[] shape)
    {
        int n = ShapeUtil.Product(shape);
        if (type == DType.Float64) return new Tensor(GC.AllocateUninitializedArray<double>(n), 0, shape);
        var lease = TensorArena.Rent(n);
        return lease is null ? new Tensor(GC.AllocateUninitializedArray<float>(n), 0, shape) : new Tensor(lease.Buffer, 0, shape, lease);
    }

    /// <summary>A zero-filled op result (from the open <see cref="TensorArena"/> when there is one).</summary>
    internal static Tensor ZerosResult(DType type, int[] shape)
    {
        var t = Uninitialized(type, shape);
        if (type == DType.Float64) t.Span<double>().Clear();
        else t.AsSpan().Clear();
        return t;
    }

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(DType type, double value, params int[] shape)
    {
        var t = Zeros(type, shape);
        t.Fill(value);
        return t;
    }

    /// <summary>A one-filled float32 tensor.</summary>
    public static Tensor Ones(params int[] shape) => Full(DType.Float32, 1.0, shape);

    /// <summary>A zero-filled tensor with the type and shape of <paramref name="like"/>.</summary>
    public static Tensor ZerosLike(Tensor like)
    {
        ArgumentNullException.ThrowIfNull(like);
        return Zeros(like.DType, (int[])like._shape.Clone());
    }

    /// <summary>A one-element (rank 0) tensor.</summary>
    public static Tensor Scalar(double value, DType type = DType.Float32) => Full(type, value);

    /// <summary>Uniform values in [low, high) from an explicit generator.</summary>
    public static Tensor RandomUniform(Random random, double low, double high, int[] shape, DType type = DType.Float32)
    {
        ArgumentNullException.ThrowIfNull(random);
        var t = Zeros(type, shape);
        for (int i = 0; i < t.Length; i++) t.SetFlat(i, low + (high - low) * random.NextDouble());
        return t;
    }

    /// <summary>Normal values (Box-Muller) from an explicit generator.</summary>
    public static Tensor RandomNormal(Random random, double mean, double std, int[] shape, DType type = DType.Float32)
    {
        ArgumentNullException.ThrowIfNull(random);
        var t = Zeros(type, shape);
        for (int i = 0; i < t.Length; i++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            t.SetFlat(i, mean + std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return t;
    }

    /// <summary>Sets every element to <paramref name="value"/> (in place, no autograd).</summary>
    public void Fill(double value)
    {
        if (DType == DType.Float64) Span<double>().Fill(value);
        else AsSpan().Fill((float)value);
    }

    /// <summary>Copies the values of <paramref name="source"/> (same shape, any type) into this tensor (no autograd).</summary>
    public void CopyFrom(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!ShapeSpan.SequenceEqual(source.ShapeSpan))
            throw new ArgumentException($"CopyFrom: shape {ShapeUtil.Format(source.ShapeSpan)} does not match {ShapeUtil.Format(ShapeSpan)}.", nameof(source));
        if (DType == source.DType)
        {
            if (DType == DType.Float64) source.Span<double>().CopyTo(Span<double>());
            else source.AsSpan().CopyTo(AsSpan());
            return;
        }
        for (int i = 0; i < Length; i++) SetFlat(i, source.GetFlat(i));
    }
}
