using Lowbit.Inference.Format;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>Kind 13: the last dense layer (float weights) on the real-valued map, after an optional global average pool and batch norm.</summary>
internal sealed class RealHeadExport() : KindExport(CodeFamily.Real, CodeFamily.Logits)
{
    public override LayerPlan Plan(ExportSite site)
    {
        var block = site.Block;
        var linear = block.Linear;
        var input = site.Input;
        if (linear.InputQuantizer is not null)
            throw new NotSupportedException($"{site.Name}: a dense layer on real values must not quantize its inputs here, got {linear.InputQuantizer.Quantizer.Name}.");
        if (block.BatchNorm is not null || block.Activation != RealActivation.None)
            throw new NotSupportedException($"{site.Name}: a batch norm or activation after the last real-valued dense layer cannot be packed yet.");
        int features = block.GlobalPool ? input.Channels : input.Count;
        if (linear.InFeatures != features) throw new ArgumentException($"{site.Name} has {linear.InFeatures} inputs but receives {features}.");
        var bn = block.NormBefore;
        return new(ActivationSpec.Logits(linear.OutFeatures), RealHeadLayer.Size(features, linear.OutFeatures, bn?.Gamma is not null, bn is not null, linear.Bias is not null));
    }

    public override ExportedLayer Export(ExportSite site)
    {
        Plan(site);
        var block = site.Block;
        var linear = block.Linear;
        var input = site.Input;
        var layer = new RealHeadLayer(input.Channels, input.Height, input.Width, block.GlobalPool, ConvExport.BatchNorm(block.NormBefore),
            linear.OutFeatures, linear.EffectiveWeight().ToArray(), linear.Bias?.Value.ToArray());
        return new ExportedLayer(layer, [], []);
    }
}
