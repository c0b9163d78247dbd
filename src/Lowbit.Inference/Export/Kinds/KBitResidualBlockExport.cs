using Lowbit.Inference.Format;
using Lowbit.Nn.Layers;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>
/// Kind 14: a residual block of two k-bit convolutions (dorefa_act inputs, dorefa_weight weights, zero padding, no bias)
/// on the real-valued stream: the first input quantizer folded into thresholds on the real input, batch norm 1 and the
/// second input quantizer folded into thresholds per channel (the relu or hard tanh between them is invisible after
/// dorefa_act's clip to [0, 1]), batch norm 2, the shortcut and the activation after the sum kept as the model has them.
/// </summary>
internal sealed class KBitResidualBlockExport() : KindExport(CodeFamily.Levels, CodeFamily.Real, KindOperation.Residual)
{
    public override LayerPlan Plan(ExportSite site)
    {
        var (g1, g2, k1, m1, k2, m2) = Shapes(site);
        var bn = site.Block.SecondNorm;
        return new(ActivationSpec.Reals(g2.OutChannels, g2.OutHeight, g2.OutWidth), KBitResidualBlockLayer.Size(g1, g2, k1, m1, k2, m2, bn?.Gamma is not null, bn is not null));
    }

    public override ExportedLayer Export(ExportSite site)
    {
        var (g1, g2, k1, m1, k2, m2) = Shapes(site);
        var block = site.Block;
        var conv1 = block.Conv;
        var conv2 = block.SecondConv!;
        int index = block.Index;
        var inputLevels = LevelCodeExport.ActivationLevels(k1, conv1.InputQuantizer!, index);
        var identity = new UnitAffine(false, 0, false, 0, 0);
        var (_, inputThresholds) = ThresholdFolding.FoldLevels(identity, 16f, (1 << k1) - 1, v => LevelCodeExport.ActivationCode(v, k1));
        LevelCodeExport.VerifyThresholds([identity], [false], inputThresholds, (1 << k1) - 1, conv1.InputQuantizer!, inputLevels, index);
        var (levels1, planes1) = LevelCodeExport.WeightPlanes(conv1, g1.OutChannels, g1.PatchSize, m1, index);
        var units = DenseExport.Units(conv1, g1.OutChannels, block.BatchNorm, index, includeBias: false, g1.OutHeight * g1.OutWidth);
        float limit = DenseExport.DotProductLimit(levels1, inputLevels, g1.PatchSize);
        int levels = (1 << k2) - 1;
        var negated = new bool[units.Length];
        var thresholds = new float[units.Length * levels];
        for (int c = 0; c < units.Length; c++)
        {
            var (negate, t) = ThresholdFolding.FoldLevels(units[c], limit, levels, v => LevelCodeExport.ActivationCode(v, k2));
            negated[c] = negate;
            t.CopyTo(thresholds, c * levels);
        }
        var levels2 = LevelCodeExport.ActivationLevels(k2, conv2.InputQuantizer!, index);
        LevelCodeExport.VerifyThresholds(units, negated, thresholds, levels, conv2.InputQuantizer!, levels2, index);
        var (weightLevels2, planes2) = LevelCodeExport.WeightPlanes(conv2, g2.OutChannels, g2.PatchSize, m2, index);
        var layer = new KBitResidualBlockLayer(g1, new KBitConv(m1, levels1, planes1), inputThresholds, inputLevels, negated, thresholds, levels2,
            g2, new KBitConv(m2, weightLevels2, planes2), ConvExport.BatchNorm(block.SecondNorm), Shortcut(site, g1, g2), block.Activation);
        return new ExportedLayer(layer, [], []);
    }

    /// <summary>Checks the block and returns both geometries and the code bits (k₁, m₁, k₂, m₂).</summary>
    private static (ConvGeometry G1, ConvGeometry G2, int K1, int M1, int K2, int M2) Shapes(ExportSite site)
    {
        var block = site.Block;
        var conv1 = block.Conv;
        var conv2 = block.SecondConv ?? throw new NotSupportedException($"{site.Name}: a k-bit residual block needs a body of two convolutions (DoReFa-Net's block).");
        var g1 = ConvExport.Geometry(site);
        var g2 = new ConvGeometry(g1.OutChannels, g1.OutHeight, g1.OutWidth, conv2.OutChannels, conv2.KernelSize, conv2.Stride, conv2.Padding, (float)conv2.PadValue);
        g2.Validate();
        var codes = new[] { QuantizerCode.OfInputs(conv1), QuantizerCode.OfWeights(conv1), QuantizerCode.OfInputs(conv2), QuantizerCode.OfWeights(conv2) };
        foreach (var code in codes)
            if (code.Family != CodeFamily.Levels || code.Bits is < 1 or > PlaneDenseLayer.MaxBits)
                throw new NotSupportedException($"{site.Name}: both convolutions of a k-bit residual block need dorefa_act inputs and dorefa_weight weights of 1..{PlaneDenseLayer.MaxBits} bits, got {code.Name} ({code.Bits} bits).");
        if (conv1.Bias is not null || conv2.Bias is not null) throw new NotSupportedException($"{site.Name}: biases on a k-bit residual block's convolutions cannot be packed yet.");
        if (g1.PadValue != 0 || g2.PadValue != 0) throw new NotSupportedException($"{site.Name}: k-bit convolutions must pad with 0 (pad_value).");
        Shortcut(site, g1, g2);
        return (g1, g2, codes[0].Bits, codes[1].Bits, codes[2].Bits, codes[3].Bits);
    }

    private static ResidualShortcut Shortcut(ExportSite site, ConvGeometry g1, ConvGeometry g2)
    {
        var pad = site.Block.ResidualModule!.Shortcut?.Layers[0] as ChannelPadShortcut;
        var shortcut = pad is null ? ResidualShortcut.Identity : new ResidualShortcut(1, pad.Stride, pad.Before, pad.After);
        try
        {
            shortcut.Validate(g1.InChannels, g1.InHeight, g1.InWidth, g2.OutChannels, g2.OutHeight, g2.OutWidth);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{site.Name}: {e.Message}", e);
        }
        return shortcut;
    }
}
