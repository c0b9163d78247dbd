using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;
using Lowbit.Nn.Layers;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>
/// Kind 15: a residual block of one binary shift layer (<see cref="ShiftConv2d"/> or a rounded
/// <see cref="ShiftAttentionConv2d"/>, ste_sign inputs and weights, ±1 padding) and its batch norm, with an identity or
/// channel-padding shortcut and an activation after the sum. The layer is packed as it is deployed
/// (<see cref="ShiftLayerBase.Deployed"/>): its cells and its ±1 weights at them, pruned connections as such.
/// </summary>
internal sealed class BinaryResidualShiftConvExport() : KindExport(CodeFamily.Signs, CodeFamily.Real, KindOperation.ShiftResidual)
{
    public override LayerPlan Plan(ExportSite site)
    {
        var shift = site.Block.Shift;
        var g = Geometry(site);
        if (QuantizerCode.OfInputs(shift).Family != CodeFamily.Signs)
            throw new NotSupportedException($"{site.Name}: a binary shift layer needs ste_sign inputs, got {QuantizerCode.OfInputs(shift).Name}.");
        if (shift.Bias is not null) throw new NotSupportedException($"{site.Name}: a bias on a binary shift layer cannot be packed yet.");
        if (g.Padding > 0 && g.PadValue is not (1f or -1f))
            throw new NotSupportedException($"{site.Name}: a binary shift layer must pad its ±1 input with +1 or −1 (pad_value), not {g.PadValue}; bitwise kernels have no 0.");
        BinaryResidualConvExport.Shortcut(site, g);
        var bn = site.Block.BatchNorm;
        return new(ActivationSpec.Reals(g.OutChannels, g.OutHeight, g.OutWidth),
            BinaryResidualShiftConvLayer.Size(g, PerConnection(shift), bn?.Gamma is not null, bn is not null));
    }

    public override ExportedLayer Export(ExportSite site)
    {
        Plan(site);
        var block = site.Block;
        var g = Geometry(site);
        if (g.Padding == 0) g = g with { PadValue = 1f };
        var form = block.Shift.Deployed();
        bool perConnection = PerConnection(block.Shift);
        if (perConnection == form.Shared) throw new InvalidOperationException($"{site.Name}: the deployed form's sharing disagrees with the layer.");
        int c = g.InChannels, o = g.OutChannels, words = BitLayout.WordsPerRow(c);
        var weights = form.Weights.ToArray(); // [O, C]: ±1, 0 where pruned
        var rows = new ulong[o * words];
        for (int oc = 0; oc < o; oc++)
            for (int ch = 0; ch < c; ch++)
            {
                int i = oc * c + ch;
                float expected = form.Positions[i] < 0 ? 0f : weights[i];
                if (weights[i] != expected || (form.Positions[i] >= 0 && expected is not (1f or -1f)))
                    throw new ArgumentException($"{site.Name}: deployed weight ({oc}, {ch}) is {weights[i]}; a binary shift layer has ±1 weights and 0 on pruned connections.");
                if (weights[i] > 0) rows[oc * words + (ch >> 6)] |= 1UL << (ch & 63);
            }
        var shifts = perConnection ? form.Positions : form.Positions[..c];
        if (!perConnection)
            for (int i = 0; i < form.Positions.Length; i++)
                if (form.Positions[i] != shifts[i % c]) throw new InvalidOperationException($"{site.Name}: a shared shift layer's connection {i} has its own cell.");
        var layer = new BinaryResidualShiftConvLayer(g, perConnection, shifts, rows, ConvExport.BatchNorm(block.BatchNorm),
            BinaryResidualConvExport.Shortcut(site, g), block.Activation);
        return new ExportedLayer(layer, [], []);
    }

    /// <summary>One shift per connection: an unshared Shift Attention Layer; fixed shifts and shared ones have one per input channel.</summary>
    private static bool PerConnection(ShiftLayerBase shift) => shift is ShiftAttentionConv2d { Shared: false };

    private static ConvGeometry Geometry(ExportSite site)
    {
        var shift = site.Block.Shift;
        var input = site.Input;
        var geometry = new ConvGeometry(input.Channels, input.Height, input.Width, shift.OutChannels, shift.KernelSize, shift.Stride, shift.Padding, (float)shift.PadValue);
        return site.Packable(geometry);
    }
}
