using Lowbit.Inference.Format;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>Kind 11: a convolution (float or ste_sign weights) on the 8-bit pixels whose batch norm and activation stay real (the next block takes real values).</summary>
internal sealed class ByteRealConvExport() : KindExport(CodeFamily.Real, CodeFamily.Real, KindOperation.Conv, CodeFamily.Signs)
{
    public override LayerPlan Plan(ExportSite site)
    {
        var block = site.Block;
        var g = ConvExport.Geometry(site);
        if (block.PoolBeforeNorm is not null || block.PoolAfterNorm is not null)
            throw new NotSupportedException($"{site.Name}: max-pooling after a real-valued convolution cannot be packed yet.");
        var bn = block.BatchNorm;
        return new(ActivationSpec.Reals(g.OutChannels, g.OutHeight, g.OutWidth),
            ByteRealConvLayer.Size(g, site.Weights.Family == CodeFamily.Signs, block.Conv.Bias is not null, bn?.Gamma is not null, bn is not null));
    }

    public override ExportedLayer Export(ExportSite site)
    {
        Plan(site);
        var conv = site.Block.Conv;
        var layer = new ByteRealConvLayer(ConvExport.Geometry(site), conv.EffectiveWeight().ToArray(), conv.Bias?.Value.ToArray(),
            ConvExport.BatchNorm(site.Block.BatchNorm), site.Block.Activation);
        return new ExportedLayer(layer, [], []);
    }
}
