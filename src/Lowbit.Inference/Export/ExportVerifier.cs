using Lowbit.Inference.Format;
using Lowbit.Inference.Runtime;
using Lowbit.Nn.Layers;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Inference.Export;

/// <summary>Outcome of <see cref="ExportVerifier.Verify"/>: how many images/outputs disagree between the packed runtime and the float model.</summary>
/// <param name="Images">Images compared.</param>
/// <param name="ClassMismatches">Images whose predicted class differs.</param>
/// <param name="LogitMismatches">Logits whose float32 bit patterns differ.</param>
/// <param name="IntegerMismatches">Last-layer integer outputs that differ from the integer reference.</param>
/// <param name="Correct">Images the packed runtime classifies correctly (given labels).</param>
/// <param name="Replays">Units recomputed in float32 by the runtime.</param>
/// <param name="FirstMismatch">A description of the first disagreement, or empty.</param>
/// <param name="MaxLogitDifference">The largest |packed − float| over all logits (0 when bit-exact).</param>
public sealed record VerificationResult(int Images, int ClassMismatches, int LogitMismatches, int IntegerMismatches, int Correct, long Replays, string FirstMismatch,
    double MaxLogitDifference = 0)
{
    /// <summary>Whether everything agrees bit for bit.</summary>
    public bool Exact => ClassMismatches == 0 && LogitMismatches == 0 && IntegerMismatches == 0;
}

/// <summary>
/// Runs a packed model and the float32 model it was exported from on the same images and compares classes, logits
/// (bit patterns) and the last layer's integer outputs against an integer reference computed from the float model.
/// </summary>
public static class ExportVerifier
{
    /// <summary>Compares <paramref name="packed"/> with <paramref name="model"/> (evaluation mode) on <paramref name="count"/> images.</summary>
    /// <param name="model">The float model (its mode is restored).</param>
    /// <param name="packed">The packed model exported from it.</param>
    /// <param name="pixels">Images <c>[count, channels, height, width]</c> as bytes; the float model receives the packed model's pixel table entry of the byte's channel.</param>
    /// <param name="labels">Labels per image (for the accuracy count).</param>
    /// <param name="count">Number of images.</param>
    /// <param name="options">Runtime options.</param>
    public static VerificationResult Verify(Sequential model, PackedModel packed, ReadOnlySpan<byte> pixels, ReadOnlySpan<byte> labels, int count, InferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(packed);
        int c = packed.Classes, size = packed.InputSize;
        var (logits, integers) = FloatModel(model, packed, pixels, count);
        var predicted = Tensor.ArgMaxLastDim(Tensor.FromArray(logits, count, c));
        var session = new InferenceSession(packed, options);
        var classes = new int[count];
        var dots = new int[count * c];
        var packedLogits = new float[count * c];
        session.Predict(pixels[..(count * size)], count, classes, dots, packedLogits);
        int classMismatch = 0, logitMismatch = 0, integerMismatch = 0, correct = 0;
        double maxDifference = 0;
        string first = "";
        for (int i = 0; i < count; i++)
        {
            if (classes[i] != predicted[i] && classMismatch++ == 0 && first.Length == 0) first = $"image {i}: float model class {predicted[i]}, packed {classes[i]}";
            if (classes[i] == labels[i]) correct++;
        }
        for (int i = 0; i < count * c; i++)
        {
            maxDifference = Math.Max(maxDifference, Math.Abs((double)logits[i] - packedLogits[i]));
            if (BitConverter.SingleToInt32Bits(logits[i]) != BitConverter.SingleToInt32Bits(packedLogits[i]) && logitMismatch++ == 0 && first.Length == 0)
                first = $"logit {i % c} of image {i / c}: float model {logits[i]:R}, packed {packedLogits[i]:R}";
            if (integers[i] != dots[i] && integerMismatch++ == 0 && first.Length == 0)
                first = $"integer output {i % c} of image {i / c}: reference {integers[i]}, packed {dots[i]}";
        }
        return new VerificationResult(count, classMismatch, logitMismatch, integerMismatch, correct, session.Statistics.FirstLayerReplays, first, maxDifference);
    }

    /// <summary>The float model's logits and the integer reference of its last dense layer.</summary>
    /// <remarks>
    /// Integer reference: binary models: the ±1 dot product (the float32 product is that integer exactly);
    /// k-bit models: Σ_t c_t·a_t with weight codes c = round((w + 1)(2^m − 1)/2) and input codes a = round(x·(2^k − 1))
    /// taken from the float model's own quantized tensors; residual (HBB) models: none (0, as the runtime reports).
    /// </remarks>
    private static (float[] Logits, long[] Integers) FloatModel(Sequential model, PackedModel packed, ReadOnlySpan<byte> pixels, int count)
    {
        var layers = model.Layers;
        int lastDense = -1;
        for (int i = 0; i < layers.Count; i++) if (layers[i] is Linear) lastDense = i;
        var last = (Linear)layers[lastDense];
        int c = packed.Classes, size = packed.InputSize, n = last.InFeatures;
        var logits = new float[count * c];
        var integers = new long[count * c];
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            using var _ = GradMode.Disable();
            var weights = last.EffectiveWeight().ToArray();
            int weightBits = QuantizerCode.OfWeights(last).Bits, inputBits = QuantizerCode.OfInputs(last).Bits;
            bool codes = packed.IsPlaneModel;
            var weightCodes = weights.Select(w => codes ? Math.Round((w + 1.0) * ((1 << weightBits) - 1) / 2.0) : w).ToArray();
            const int Batch = 500;
            for (int first = 0; first < count; first += Batch)
            {
                int m = Math.Min(Batch, count - first);
                var input = new float[m * size];
                int plane = packed.InputShape[1] * packed.InputShape[2], channels = packed.InputShape[0];
                for (int t = 0; t < input.Length; t++) input[t] = packed.PixelTables[(t / plane % channels) * PackedModel.PixelTableSize + pixels[first * size + t]];
                var x = Tensor.FromArray(input, [m, .. packed.InputShape]);
                for (int i = 0; i < layers.Count; i++)
                {
                    if (i == lastDense && packed.HasIntegerOutputs)
                    {
                        var q = (last.InputQuantizer?.Forward(x) ?? x).ToArray();
                        for (int r = 0; r < m; r++)
                            for (int j = 0; j < c; j++)
                            {
                                double sum = 0;
                                for (int t = 0; t < n; t++)
                                {
                                    double a = codes ? Math.Round(q[r * n + t] * ((1 << inputBits) - 1)) : q[r * n + t];
                                    sum += a * weightCodes[j * n + t];
                                }
                                integers[(first + r) * c + j] = (long)sum;
                            }
                    }
                    x = layers[i].Forward(x);
                }
                x.ToArray().CopyTo(logits, first * c);
            }
            return (logits, integers);
        }
        finally
        {
            model.Train(wasTraining);
        }
    }
}
