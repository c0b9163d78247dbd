using Lowbit.Inference.Format;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>Kind 3: ±1 inputs and ste_sign weights, the last layer's bias and batch norm kept in float32.</summary>
internal sealed class BinaryOutputDenseExport() : KindExport(CodeFamily.Signs, CodeFamily.Logits)
{
    public override LayerPlan Plan(ExportSite site)
    {
        DenseExport.CheckFlatten(site);
        var linear = site.Linear;
        return new(ActivationSpec.Logits(linear.OutFeatures),
            BinaryOutputDenseLayer.Size(linear.InFeatures, linear.OutFeatures, linear.Bias is not null, site.Block.BatchNorm is not null));
    }

    public override ExportedLayer Export(ExportSite site)
    {
        Plan(site);
        var linear = site.Linear;
        var (bias, scale, shift) = DenseExport.LogitsHead(site.Block);
        var signs = DenseExport.WeightSigns(site);
        return new ExportedLayer(new BinaryOutputDenseLayer(linear.InFeatures, linear.OutFeatures, signs, bias, scale, shift), [], []);
    }
}
