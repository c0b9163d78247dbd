using Lowbit.Kernels.Conv;
using Lowbit.Tensors.Autograd;
using Lowbit.Tensors.Ops;

namespace Lowbit.Tensors;

public sealed partial class Tensor
{
    /// <summary>Fewest channels summed over (C forward, O for the input gradient) for which Winograd beats the direct kernel.</summary>
    internal const int WinogradMinChannels = 32;

    /// <summary>Whether a direct-path convolution runs as Winograd F(2×2, 3×3): 3×3, stride 1, OH even, OW a multiple of 8, C ≥ 32.</summary>
    internal static bool UsesWinograd(in ConvGeometry geo, int outChannels) =>
        geo.KernelH == 3 && geo.KernelW == 3 && geo.Stride == 1 && WinogradConv.Supports(geo.OutH, geo.OutW)
        && geo.Channels >= WinogradMinChannels && outChannels >= 1;

    /// <summary>The convolution algorithms <see cref="Conv2d"/> chooses from (benchmarks and tests force one).</summary>
    internal enum ConvAlgorithm
    {
        /// <summary>The choice Conv2d makes.</summary>
        Auto,

        /// <summary>The direct kernel (float32, OW a multiple of 8).</summary>
        Direct,

        /// <summary>Winograd where <see cref="UsesWinograd"/> allows it, else direct.</summary>
        Winograd,
    }

    /// <summary>Conv2d with the algorithm forced (float32 and a shape the direct path takes).</summary>
    internal static Tensor Conv2dWith(ConvAlgorithm algorithm, Tensor x, Tensor weight, Tensor? bias, int stride, int padding, float padValue = 0)
    {
        var geo = new ConvGeometry(x._shape[0], x._shape[1], x._shape[2], x._shape[3], weight._shape[2], weight._shape[3], stride, padding);
        if (algorithm == ConvAlgorithm.Auto) return Conv2d(x, weight, bias, stride, padding, padValue);
        if (!UsesDirectConv(x.DType, geo)) throw new ArgumentException($"Conv2dWith: the direct path does not take geometry {geo}.");
        return Conv2dDirect(x, weight, bias, geo, padValue, algorithm == ConvAlgorithm.Winograd);
    }

    /// <summary>
    /// Winograd F(2×2, 3×3) convolution (<see cref="WinogradConv"/>): the input padded once into stride-2 phase planes
    /// (kept for the weight gradient), tile blocks split across threads. Backward: the weight gradient in the transformed
    /// domain (chunks across threads, added in a fixed order), the input gradient as a Winograd forward of the padded
    /// output gradient with transposed, flipped filters when the input's shape allows, else the direct kernel.
    /// </summary>
    private static Tensor Conv2dWinograd(Tensor x, Tensor weight, Tensor? bias, ConvGeometry geo, float padValue)
    {
        int outC = weight._shape[0];
        var shape = new WinogradShape(geo.Batch, geo.Channels, outC, geo.OutH, geo.OutW);
        var xphase = Uninitialized(DType.Float32, [geo.Batch, shape.ImageLength]);
        var u = Uninitialized(DType.Float32, [WinogradConv.FilterLength(outC, geo.Channels)]);
        TransformFilters(weight, outC, geo.Channels, false, u);
        var y = Uninitialized(DType.Float32, [geo.Batch, outC, geo.OutH, geo.OutW]);
        WinogradForward(x, geo.Height, geo.Width, geo.Padding, padValue, xphase, u, shape, y, bias);
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return GradGraph.Record(y, "Conv2d", inputs, g =>
        {
            var gw = weight.TracksGrad ? WinogradWeightGradient(xphase, g, shape, weight) : null;
            var gx = x.TracksGrad ? WinogradInputGradient(g, x, weight, geo) : null;
            return bias is null ? [gx, gw] : [gx, gw, bias.TracksGrad ? ChannelSums(g) : null];
        });
    }

    /// <summary>Winograd filter transform with the panels split across threads (each panel is written by one thread only).</summary>
    private static void TransformFilters(Tensor weight, int outC, int inC, bool transposeFlip, Tensor u)
    {
        int panels = WinogradConv.RoundRows(transposeFlip ? inC : outC) / WinogradConv.PanelRows;
        int grain = Math.Max(1, 8192 / (WinogradConv.PanelRows * (transposeFlip ? outC : inC) * 9));
        Compute.For(panels, grain, 1, (p0, p1) => WinogradConv.TransformFilters(weight.AsSpan(), outC, inC, transposeFlip, u.AsSpan(), p0, p1));
    }

    /// <summary>Runs body(part, scratch) for <paramref name="parts"/> parts, one per thread, each with its own scratch row.</summary>
    private static void ForParts(int parts, int scratchLength, Action<int, Tensor> body)
    {
        var scratch = Uninitialized(DType.Float32, [parts * scratchLength]);
        Compute.For(parts, 1, 1, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++) body(p, scratch);
        });
    }

    /// <summary>
    /// Pads <paramref name="source"/> [N, C, H, W] and convolves it: images split across threads, each thread padding a run
    /// of images (whole product tiles of 48, about 128 KiB or more) and convolving it while it is in cache. With
    /// <paramref name="xphase"/> the padded batch is kept there (the weight gradient reads it); without, each thread pads
    /// its runs into one run-sized buffer of its own that stays in cache (the input gradient's padded output gradient
    /// is read once, and a batch-sized copy only sent every line to memory and back). The values do not depend on the
    /// runs, the split or the buffer (<see cref="WinogradConv.ForwardImages"/>).
    /// </summary>
    private static void WinogradForward(Tensor source, int height, int width, int padding, float padValue, Tensor? xphase, Tensor u, WinogradShape shape,
        Tensor y, Tensor? bias)
    {
        var plan = WinogradConv.ForwardPlan(shape);
        int parts = Math.Max(1, Math.Min(Compute.Threads, shape.Batch)), length = WinogradConv.ScratchLength(shape, plan);
        int whole = 48 / (int)System.Numerics.BigInteger.GreatestCommonDivisor(shape.TilesPerImage, 48);
        int run = Math.Max(whole, (int)Math.Max(1, 128 * 1024 / (4L * shape.ImageLength)) / whole * whole);
        int padLength = xphase is null ? Math.Min(run, shape.Batch) * shape.ImageLength : 0;
        int inputLength = height * width * shape.InChannels, outputLength = shape.OutChannels * shape.OutH * shape.OutW;
        var layout = shape.PaddedLayout;
        ForParts(parts, length + padLength, (p, scratch) =>
        {
            int n0 = p * shape.Batch / parts, n1 = (p + 1) * shape.Batch / parts;
            var part = scratch.AsSpan().Slice(p * (length + padLength), length + padLength);
            for (int i0 = n0; i0 < n1; i0 += run)
            {
                int i1 = Math.Min(n1, i0 + run);
                if (xphase is not null)
                {
                    DirectConv.Pad(source.AsSpan(), xphase.AsSpan(), layout, height, width, padding, padValue, i0, i1);
                    WinogradConv.ForwardImages(xphase.AsSpan(), u.AsSpan(), shape, plan, y.AsSpan(), i0, i1, part[..length],
                        bias is null ? default : bias.AsSpan());
                    continue;
                }
                // The run as a batch of its own in the thread's buffer: image i0 + i is image i there and in the slices.
                var runShape = shape with { Batch = i1 - i0 };
                var padded = part.Slice(length, padLength);
                DirectConv.Pad(source.AsSpan().Slice(i0 * inputLength), padded, layout with { Batch = i1 - i0 }, height, width, padding, padValue,
                    0, i1 - i0);
                WinogradConv.ForwardImages(padded, u.AsSpan(), runShape, plan, y.AsSpan().Slice(i0 * outputLength), 0, i1 - i0, part[..length],
                    bias is null ? default : bias.AsSpan());
            }
        });
    }

    private static Tensor WinogradWeightGradient(Tensor xphase, Tensor g, WinogradShape shape, Tensor weight)
    {
        var plan = WinogradConv.WeightGradientPlan(shape);
        int parts = Math.Max(1, Math.Min(Compute.Threads, plan.Chunks)), length = WinogradConv.WeightGradientScratchLength(shape, plan);
        var partials = Uninitialized(DType.Float32, [WinogradConv.PartialsLength(shape, plan)]);
        ForParts(parts, length, (p, scratch) => WinogradConv.WeightGradientChunks(xphase.AsSpan(), g.AsSpan(), shape, plan, partials.AsSpan(),
            p * plan.Chunks / parts, (p + 1) * plan.Chunks / parts, scratch.AsSpan().Slice(p * length, length)));
        var dw = Uninitialized(DType.Float32, weight.Shape.ToArray());
        int outC = shape.OutChannels;
        Compute.For(outC, Math.Max(1, 4096 / (shape.InChannels * 16 * plan.Chunks)), 1,
            (o0, o1) => WinogradConv.ReduceWeightGradient(partials.AsSpan(), shape, plan, dw.AsSpan(), o0, o1));
        return dw;
    }

    /// <summary>dx = Winograd forward of pad(g, 2 − padding) with transposed, flipped filters, when dx's shape allows; else direct.</summary>
    private static Tensor WinogradInputGradient(Tensor g, Tensor x, Tensor weight, ConvGeometry geo)
    {
        int outC = weight._shape[0], transposedPadding = 2 - geo.Padding;
        if (transposedPadding < 0 || !WinogradConv.Supports(geo.Height, geo.Width) || outC < WinogradMinChannels)
            return DirectInputGradient(g, x, weight, geo);
        var shape = new WinogradShape(geo.Batch, outC, geo.Channels, geo.Height, geo.Width);
        var u = Uninitialized(DType.Float32, [WinogradConv.FilterLength(geo.Channels, outC)]);
        TransformFilters(weight, outC, geo.Channels, true, u);
        var dx = Uninitialized(DType.Float32, x.Shape.ToArray());
        WinogradForward(g, geo.OutH, geo.OutW, transposedPadding, 0f, null, u, shape, dx, null);
        return dx;
    }
}
