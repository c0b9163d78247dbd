using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Export.Kinds;

/// <summary>What the convolution kinds' exporters share: geometry, per-channel folding inputs and the pooling that follows.</summary>
internal static class ConvExport
{
    /// <summary>The packed geometry of the block's convolution on what arrives.</summary>
    public static ConvGeometry Geometry(ExportSite site)
    {
        var conv = site.Block.Conv;
        var input = site.Input;
        var geometry = new ConvGeometry(input.Channels, input.Height, input.Width, conv.OutChannels, conv.KernelSize, conv.Stride, conv.Padding, (float)conv.PadValue);
        return site.Packable(geometry);
    }

    /// <summary>
    /// The max-pool of the block on the convolution's ±1 output, if any: OR per window, AND for the channels whose
    /// batch norm decreases when the pool comes before it (<see cref="SignMaxPoolLayer"/>). Null without a pool.
    /// </summary>
    public static SignMaxPoolLayer? Pool(ExportBlock block, ConvGeometry geometry, bool[]? negated)
    {
        var pool = block.PoolBeforeNorm ?? block.PoolAfterNorm;
        if (pool is null) return null;
        var mask = new ulong[BitLayout.WordsPerRow(geometry.OutChannels)];
        if (block.PoolBeforeNorm is not null && negated is not null)
            for (int o = 0; o < negated.Length; o++) if (negated[o]) mask[o >> 6] |= 1UL << (o & 63);
        return new SignMaxPoolLayer(geometry.OutChannels, geometry.OutHeight, geometry.OutWidth, pool.KernelSize, pool.Stride, mask);
    }

    /// <summary>Values per channel and image at the block's batch norm: the pooled map when it pools before normalising.</summary>
    public static int NormPlane(ExportBlock block, ConvGeometry geometry)
    {
        var pool = block.PoolBeforeNorm;
        if (pool is null) return geometry.OutHeight * geometry.OutWidth;
        var pooled = new SignMaxPoolLayer(geometry.OutChannels, geometry.OutHeight, geometry.OutWidth, pool.KernelSize, pool.Stride,
            new ulong[BitLayout.WordsPerRow(geometry.OutChannels)]);
        return pooled.OutHeight * pooled.OutWidth;
    }

    /// <summary>The plan of a convolution kind of <paramref name="convBytes"/> bytes and its pooling: the pooled output and the total bytes.</summary>
    public static LayerPlan PlanWithPool(ExportBlock block, ConvGeometry geometry, long convBytes)
    {
        var output = ActivationSpec.Signs(geometry.OutChannels, geometry.OutHeight, geometry.OutWidth);
        var pool = block.PoolBeforeNorm ?? block.PoolAfterNorm;
        if (pool is null) return new LayerPlan(output, convBytes);
        var layer = new SignMaxPoolLayer(geometry.OutChannels, geometry.OutHeight, geometry.OutWidth, pool.KernelSize, pool.Stride,
            new ulong[BitLayout.WordsPerRow(geometry.OutChannels)]);
        return new LayerPlan(layer.Output, convBytes + layer.ByteSize);
    }

    /// <summary>The packed layers of a convolution and its optional pooling.</summary>
    public static ExportedLayer WithPool(PackedLayer conv, SignMaxPoolLayer? pool) =>
        pool is null ? new ExportedLayer(conv, [], []) : new ExportedLayer([conv, pool], [], []);

    /// <summary>The model's batch norm as stored parameters (γ, β, running statistics, ε), or null.</summary>
    public static BatchNormParams? BatchNorm(Nn.Layers.BatchNorm? bn) => bn is null ? null
        : new BatchNormParams(bn.Gamma?.Value.ToArray(), bn.Beta?.Value.ToArray(), bn.RunningMean.ToArray(), bn.RunningVar.ToArray(), bn.Epsilon);

    /// <summary>The convolution's ±1 weights reordered from [C, k, k] to the (ky, kx, c) order of bit im2col and packed.</summary>
    public static ulong[] SignRows(ExportSite site, ConvGeometry g)
    {
        int o = g.OutChannels, c = g.InChannels, k = g.Kernel, n = g.PatchSize;
        var w = site.Block.Conv.EffectiveWeight().ToArray(); // [O, C, k, k]
        var ohwi = new float[w.Length];
        for (int oc = 0; oc < o; oc++)
            for (int ch = 0; ch < c; ch++)
                for (int tap = 0; tap < k * k; tap++)
                    ohwi[oc * n + tap * c + ch] = w[(oc * c + ch) * k * k + tap];
        for (int i = 0; i < ohwi.Length; i++)
            if (ohwi[i] is not (1f or -1f)) throw new ArgumentException($"{site.Name}: quantized weight {i} is {ohwi[i]}, not ±1.");
        var packed = new ulong[o * BitLayout.WordsPerRow(n)];
        BitPacking.PackSigns(ohwi, o, n, packed);
        return packed;
    }
}
