using Lowbit.Inference.Format;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>
/// Kind 8: a convolution (ste_sign or float weights) on the 8-bit pixels; batch norm and the next layer's ste_sign
/// folded into a float threshold per output channel by bisection over the float32 outputs (<see cref="ThresholdFolding.FoldReal"/>);
/// the bias stays in the convolution, as the model's kernel adds it.
/// </summary>
internal sealed class ByteSignConvExport() : KindExport(CodeFamily.Signs, CodeFamily.Signs, KindOperation.Conv, CodeFamily.Real)
{
    public override LayerPlan Plan(ExportSite site)
    {
        var geometry = ConvExport.Geometry(site);
        bool signs = site.Weights.Family == CodeFamily.Signs;
        return ConvExport.PlanWithPool(site.Block, geometry, ByteSignConvLayer.Size(geometry, signs, site.Block.Conv.Bias is not null));
    }

    public override ExportedLayer Export(ExportSite site)
    {
        Plan(site);
        var block = site.Block;
        var conv = block.Conv;
        var geometry = ConvExport.Geometry(site);
        var weights = conv.EffectiveWeight().ToArray(); // [O, C, k, k]
        float[]? bias = conv.Bias?.Value.ToArray();
        var units = DenseExport.Units(conv, conv.OutChannels, block.BatchNorm, block.Index, includeBias: false, ConvExport.NormPlane(block, geometry));
        float limit = DenseExport.DotProductLimit(weights, site.PixelTable, geometry.PatchSize) + (bias is null ? 0 : bias.Max(Math.Abs));
        var negated = new bool[units.Length];
        var thresholds = new float[units.Length];
        for (int o = 0; o < units.Length; o++) (negated[o], thresholds[o]) = ThresholdFolding.FoldReal(units[o], limit);
        var layer = new ByteSignConvLayer(geometry, weights, bias, negated, thresholds);
        return ConvExport.WithPool(layer, ConvExport.Pool(block, geometry, negated));
    }
}
