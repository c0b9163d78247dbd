using System.Text;
using Lowbit.Inference.Format;
using Lowbit.Nn.Layers;
using Lowbit.Quantization;

namespace Lowbit.Inference.Export;

/// <summary>
/// The exact byte size of the file <c>lowbit export</c> would write for a model, from its architecture alone (no
/// folding, no weights needed): the size formula of docs/FORMAT.md over the layer chain the exporter would build.
/// </summary>
public static class PackedSizePredictor
{
    /// <summary>Predicts the packed file size of <paramref name="model"/>.</summary>
    /// <param name="model">The model (a BinaryNet, DoReFa or HBB MLP).</param>
    /// <param name="inputShape">Per-example input shape [channels, height, width].</param>
    /// <param name="metadata">The metadata JSON the exporter will store (see <see cref="CheckpointExporter.Metadata"/>).</param>
    /// <returns>The file size in bytes.</returns>
    /// <exception cref="NotSupportedException">The exporter cannot pack the model (same message as the exporter).</exception>
    public static long Predict(Sequential model, int[] inputShape, string metadata)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(metadata);
        var blocks = ModelExporter.Blocks(model);
        bool planes = PlaneModelExporter.Handles(blocks[0].Linear), residual = !planes && ResidualModelExporter.Handles(blocks[0].Linear);
        long size = PackedModelFile.HeaderSize + 3 * 4 + PackedModel.PixelTableSize * 4 + 4 + Encoding.UTF8.GetByteCount(metadata) + 4;
        int inputBits = 8;
        for (int b = 0; b < blocks.Count; b++)
        {
            var (linear, batchNorm, index) = blocks[b];
            bool last = b == blocks.Count - 1;
            if (planes) PlaneModelExporter.CheckInput(linear, index, b == 0);
            else if (residual) ResidualModelExporter.CheckInput(linear, index, b == 0);
            else ModelExporter.CheckQuantizers(linear, index, b == 0);
            long n = linear.InFeatures, m = linear.OutFeatures, words = (n + 63) / 64;
            long outputUnit = (linear.Bias is null ? 0 : 4) + (batchNorm is null ? 0 : 8);
            if (residual)
            {
                // kinds 6/7: header, B scales, 2^(B+1) − 2 weight levels, R scales, 2^R input levels (R = 0 for layer 0), 2B − 1 rows per unit
                int weightPlanes = ResidualModelExporter.WeightPlaneCount(linear), inputPlanes = b == 0 ? 0 : inputBits;
                size += PackedModelFile.LayerHeaderSize + 4L * weightPlanes + 4L * ResidualDenseLayer.WeightLevelCount(weightPlanes)
                    + (inputPlanes == 0 ? 0 : 4L * inputPlanes + 4L * (1 << inputPlanes)) + 8 * m * (2 * weightPlanes - 1) * words;
                if (last)
                {
                    size += m * outputUnit;
                    break;
                }
                int outputPlanes = ResidualModelExporter.RunningActivation(blocks[b + 1].Linear, blocks[b + 1].Index).Bits;
                size += 4 + m * (1 + 4L * ((1 << outputPlanes) - 1));
                inputBits = outputPlanes;
                continue;
            }
            if (!planes)
            {
                size += PackedModelFile.LayerHeaderSize + 8 * m * words + m * (last ? outputUnit : 4);
                continue;
            }
            int weightBits = linear.WeightQuantizer?.Quantizer is DoReFaWeight w ? w.Bits : 1;
            size += PackedModelFile.LayerHeaderSize + 4L * (1 << weightBits) + 4L * (1 << inputBits) + 8 * m * weightBits * words;
            if (last)
            {
                size += m * outputUnit;
                break;
            }
            var next = blocks[b + 1].Linear;
            if (next.InputQuantizer?.Quantizer is not DoReFaActivation activation)
                throw new NotSupportedException($"Layer {blocks[b + 1].Index} ({next.Describe()}): inputs after the first layer must be quantized with dorefa_act, got {next.InputQuantizer?.Quantizer.Name ?? "no input quantizer"}.");
            int outputBits = activation.Bits;
            size += 4 + m * (1 + 4L * ((1 << outputBits) - 1));
            inputBits = outputBits;
        }
        return size + PackedModelFile.ChecksumSize;
    }
}
