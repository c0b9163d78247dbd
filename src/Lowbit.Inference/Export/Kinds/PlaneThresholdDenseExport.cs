using Lowbit.Inference.Format;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>Kind 4: dorefa_weight codes on pixels or dorefa_act codes, batch norm + the next layer's dorefa_act folded into 2^k − 1 thresholds per unit.</summary>
internal sealed class PlaneThresholdDenseExport() : KindExport(CodeFamily.Levels, CodeFamily.Levels)
{
    public override LayerPlan Plan(ExportSite site)
    {
        LevelCodeExport.CheckWeights(site);
        var linear = site.Linear;
        int outputBits = site.Head.Bits;
        if (outputBits is < 1 or > PlaneDenseLayer.MaxBits)
            throw new NotSupportedException($"{site.NextName}: dorefa_act with {outputBits} bits; the format supports 1..{PlaneDenseLayer.MaxBits}.");
        return new(ActivationSpec.LevelCodes(linear.OutFeatures, outputBits),
            PlaneThresholdDenseLayer.Size(linear.InFeatures, linear.OutFeatures, site.Weights.Bits, site.Input.Bits, outputBits));
    }

    public override ExportedLayer Export(ExportSite site)
    {
        Plan(site);
        var (linear, bn, index) = site.Block;
        var next = site.Next!;
        int weightBits = site.Weights.Bits, inputBits = site.Input.Bits, outputBits = site.Head.Bits, levels = (1 << outputBits) - 1;
        var (weightLevels, planes) = LevelCodeExport.WeightPlanes(linear, weightBits, index);
        var units = DenseExport.Units(linear, bn, index);
        float limit = DenseExport.DotProductLimit(weightLevels, site.InputLevels, linear.InFeatures);
        var nextLevels = LevelCodeExport.ActivationLevels(outputBits, next.Linear.InputQuantizer!, next.Index);
        var negated = new bool[units.Length];
        var thresholds = new float[units.Length * levels];
        for (int j = 0; j < units.Length; j++)
        {
            var (negate, t) = ThresholdFolding.FoldLevels(units[j], limit, levels, v => LevelCodeExport.ActivationCode(v, outputBits));
            negated[j] = negate;
            t.CopyTo(thresholds, j * levels);
        }
        LevelCodeExport.VerifyThresholds(units, negated, thresholds, levels, next.Linear.InputQuantizer!, nextLevels, index);
        var layer = new PlaneThresholdDenseLayer(linear.InFeatures, linear.OutFeatures, weightBits, inputBits, weightLevels, (float[])site.InputLevels.Clone(),
            planes, outputBits, negated, thresholds);
        return new ExportedLayer(layer, nextLevels, []);
    }
}
