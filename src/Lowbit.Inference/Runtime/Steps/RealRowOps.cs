using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Lowbit.Inference.Format;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// The float32 steps of the real-valued kinds on one output row (one channel of one image), with the operations the
/// model's tensor ops perform on such maps: Tensor.BatchNorm in evaluation on planes of ≥ 32 values as
/// fma(x − center, scale, shift), and Tensor.Relu / HardTanh as TensorPrimitives max / min. Steps that use these check
/// them against the tensor operations at construction (another module's implementation).
/// </summary>
internal static class RealRowOps
{
    /// <summary>
    /// Per channel (center, scale, shift) as Tensor.BatchNorm computes them in evaluation: m = running mean,
    /// k = 1/sqrt(var + ε) in double; center = (float)m, scale = γ·k, shift = β − (m − center)·scale.
    /// </summary>
    public static (float[] Center, float[] Scale, float[] Shift) Coefficients(BatchNormParams? bn, int channels)
    {
        var center = new float[channels];
        var scale = new float[channels];
        var shift = new float[channels];
        if (bn is null) return (center, scale, shift);
        for (int c = 0; c < channels; c++)
            (center[c], scale[c], shift[c]) = Lowbit.Tensors.Tensor.BatchNormCenteredCoefficients(bn.Mean[c], bn.Variance[c], bn.Epsilon, bn.Gamma?[c] ?? 1.0, bn.Beta?[c] ?? 0.0);
        return (center, scale, shift);
    }

    /// <summary>row[p] = fma(row[p] − center, scale, shift).</summary>
    public static void Affine(Span<float> row, float center, float scale, float shift)
    {
        int n = row.Length, p = 0;
        ref float r0 = ref MemoryMarshal.GetReference(row);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; p + 16 <= n; p += 16)
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r0, (nuint)p) - Vector512.Create(center), Vector512.Create(scale), Vector512.Create(shift))
                    .StoreUnsafe(ref r0, (nuint)p);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; p + 8 <= n; p += 8)
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r0, (nuint)p) - Vector256.Create(center), Vector256.Create(scale), Vector256.Create(shift))
                    .StoreUnsafe(ref r0, (nuint)p);
        }
        for (; p < n; p++) row[p] = MathF.FusedMultiplyAdd(row[p] - center, scale, shift);
    }

    /// <summary>row[p] = K − 2·counts[p] (exact in float32 for K &lt; 2^24), then <see cref="Affine"/> when <paramref name="affine"/>.</summary>
    public static void MismatchValues(ReadOnlySpan<int> counts, int k, Span<float> row, bool affine, float center, float scale, float shift)
    {
        int n = row.Length, p = 0;
        ref int d0 = ref MemoryMarshal.GetReference(counts);
        ref float r0 = ref MemoryMarshal.GetReference(row);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; p + 16 <= n; p += 16)
            {
                var d = Vector512.LoadUnsafe(ref d0, (nuint)p);
                Vector512.ConvertToSingle(Vector512.Create(k) - (d + d)).StoreUnsafe(ref r0, (nuint)p);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; p + 8 <= n; p += 8)
            {
                var d = Vector256.LoadUnsafe(ref d0, (nuint)p);
                Vector256.ConvertToSingle(Vector256.Create(k) - (d + d)).StoreUnsafe(ref r0, (nuint)p);
            }
        }
        for (; p < n; p++) row[p] = k - 2 * counts[p];
        if (affine) Affine(row, center, scale, shift);
    }

    /// <summary>The activation in place, as Tensor.Relu (max with 0) and Tensor.HardTanh (max with −1, then min with 1).</summary>
    public static void Activate(Span<float> row, RealActivation activation)
    {
        if (activation == RealActivation.Relu)
        {
            TensorPrimitives.Max(row, 0f, row);
        }
        else if (activation == RealActivation.HardTanh)
        {
            TensorPrimitives.Max(row, -1f, row);
            TensorPrimitives.Min(row, 1f, row);
        }
    }
}
