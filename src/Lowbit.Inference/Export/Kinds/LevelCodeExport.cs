using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;
using Lowbit.Nn.Layers;
using Lowbit.Tensors;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>
/// What the k-bit code kinds' exporters (4, 5; DoReFa, Zhou et al. 2016) share. Weights become unsigned codes c with
/// w = WeightLevels[c] ≈ 2c/(2^m − 1) − 1 (the float32 values the model's quantizer produces, read back from
/// <c>EffectiveWeight</c>); activations become codes a with x = InputLevels[a] = float32(a/(2^k − 1)). Batch norm and
/// the next layer's activation quantizer are folded into 2^k − 1 float thresholds per unit by
/// <see cref="ThresholdFolding.FoldLevels"/>, which evaluates the model's own float32 expression, and every threshold
/// is then checked against the real quantizer.
/// </summary>
internal static class LevelCodeExport
{
    /// <summary>Rejects weights outside 2..8 bits.</summary>
    public static void CheckWeights(ExportSite site)
    {
        if (site.Weights.Bits is < 2 or > PlaneDenseLayer.MaxBits)
            throw new NotSupportedException($"{site.Name}: weights must be quantized with dorefa_weight of 2..{PlaneDenseLayer.MaxBits} bits in a k-bit chain, got {site.Weights.Name} with {site.Weights.Bits} bit(s).");
    }

    /// <summary>dorefa_act's code for a float32 value: round((2^k − 1)·clip(v, 0, 1)), half away from zero, in double (as DoReFaActivation).</summary>
    internal static int ActivationCode(float v, int bits)
    {
        double levels = (1 << bits) - 1;
        return (int)Math.Round(levels * Math.Clamp((double)v, 0.0, 1.0), MidpointRounding.AwayFromZero);
    }

    /// <summary>float32(a/(2^k − 1)) for every code a, checked against the quantizer (which must return each level unchanged).</summary>
    public static float[] ActivationLevels(int bits, Nn.QuantizerModule module, int index)
    {
        int count = 1 << bits;
        var levels = new float[count];
        for (int a = 0; a < count; a++) levels[a] = (float)(a / (double)(count - 1));
        var back = module.Forward(Tensor.FromArray((float[])levels.Clone(), count)).ToArray();
        for (int a = 0; a < count; a++)
            if (BitConverter.SingleToInt32Bits(back[a]) != BitConverter.SingleToInt32Bits(levels[a]))
                throw new NotSupportedException($"Layer {index}: dorefa_act maps its level {a} ({levels[a]:R}) to {back[a]:R}; the exporter's level table does not match the quantizer.");
        return levels;
    }

    /// <summary>The weight codes as bit planes [out, m, words] and the float32 value of each code.</summary>
    public static (float[] Levels, ulong[] Planes) WeightPlanes(Linear linear, int bits, int index) =>
        WeightPlanes(linear, linear.OutFeatures, linear.InFeatures, bits, index);

    /// <summary>The weight codes of a layer with <paramref name="rows"/> outputs of <paramref name="cols"/> weights as bit planes [rows, m, words] and the float32 value of each code.</summary>
    public static (float[] Levels, ulong[] Planes) WeightPlanes(Nn.Layers.QuantizedLayer linear, int rows, int cols, int bits, int index)
    {
        int count = 1 << bits;
        double top = count - 1;
        var w = linear.EffectiveWeight().ToArray(); // [out, in]
        var levels = new float[count];
        var seen = new bool[count];
        var codes = new int[w.Length];
        for (int i = 0; i < w.Length; i++)
        {
            int c = (int)Math.Round((w[i] + 1.0) * top / 2.0);
            if (c < 0 || c >= count || Math.Abs(w[i] - (2.0 * c / top - 1.0)) > 1e-5)
                throw new ArgumentException($"Layer {index} ({linear.Describe()}): quantized weight {i} is {w[i]:R}, not one of the {count} dorefa_weight levels 2c/{top} − 1.");
            if (seen[c] && BitConverter.SingleToInt32Bits(levels[c]) != BitConverter.SingleToInt32Bits(w[i]))
                throw new ArgumentException($"Layer {index} ({linear.Describe()}): weight level {c} appears as both {levels[c]:R} and {w[i]:R}; codes need one float value each.");
            levels[c] = w[i];
            seen[c] = true;
            codes[i] = c;
        }
        for (int c = 0; c < count; c++) if (!seen[c]) levels[c] = (float)(2.0 * c / top - 1.0);
        var planes = new ulong[rows * bits * BitLayout.WordsPerRow(cols)];
        BitPacking.PackBitPlanes(codes, rows, cols, bits, planes);
        return (levels, planes);
    }

    /// <summary>
    /// Runs the model's own quantizer on Apply(±τ) and on Apply(±(float just below τ)) for every finite threshold:
    /// the codes must be ≥ l and &lt; l respectively. Guards against any drift between <see cref="ActivationCode"/> and the quantizer.
    /// </summary>
    public static void VerifyThresholds(UnitAffine[] units, bool[] negated, float[] thresholds, int levels, Nn.QuantizerModule quantizer, float[] nextLevels, int index)
    {
        var (probes, expect) = ThresholdFolding.Probes(units, negated, thresholds, levels);
        if (probes.Count == 0) return;
        var q = quantizer.Forward(Tensor.FromArray(probes.ToArray(), probes.Count)).ToArray();
        for (int i = 0; i < q.Length; i++)
        {
            int code = Array.IndexOf(nextLevels, q[i]);
            var (unit, level, atLeast) = expect[i];
            if (code < 0 || (code >= level) != atLeast)
                throw new InvalidOperationException($"Layer {index} unit {unit}: folded threshold {level} disagrees with the quantizer (code {code} at probe {probes[i]:R}); cannot export exactly.");
        }
    }
}
