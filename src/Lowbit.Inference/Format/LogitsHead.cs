namespace Lowbit.Inference.Format;

/// <summary>
/// The output head of the last layer (kinds 3, 5, 7): the model's float32 bias and batch norm applied to each unit's
/// dot product y, <c>logit = v·Scale + Shift</c> with <c>v = y + Bias</c>, each operation rounded to float32 (as
/// Tensor.Add and Tensor.BatchNorm do; .NET does not fuse a·b + c), a missing bias or batch norm skipping its step.
/// Stored as <c>f32 bias[M]</c> if flag bit 0, then <c>f32 scale[M], f32 shift[M]</c> if flag bit 1.
/// </summary>
internal static class LogitsHead
{
    /// <summary>Checks the optional bias and batch-norm scale/shift (both or neither): one finite value per unit.</summary>
    /// <exception cref="ArgumentException">Sizes disagree, only one of scale/shift is given, or a value is not finite.</exception>
    public static void Check(float[]? bias, float[]? scale, float[]? shift, int outFeatures)
    {
        if ((scale is null) != (shift is null))
            throw new ArgumentException("Batch-norm scale and shift must both be present or both absent.", nameof(scale));
        CheckValues(bias, nameof(bias), outFeatures);
        CheckValues(scale, nameof(scale), outFeatures);
        CheckValues(shift, nameof(shift), outFeatures);
    }

    private static void CheckValues(float[]? values, string name, int count)
    {
        if (values is null) return;
        if (values.Length != count) throw new ArgumentException($"Expected {count} values in {name} but got {values.Length}.", name);
        for (int j = 0; j < values.Length; j++)
            if (!float.IsFinite(values[j])) throw new ArgumentException($"{name}[{j}] is {values[j]}; it must be finite.", name);
    }

    /// <summary>The header flags of a head with or without bias and batch norm.</summary>
    public static byte Flags(bool hasBias, bool hasBatchNorm) =>
        (byte)((hasBias ? DenseHeader.FlagBias : 0) | (hasBatchNorm ? DenseHeader.FlagBatchNorm : 0));

    /// <summary>Bytes of the head: 4·M for a bias, 8·M for batch norm.</summary>
    public static long Size(int outFeatures, bool hasBias, bool hasBatchNorm) => (long)outFeatures * ((hasBias ? 4 : 0) + (hasBatchNorm ? 8 : 0));

    public static void Write(ref PackedWriter w, float[]? bias, float[]? scale, float[]? shift)
    {
        if (bias is not null) w.F32(bias);
        if (scale is not null)
        {
            w.F32(scale);
            w.F32(shift);
        }
    }

    public static (float[]? Bias, float[]? Scale, float[]? Shift) Read(ref PackedModelReader r, byte flags, int outFeatures, int index)
    {
        var bias = (flags & DenseHeader.FlagBias) != 0 ? r.ReadFloats(outFeatures, $"layer {index} bias", false) : null;
        var scale = (flags & DenseHeader.FlagBatchNorm) != 0 ? r.ReadFloats(outFeatures, $"layer {index} batch-norm scale", false) : null;
        var shift = (flags & DenseHeader.FlagBatchNorm) != 0 ? r.ReadFloats(outFeatures, $"layer {index} batch-norm shift", false) : null;
        return (bias, scale, shift);
    }

    /// <summary>Applies the head to dot products <c>[m, c]</c> in place (same float32 steps as the training model).</summary>
    public static void Apply(Span<float> values, int c, float[]? bias, float[]? scale, float[]? shift)
    {
        for (int i = 0; i < values.Length; i++)
        {
            int j = i % c;
            float v = values[i];
            if (bias is not null) v += bias[j];
            if (scale is not null) v = v * scale[j] + shift![j];
            values[i] = v;
        }
    }
}
