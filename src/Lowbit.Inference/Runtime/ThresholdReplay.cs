using Lowbit.Kernels.Gemm;

namespace Lowbit.Inference.Runtime;

/// <summary>
/// The float32 replay shared by the code kinds' steps (k-bit and residual): for
/// the units whose threshold decision the rigorous bound left open, recompute y = x·w in the training model's own
/// float32 operation order and pick the code exactly as the model's quantizer would.
/// </summary>
internal static class ThresholdReplay
{
    /// <summary>
    /// Decides the pending units of one image: x[t] = <paramref name="inputLevels"/>[codes[t]], y_j in SGEMM order
    /// (<paramref name="dot"/> when the layer's reduction is emulated, else <see cref="Sgemm"/> itself on the
    /// gathered weight rows), z = ±y_j (<paramref name="negated"/>), code = the number of thresholds ≤ z.
    /// </summary>
    /// <param name="inputLevels">Float level of each input code.</param>
    /// <param name="codes">The image's input codes (InFeatures).</param>
    /// <param name="weightsFloat">The layer's float32 weights, row-major [units, InFeatures].</param>
    /// <param name="dot">SGEMM order emulation for this reduction length, or null to call Sgemm.</param>
    /// <param name="pending">Units to decide.</param>
    /// <param name="thresholds">Ascending thresholds, <paramref name="levels"/> per unit.</param>
    /// <param name="negated">Per unit: compare −y (negative batch-norm scale).</param>
    /// <param name="levels">Thresholds per unit.</param>
    /// <param name="x">Scratch of at least InFeatures floats.</param>
    /// <param name="y">Scratch of at least pending.Count floats.</param>
    /// <param name="replayWeights">Scratch for gathered weight rows (grown when too small).</param>
    /// <param name="outCodes">The image's output codes; only pending units are written.</param>
    public static void Decide(ReadOnlySpan<float> inputLevels, ReadOnlySpan<byte> codes, float[] weightsFloat, SgemmDotEmulation? dot,
        List<int> pending, float[] thresholds, bool[] negated, int levels, Span<float> x, Span<float> y, ref float[] replayWeights, Span<byte> outCodes)
    {
        int n = codes.Length, u = pending.Count;
        x = x[..n];
        y = y[..u];
        for (int t = 0; t < n; t++) x[t] = inputLevels[codes[t]];
        if (dot is not null)
        {
            for (int r = 0; r < u; r++) y[r] = dot.Dot(x, weightsFloat.AsSpan(pending[r] * n, n));
        }
        else
        {
            if (replayWeights.Length < u * n) replayWeights = new float[u * n];
            for (int r = 0; r < u; r++) weightsFloat.AsSpan(pending[r] * n, n).CopyTo(replayWeights.AsSpan(r * n, n));
            Sgemm.Multiply(false, true, 1, u, n, 1f, x, n, replayWeights.AsSpan(0, u * n), n, 0f, y, u, 1);
        }
        for (int r = 0; r < u; r++)
        {
            int j = pending[r];
            float z = negated[j] ? -y[r] : y[r];
            int code = 0;
            while (code < levels && z >= thresholds[j * levels + code]) code++;
            outCodes[j] = (byte)code;
        }
    }

    /// <summary>
    /// The output layer in float32 exactly as the training model computes it: x = levels of the codes, logits = x·Wᵀ
    /// by <see cref="Sgemm"/>, then the same float32 steps as Tensor.Add (bias) and Tensor.BatchNorm (v·scale + shift).
    /// </summary>
    public static void OutputLogits(ReadOnlySpan<float> inputLevels, ReadOnlySpan<byte> codes, int m, int n, int c, float[] weightsFloat,
        float[]? bias, float[]? scale, float[]? shift, Span<float> x, Span<float> logits)
    {
        x = x[..(m * n)];
        for (int t = 0; t < m * n; t++) x[t] = inputLevels[codes[t]];
        logits = logits[..(m * c)];
        Sgemm.Multiply(false, true, m, c, n, 1f, x, n, weightsFloat, n, 0f, logits, c, 1);
        Format.LogitsHead.Apply(logits, c, bias, scale, shift);
    }
}
