using Lowbit.Inference.Format;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>Kind 7: hbb/residual weights on pixels or residual codes, the last layer's bias and batch norm kept in float32.</summary>
internal sealed class ResidualOutputDenseExport() : KindExport(CodeFamily.Residual, CodeFamily.Logits)
{
    public override LayerPlan Plan(ExportSite site)
    {
        ResidualPlaneExport.CheckWeights(site);
        var linear = site.Linear;
        return new(ActivationSpec.Logits(linear.OutFeatures), ResidualOutputDenseLayer.Size(linear.InFeatures, linear.OutFeatures, site.Weights.Bits,
            ResidualPlaneExport.InputPlanes(site), linear.Bias is not null, site.Block.BatchNorm is not null));
    }

    public override ExportedLayer Export(ExportSite site)
    {
        Plan(site);
        var linear = site.Linear;
        var (weightPlanes, weightScales, weightLevels, weights) = ResidualPlaneExport.WeightPlanes(linear, site.Block.Index);
        var (bias, scale, shift) = DenseExport.LogitsHead(site.Block);
        int inputPlanes = ResidualPlaneExport.InputPlanes(site);
        var layer = new ResidualOutputDenseLayer(linear.InFeatures, linear.OutFeatures, weightPlanes, inputPlanes, weightScales, weightLevels,
            inputPlanes == 0 ? [] : site.InputScales, inputPlanes == 0 ? [] : site.InputLevels, weights, bias, scale, shift);
        return new ExportedLayer(layer, [], []);
    }
}
