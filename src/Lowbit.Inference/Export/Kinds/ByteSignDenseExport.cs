using Lowbit.Inference.Format;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>Kind 1: ste_sign weights on the 8-bit pixels, batch norm + the next layer's ste_sign folded into a float threshold per unit.</summary>
internal sealed class ByteSignDenseExport() : KindExport(CodeFamily.Signs, CodeFamily.Signs)
{
    public override LayerPlan Plan(ExportSite site) =>
        new(ActivationSpec.Signs(site.Linear.OutFeatures), ByteSignDenseLayer.Size(site.Linear.InFeatures, site.Linear.OutFeatures));

    public override ExportedLayer Export(ExportSite site)
    {
        var (linear, bn, index) = site.Block;
        var units = DenseExport.Units(linear, bn, index);
        var signs = DenseExport.WeightSigns(linear, index);
        float limit = DotProductLimit(site.PixelTable, linear.InFeatures);
        var thresholds = new float[units.Length];
        for (int j = 0; j < units.Length; j++)
        {
            var (negate, threshold) = ThresholdFolding.FoldReal(units[j], limit);
            if (negate) DenseExport.NegateRow(signs, j, linear.InFeatures);
            thresholds[j] = threshold;
        }
        return new ExportedLayer(new ByteSignDenseLayer(linear.InFeatures, linear.OutFeatures, signs, thresholds), [], []);
    }

    /// <summary>A bound on |y| for every float32 first-layer dot product: Σ|x_t|·(1 + γ) + 1 ≤ limit.</summary>
    internal static float DotProductLimit(ReadOnlySpan<float> pixelTable, int inputSize)
    {
        double maxAbs = 0;
        foreach (float v in pixelTable) maxAbs = Math.Max(maxAbs, Math.Abs((double)v));
        double limit = inputSize * maxAbs * (1 + 2 * FirstLayerBound.Gamma(inputSize)) + 1;
        return (float)(limit * (1 + 1e-6));
    }
}
