using Lowbit.Inference.Format;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>Kind 6: hbb/residual weights on pixels or residual codes, batch norm + the next layer's residual activation (frozen means) folded into 2^R − 1 thresholds per unit.</summary>
internal sealed class ResidualThresholdDenseExport() : KindExport(CodeFamily.Residual, CodeFamily.Residual)
{
    public override LayerPlan Plan(ExportSite site)
    {
        ResidualPlaneExport.CheckWeights(site);
        int outputPlanes = ResidualPlaneExport.RunningActivation(site.Next!.Linear, site.Next.Index).Bits;
        var linear = site.Linear;
        return new(ActivationSpec.ResidualCodes(linear.OutFeatures, outputPlanes), ResidualThresholdDenseLayer.Size(linear.InFeatures, linear.OutFeatures,
            site.Weights.Bits, ResidualPlaneExport.InputPlanes(site), outputPlanes));
    }

    public override ExportedLayer Export(ExportSite site)
    {
        Plan(site);
        var (linear, bn, index) = site.Block;
        var next = site.Next!;
        var (weightPlanes, weightScales, weightLevels, weights) = ResidualPlaneExport.WeightPlanes(linear, index);
        var units = DenseExport.Units(linear, bn, index);
        var means = ResidualPlaneExport.RunningActivation(next.Linear, next.Index).RunningMeans!;
        int outputPlanes = means.Length, levels = (1 << outputPlanes) - 1;
        var nextLevels = ResidualPlaneExport.ActivationLevels(means);
        float limit = DenseExport.DotProductLimit(weightLevels, site.InputLevels, linear.InFeatures);
        var negated = new bool[units.Length];
        var thresholds = new float[units.Length * levels];
        for (int j = 0; j < units.Length; j++)
        {
            var (negate, t) = ThresholdFolding.FoldLevels(units[j], limit, levels, v => ResidualPlaneExport.ActivationCode(v, means));
            negated[j] = negate;
            t.CopyTo(thresholds, j * levels);
        }
        ResidualPlaneExport.VerifyThresholds(units, negated, thresholds, levels, next.Linear.InputQuantizer!, means, nextLevels, index);
        int inputPlanes = ResidualPlaneExport.InputPlanes(site);
        var layer = new ResidualThresholdDenseLayer(linear.InFeatures, linear.OutFeatures, weightPlanes, inputPlanes, weightScales, weightLevels,
            inputPlanes == 0 ? [] : site.InputScales, inputPlanes == 0 ? [] : site.InputLevels, weights, outputPlanes, negated, thresholds);
        return new ExportedLayer(layer, nextLevels, means.Select(m => (float)m).ToArray());
    }
}
