using Lowbit.Inference.Format;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>Kind 2: ±1 inputs and ste_sign weights, batch norm + the next layer's ste_sign folded into an integer threshold per unit.</summary>
internal sealed class BinarySignDenseExport() : KindExport(CodeFamily.Signs, CodeFamily.Signs)
{
    public override LayerPlan Plan(ExportSite site)
    {
        DenseExport.CheckFlatten(site);
        return new(ActivationSpec.Signs(site.Linear.OutFeatures), BinarySignDenseLayer.Size(site.Linear.InFeatures, site.Linear.OutFeatures));
    }

    public override ExportedLayer Export(ExportSite site)
    {
        Plan(site);
        var (linear, bn, index) = site.Block;
        var units = DenseExport.Units(linear, bn, index);
        var signs = DenseExport.WeightSigns(site);
        var maxMismatches = new int[units.Length];
        for (int j = 0; j < units.Length; j++)
        {
            var (negate, threshold) = ThresholdFolding.FoldBinary(units[j], linear.InFeatures);
            if (negate) DenseExport.NegateRow(signs, j, linear.InFeatures);
            maxMismatches[j] = threshold;
        }
        return new ExportedLayer(new BinarySignDenseLayer(linear.InFeatures, linear.OutFeatures, signs, maxMismatches), [], []);
    }
}
