using Lowbit.Inference.Format;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>Kind 5: dorefa_weight codes on pixels or dorefa_act codes, the last layer's bias and batch norm kept in float32.</summary>
internal sealed class PlaneOutputDenseExport() : KindExport(CodeFamily.Levels, CodeFamily.Logits)
{
    public override LayerPlan Plan(ExportSite site)
    {
        LevelCodeExport.CheckWeights(site);
        var linear = site.Linear;
        return new(ActivationSpec.Logits(linear.OutFeatures), PlaneOutputDenseLayer.Size(linear.InFeatures, linear.OutFeatures, site.Weights.Bits,
            site.Input.Bits, linear.Bias is not null, site.Block.BatchNorm is not null));
    }

    public override ExportedLayer Export(ExportSite site)
    {
        Plan(site);
        var linear = site.Linear;
        var (weightLevels, planes) = LevelCodeExport.WeightPlanes(linear, site.Weights.Bits, site.Block.Index);
        var (bias, scale, shift) = DenseExport.LogitsHead(site.Block);
        var layer = new PlaneOutputDenseLayer(linear.InFeatures, linear.OutFeatures, site.Weights.Bits, site.Input.Bits, weightLevels, (float[])site.InputLevels.Clone(),
            planes, bias, scale, shift);
        return new ExportedLayer(layer, [], []);
    }
}
