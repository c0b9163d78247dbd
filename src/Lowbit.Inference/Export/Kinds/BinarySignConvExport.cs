using Lowbit.Inference.Format;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>
/// Kind 9: a binary convolution (ste_sign inputs and weights, ±1 padding); its bias, batch norm and the next layer's
/// ste_sign folded into an integer threshold per output channel (<see cref="ThresholdFolding.FoldBinary"/>), rows of
/// decreasing channels stored negated; the weights reordered from [C, k, k] to the (ky, kx, c) order of bit im2col.
/// </summary>
internal sealed class BinarySignConvExport() : KindExport(CodeFamily.Signs, CodeFamily.Signs, KindOperation.Conv)
{
    public override LayerPlan Plan(ExportSite site)
    {
        var geometry = ConvExport.Geometry(site);
        if (geometry.Padding > 0 && geometry.PadValue is not (1f or -1f))
            throw new NotSupportedException($"{site.Name}: a binary convolution must pad its ±1 input with +1 or −1 (pad_value), not {geometry.PadValue}; bitwise kernels have no 0.");
        return ConvExport.PlanWithPool(site.Block, Normalized(geometry), BinarySignConvLayer.Size(geometry));
    }

    public override ExportedLayer Export(ExportSite site)
    {
        Plan(site);
        var block = site.Block;
        var conv = block.Conv;
        var geometry = Normalized(ConvExport.Geometry(site));
        int o = geometry.OutChannels, n = geometry.PatchSize;
        var packed = ConvExport.SignRows(site, geometry);
        var units = DenseExport.Units(conv, o, block.BatchNorm, block.Index, includeBias: true, ConvExport.NormPlane(block, geometry));
        var maxMismatches = new int[o];
        var negated = new bool[o];
        for (int oc = 0; oc < o; oc++)
        {
            (negated[oc], maxMismatches[oc]) = ThresholdFolding.FoldBinary(units[oc], n);
            if (negated[oc]) DenseExport.NegateRow(packed, oc, n);
        }
        var layer = new BinarySignConvLayer(geometry, packed, maxMismatches);
        return ConvExport.WithPool(layer, ConvExport.Pool(block, geometry, negated));
    }

    /// <summary>Without padding the padding value never shows; store +1.</summary>
    private static ConvGeometry Normalized(ConvGeometry g) => g.Padding == 0 ? g with { PadValue = 1f } : g;
}
