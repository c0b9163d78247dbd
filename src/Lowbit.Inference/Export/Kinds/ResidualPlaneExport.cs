using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;
using Lowbit.Nn.Layers;
using Lowbit.Quantization.MixedPrecision;
using Lowbit.Tensors;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>
/// What the residual kinds' exporters (6, 7; HBB, Fromm et al. 2018) share. Weights: the quantizer's decomposition of
/// the final latent weights (<c>Decompose</c>, the bit map the evaluation forward uses, i.e. Middle-Out frozen from the
/// final weights) gives sign planes, masks (M ≥ q) and per-plane means; each element's float32 value is read back from
/// <c>EffectiveWeight</c> and must be the same for every element of the same (M, signs) class. Activations: the next
/// layer's quantizer in evaluation mode is a fixed monotone code function of the batch-norm output
/// (<see cref="ActivationCode"/>, <see cref="ResidualRunningMeans"/>), folded into 2^R − 1 thresholds per unit by
/// <see cref="ThresholdFolding.FoldLevels"/>; the level table and every threshold are then checked against the real
/// quantizer.
/// </summary>
internal static class ResidualPlaneExport
{
    /// <summary>Rejects weights with more planes than the format holds.</summary>
    public static void CheckWeights(ExportSite site)
    {
        if (site.Weights.Bits > ResidualDenseLayer.MaxPlanes)
            throw new NotSupportedException($"{site.Name}: {site.Weights.Bits} weight planes; the format supports at most {ResidualDenseLayer.MaxPlanes}.");
    }

    /// <summary>Input planes of the arriving values: 0 for the pixels.</summary>
    public static int InputPlanes(ExportSite site) => site.Input.Encoding == ActivationEncoding.Pixels ? 0 : site.Input.Bits;

    /// <summary>The layer's residual activation quantizer with frozen means, or a NotSupportedException saying why not.</summary>
    public static ResidualBinarizer RunningActivation(Linear linear, int index)
    {
        var q = linear.InputQuantizer?.Quantizer;
        if (q is not ResidualBinarizer { Role: "activation" } residual)
            throw new NotSupportedException($"Layer {index} ({linear.Describe()}): inputs after the first layer must be quantized with residual (role activation) in a residual chain, got {q?.Name ?? "no input quantizer"}.");
        if (residual.Means != "running")
            throw new NotSupportedException($"Layer {index} ({linear.Describe()}): residual activations with per-sample means are not a function of each unit alone and cannot be packed exactly (docs/FORMAT.md); train with \"means\": \"running\" (e.g. configs/mnist-hbb-1.4-deploy.json).");
        if (residual.Bits > ResidualDenseLayer.MaxPlanes)
            throw new NotSupportedException($"Layer {index} ({linear.Describe()}): {residual.Bits} activation planes; the format supports at most {ResidualDenseLayer.MaxPlanes}.");
        return residual;
    }

    /// <summary>
    /// The code of the residual activation with frozen means R_i of a float32 value v: the signs s_1..s_R of
    /// r_1 = v, r_{i+1} = r_i − R_i·s_i (double, sign(±0) = +1) read as a binary number, s_1 most significant (+1 = 1).
    /// Non-decreasing in v (<see cref="ResidualRunningMeans"/>).
    /// </summary>
    internal static int ActivationCode(float v, double[] means)
    {
        double r = v;
        int code = 0;
        foreach (double mean in means)
        {
            double signed = r + 0.0;
            code = 2 * code + (signed >= 0 ? 1 : 0);
            r -= Math.CopySign(mean, signed);
        }
        return code;
    }

    /// <summary>float32(0 + ±R_1 + ±R_2 …) in double, in the quantizer's order, for every code (plane i = bit R − i).</summary>
    internal static float[] ActivationLevels(double[] means)
    {
        int planes = means.Length;
        var levels = new float[1 << planes];
        for (int a = 0; a < levels.Length; a++)
        {
            double x = 0.0;
            for (int i = 0; i < planes; i++) x += ((a >> (planes - 1 - i)) & 1) != 0 ? means[i] : -means[i];
            levels[a] = (float)x;
        }
        return levels;
    }

    /// <summary>Sign planes, masks, per-plane scales and the float32 value of each (M, signs) class of the layer's weights.</summary>
    public static (int Planes, float[] Scales, float[] Levels, ulong[] Weights) WeightPlanes(Linear linear, int index)
    {
        var quantizer = linear.WeightQuantizer!.Quantizer;
        var latent = linear.Weight.Value;
        var planes = quantizer switch
        {
            HeterogeneousBinarizer h => h.Decompose(latent),
            _ => ((ResidualBinarizer)quantizer).Decompose(latent),
        };
        var effective = linear.EffectiveWeight().ToArray(); // [out, in]
        int b = planes.MaxBits, n = linear.InFeatures, units = linear.OutFeatures, words = BitLayout.WordsPerRow(n), rows = 2 * b - 1;
        var levels = new float[ResidualDenseLayer.WeightLevelCount(b)];
        var seen = new bool[levels.Length];
        var weights = new ulong[units * rows * words];
        for (int i = 0; i < effective.Length; i++)
        {
            int bits = planes.BitMap?[i] ?? b, code = 0;
            double value = 0;
            for (int q = 0; q < b; q++)
            {
                sbyte s = planes.Signs[q][i];
                if ((s != 0) != (q < bits))
                    throw new InvalidOperationException($"Layer {index} ({linear.Describe()}): weight {i} has {bits} bits but sign plane {q + 1} holds {s}.");
                if (s == 0) continue;
                value += planes.Means[q] * s;
                int j = i / n, t = i % n;
                if (s > 0)
                {
                    code |= 1 << q;
                    weights[(j * rows + q) * words + (t >> 6)] |= 1UL << (t & 63);
                }
                if (q > 0) weights[(j * rows + b + q - 1) * words + (t >> 6)] |= 1UL << (t & 63);
            }
            int level = ResidualDenseLayer.LevelIndex(bits, code);
            float w = effective[i];
            if (Math.Abs(w - value) > 1e-6 * (1 + Math.Abs(value)))
                throw new ArgumentException($"Layer {index} ({linear.Describe()}): quantized weight {i} is {w:R} but its planes give {value:R}; the decomposition does not match the forward pass.");
            if (seen[level] && BitConverter.SingleToInt32Bits(levels[level]) != BitConverter.SingleToInt32Bits(w))
                throw new ArgumentException($"Layer {index} ({linear.Describe()}): weight class {level} appears as both {levels[level]:R} and {w:R}; a class needs one float value.");
            levels[level] = w;
            seen[level] = true;
        }
        for (int bits = 1; bits <= b; bits++)
            for (int code = 0; code < 1 << bits; code++)
            {
                int level = ResidualDenseLayer.LevelIndex(bits, code);
                if (seen[level]) continue;
                double value = 0;
                for (int q = 0; q < bits; q++) value += planes.Means[q] * (((code >> q) & 1) != 0 ? 1 : -1);
                levels[level] = (float)value;
            }
        var scales = Enumerable.Range(0, b).Select(q => (float)planes.Means[q]).ToArray();
        return (b, scales, levels, weights);
    }

    /// <summary>
    /// Runs the model's own quantizer on Apply(±τ) and on Apply(±(float just below τ)) for every finite threshold:
    /// the result must be the level of <see cref="ActivationCode"/>, with code ≥ l at τ and &lt; l just below.
    /// </summary>
    public static void VerifyThresholds(UnitAffine[] units, bool[] negated, float[] thresholds, int levels, Nn.QuantizerModule quantizer,
        double[] means, float[] nextLevels, int index)
    {
        var (probes, expect) = ThresholdFolding.Probes(units, negated, thresholds, levels);
        if (probes.Count == 0) return;
        var q = quantizer.Forward(Tensor.FromArray(probes.ToArray(), probes.Count, 1)).ToArray();
        for (int i = 0; i < q.Length; i++)
        {
            int code = ActivationCode(probes[i], means);
            var (unit, level, atLeast) = expect[i];
            if (BitConverter.SingleToInt32Bits(q[i]) != BitConverter.SingleToInt32Bits(nextLevels[code]) || (code >= level) != atLeast)
                throw new InvalidOperationException($"Layer {index} unit {unit}: folded threshold {level} disagrees with the quantizer (code {code}, level {nextLevels[code]:R}, quantizer {q[i]:R} at probe {probes[i]:R}); cannot export exactly.");
        }
    }
}
