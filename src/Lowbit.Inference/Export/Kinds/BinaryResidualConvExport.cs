using Lowbit.Inference.Format;
using Lowbit.Nn.Layers;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>
/// Kind 12: a residual block of one binary convolution (ste_sign inputs and weights, ±1 padding) and its batch norm,
/// with an identity or channel-padding shortcut and an activation after the sum (Bi-Real Net's real-valued shortcut).
/// </summary>
internal sealed class BinaryResidualConvExport() : KindExport(CodeFamily.Signs, CodeFamily.Real, KindOperation.Residual)
{
    public override LayerPlan Plan(ExportSite site)
    {
        var block = site.Block;
        var conv = block.Conv;
        var g = ConvExport.Geometry(site);
        if (block.SecondConv is not null)
            throw new NotSupportedException($"{site.Name}: a residual body of two binary convolutions cannot be packed yet (one per block, Bi-Real Net's structure).");
        if (QuantizerCode.OfInputs(conv).Family != CodeFamily.Signs)
            throw new NotSupportedException($"{site.Name}: a binary residual convolution needs ste_sign inputs, got {QuantizerCode.OfInputs(conv).Name}.");
        if (conv.Bias is not null) throw new NotSupportedException($"{site.Name}: a bias on a binary residual convolution cannot be packed yet.");
        if (g.Padding > 0 && g.PadValue is not (1f or -1f))
            throw new NotSupportedException($"{site.Name}: a binary convolution must pad its ±1 input with +1 or −1 (pad_value), not {g.PadValue}; bitwise kernels have no 0.");
        Shortcut(site, g);
        var bn = block.BatchNorm;
        return new(ActivationSpec.Reals(g.OutChannels, g.OutHeight, g.OutWidth), BinaryResidualConvLayer.Size(g, bn?.Gamma is not null, bn is not null));
    }

    public override ExportedLayer Export(ExportSite site)
    {
        Plan(site);
        var block = site.Block;
        var g = ConvExport.Geometry(site);
        if (g.Padding == 0) g = g with { PadValue = 1f };
        var layer = new BinaryResidualConvLayer(g, ConvExport.SignRows(site, g), ConvExport.BatchNorm(block.BatchNorm), Shortcut(site, g), block.Activation);
        return new ExportedLayer(layer, [], []);
    }

    internal static ResidualShortcut Shortcut(ExportSite site, ConvGeometry g)
    {
        var pad = site.Block.ResidualModule!.Shortcut?.Layers[0] as ChannelPadShortcut;
        var shortcut = pad is null ? ResidualShortcut.Identity : new ResidualShortcut(1, pad.Stride, pad.Before, pad.After);
        try
        {
            shortcut.Validate(g.InChannels, g.InHeight, g.InWidth, g.OutChannels, g.OutHeight, g.OutWidth);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{site.Name}: {e.Message}", e);
        }
        return shortcut;
    }
}
