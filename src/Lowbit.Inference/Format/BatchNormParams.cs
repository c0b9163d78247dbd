using Lowbit.Tensors;

namespace Lowbit.Inference.Format;

/// <summary>
/// An evaluation-mode batch norm kept as the model has it (γ and β when affine, running mean and variance, ε) and
/// applied with the model's own operation (<see cref="Tensor.BatchNorm"/>), so its float32 outputs are the model's bit
/// for bit. Stored as <c>u8</c> affine (0/1), three zero bytes, <c>f64</c> ε, then <c>f32</c> γ[C] and β[C] if affine,
/// <c>f32</c> mean[C], <c>f32</c> variance[C].
/// </summary>
public sealed class BatchNormParams
{
    /// <summary>Creates and validates the parameters.</summary>
    /// <param name="gamma">Scale per channel, or null (not affine; then <paramref name="beta"/> is null too).</param>
    /// <param name="beta">Shift per channel, or null.</param>
    /// <param name="mean">Running mean per channel.</param>
    /// <param name="variance">Running variance per channel (≥ 0).</param>
    /// <param name="epsilon">ε (positive, finite).</param>
    /// <exception cref="ArgumentException">Lengths differ, only one of γ, β is given, or a value is out of range.</exception>
    public BatchNormParams(float[]? gamma, float[]? beta, float[] mean, float[] variance, double epsilon)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(variance);
        if ((gamma is null) != (beta is null)) throw new ArgumentException("Batch-norm γ and β must both be present or both absent.", nameof(gamma));
        int c = mean.Length;
        if (c < 1 || variance.Length != c || (gamma is not null && (gamma.Length != c || beta!.Length != c)))
            throw new ArgumentException($"Batch-norm parameters need one value per channel; got mean {c}, variance {variance.Length}, γ {gamma?.Length}, β {beta?.Length}.", nameof(mean));
        foreach (var (values, name) in new[] { (gamma, "gamma"), (beta, "beta"), (mean, "mean"), (variance, "variance") })
            if (values is not null)
                for (int i = 0; i < values.Length; i++)
                    if (!float.IsFinite(values[i]) || (name == "variance" && values[i] < 0))
                        throw new ArgumentException($"Batch-norm {name}[{i}] is {values[i]}; it must be finite{(name == "variance" ? " and non-negative" : "")}.", name);
        if (!(epsilon > 0) || !double.IsFinite(epsilon)) throw new ArgumentException($"Batch-norm ε is {epsilon}; it must be positive and finite.", nameof(epsilon));
        Gamma = gamma;
        Beta = beta;
        Mean = mean;
        Variance = variance;
        Epsilon = epsilon;
    }

    /// <summary>Scale per channel, or null.</summary>
    public float[]? Gamma { get; }

    /// <summary>Shift per channel, or null.</summary>
    public float[]? Beta { get; }

    /// <summary>Running mean per channel.</summary>
    public float[] Mean { get; }

    /// <summary>Running variance per channel.</summary>
    public float[] Variance { get; }

    /// <summary>ε.</summary>
    public double Epsilon { get; }

    /// <summary>Channels.</summary>
    public int Channels => Mean.Length;

    /// <summary>Bytes in the file.</summary>
    public long ByteSize => Size(Channels, Gamma is not null);

    /// <summary>Bytes of the parameters of <paramref name="channels"/> channels.</summary>
    internal static long Size(int channels, bool affine) => 12 + (affine ? 16L : 8L) * channels;

    /// <summary>Applies the batch norm to <paramref name="x"/> ([batch, C] or [batch, C, H, W]) as the model does in evaluation mode.</summary>
    internal Tensor Apply(Tensor x, Tensor? gamma, Tensor? beta, Tensor mean, Tensor variance) =>
        Tensor.BatchNorm(x, gamma, beta, mean, variance, new BatchNormOptions(false, 0.1, Epsilon));

    /// <summary>The parameters as tensors, for <see cref="Apply"/>.</summary>
    internal (Tensor? Gamma, Tensor? Beta, Tensor Mean, Tensor Variance) Tensors() =>
        (Gamma is null ? null : Tensor.FromArray((float[])Gamma.Clone(), Channels), Beta is null ? null : Tensor.FromArray((float[])Beta.Clone(), Channels),
         Tensor.FromArray((float[])Mean.Clone(), Channels), Tensor.FromArray((float[])Variance.Clone(), Channels));

    internal void Write(ref PackedWriter w)
    {
        w.U32(Gamma is null ? 0u : 1u);
        w.U64((ulong)BitConverter.DoubleToInt64Bits(Epsilon));
        if (Gamma is not null)
        {
            w.F32(Gamma);
            w.F32(Beta);
        }
        w.F32(Mean);
        w.F32(Variance);
    }

    internal static BatchNormParams Read(ref PackedModelReader r, int channels, int index)
    {
        int affine = r.ReadCount($"layer {index} batch-norm affine flag", 0, 1);
        int epsilonAt = r.Offset;
        double epsilon = BitConverter.Int64BitsToDouble((long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(r.Take(8, $"layer {index} batch-norm epsilon")));
        if (!(epsilon > 0) || !double.IsFinite(epsilon)) throw r.Error(epsilonAt, $"layer {index} batch-norm epsilon is {epsilon}; it must be positive and finite.");
        var gamma = affine == 1 ? r.ReadFloats(channels, $"layer {index} batch-norm gamma", false) : null;
        var beta = affine == 1 ? r.ReadFloats(channels, $"layer {index} batch-norm beta", false) : null;
        var mean = r.ReadFloats(channels, $"layer {index} batch-norm mean", false);
        int varianceAt = r.Offset;
        var variance = r.ReadFloats(channels, $"layer {index} batch-norm variance", false);
        for (int c = 0; c < channels; c++)
            if (variance[c] < 0) throw r.Error(varianceAt + 4 * c, $"layer {index} batch-norm variance[{c}] is {variance[c]}; it must be non-negative.");
        return new BatchNormParams(gamma, beta, mean, variance, epsilon);
    }
}
