using System.Text;
using Lowbit.Inference.Format;
using Lowbit.Nn.Layers;

namespace Lowbit.Inference.Export;

/// <summary>
/// The exact byte size of the file <c>lowbit export</c> would write for a model, from its architecture alone (no
/// folding, no weights needed): the kinds the exporter would pick (<see cref="ModelExporter"/>) and each kind's size
/// (<see cref="KindExport.Plan"/>, the size formula the writer itself uses).
/// </summary>
public static class PackedSizePredictor
{
    /// <summary>Predicts the packed file size of <paramref name="model"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="inputShape">Per-example input shape [channels, height, width].</param>
    /// <param name="metadata">The metadata JSON the exporter will store.</param>
    /// <returns>The file size in bytes.</returns>
    /// <exception cref="NotSupportedException">The exporter cannot pack the model (same message as the exporter).</exception>
    public static long Predict(Sequential model, int[] inputShape, string metadata)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(metadata);
        var blocks = ModelExporter.Blocks(model);
        long size = PackedModelFile.HeaderSize + 3 * 4 + PackedModel.PixelTableSize * 4L * inputShape[0] + 4 + Encoding.UTF8.GetByteCount(metadata) + 4;
        var input = ActivationSpec.Pixels(inputShape[0], inputShape[1], inputShape[2]);
        for (int b = 0; b < blocks.Count; b++)
        {
            var site = ModelExporter.Site(blocks, b, input, [], [], []);
            var plan = ModelExporter.Kind(site).Export!.Plan(site);
            size += plan.Bytes;
            input = plan.Output;
        }
        return size + PackedModelFile.ChecksumSize;
    }
}
