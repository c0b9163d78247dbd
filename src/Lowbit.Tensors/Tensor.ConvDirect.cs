using Lowbit.Kernels.Conv;
using Lowbit.Tensors.Autograd;
using Lowbit.Tensors.Ops;

namespace Lowbit.Tensors;

public sealed partial class Tensor
{
    /// <summary>Whether <see cref="Conv2d"/> takes the direct (no im2col) path: float32, square kernel, OW a multiple of 8.</summary>
    internal static bool UsesDirectConv(DType type, in ConvGeometry geo) =>
        type == DType.Float32 && geo.KernelH == geo.KernelW && DirectConv.Supports(geo.Stride, geo.OutW);

    /// <summary>
    /// Convolution from a padded copy of x in phase layout (kept for the weight gradient, about 1 + 4·padding/H times the
    /// size of x instead of kh·kw times for im2col columns). Forward and input gradient split images across threads, the
    /// weight gradient splits output-channel panels; no split changes any value (see <see cref="DirectConv"/>). The input
    /// gradient is direct at stride 1 and im2col-based otherwise.
    /// </summary>
    private static Tensor Conv2dDirect(Tensor x, Tensor weight, Tensor? bias, ConvGeometry geo, float padValue, bool allowWinograd = true)
    {
        if (allowWinograd && UsesWinograd(geo, weight._shape[0])) return Conv2dWinograd(x, weight, bias, geo, padValue);
        int outC = weight._shape[0], k = geo.KernelH, hp = geo.Height + 2 * geo.Padding, wp = geo.Width + 2 * geo.Padding;
        var shape = new DirectConvShape(geo.Batch, geo.Channels, hp, wp, outC, k, k, geo.Stride);
        bool copies = geo.Padding != 0 || geo.Stride != 1;
        var xpad = copies ? Uninitialized(DType.Float32, [geo.Batch, shape.ImageLength]) : x;
        var packed = Uninitialized(DType.Float32, [DirectConv.PackedLength(outC, shape.K)]);
        DirectConv.PackFilters(weight.AsSpan(), outC, geo.Channels, k, k, false, packed.AsSpan());
        var offsets = DirectConv.Offsets(shape);
        var y = Uninitialized(DType.Float32, [geo.Batch, outC, geo.OutH, geo.OutW]);
        Compute.For(geo.Batch, 1, 1, (n0, n1) => PadThenRun(copies ? x : null, xpad, shape, geo.Height, geo.Width, geo.Padding, padValue, n0, n1,
            (i0, i1) => DirectConv.Forward(xpad.AsSpan(), packed.AsSpan(), offsets, shape, y.AsSpan(), i0, i1, bias is null ? default : bias.AsSpan())));
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return GradGraph.Record(y, "Conv2d", inputs, g =>
        {
            var (gx, gw) = ConvDirectBackward(g, x, weight, xpad, offsets, shape, geo);
            return bias is null ? [gx, gw] : [gx, gw, bias.TracksGrad ? ChannelSums(g) : null];
        });
    }

    /// <summary>Σ over n, y, x of g [N, C, H, W] per channel: plane sums in float, added over images in double.</summary>
    private static Tensor ChannelSums(Tensor g)
    {
        int n = g._shape[0], c = g._shape[1], plane = g._shape[2] * g._shape[3];
        var sums = new float[c];
        Compute.For(c, Math.Max(1, Elementwise.Grain / (n * plane)), 1, (c0, c1) =>
        {
            var span = g.AsSpan();
            for (int ch = c0; ch < c1; ch++)
            {
                double total = 0;
                for (int b = 0; b < n; b++) total += System.Numerics.Tensors.TensorPrimitives.Sum(span.Slice((b * c + ch) * plane, plane));
                sums[ch] = (float)total;
            }
        });
        return FromArray(sums, c);
    }

    /// <summary>
    /// For images [n0, n1) in runs of about 128 KiB of padded input: pads the run of x into xpad (when x is not null), then
    /// runs kernel(i0, i1) on it while it is still in cache (padding everything first sent it to memory and back).
    /// </summary>
    private static void PadThenRun(Tensor? x, Tensor xpad, DirectConvShape shape, int height, int width, int padding, float padValue, int n0, int n1, Action<int, int> kernel)
    {
        int step = x is null ? n1 - n0 : (int)Math.Max(1, 128 * 1024 / (4L * shape.ImageLength));
        for (int i0 = n0; i0 < n1; i0 += step)
        {
            int i1 = Math.Min(n1, i0 + step);
            if (x is not null) DirectConv.Pad(x.AsSpan(), xpad.AsSpan(), shape, height, width, padding, padValue, i0, i1);
            kernel(i0, i1);
        }
    }

    /// <summary>Runs kernel(padded run, run shape, first image) over the batch in runs of about 128 KiB of padded input.</summary>
    private delegate void PaddedRunKernel(ReadOnlySpan<float> padded, DirectConvShape runShape, int firstImage);

    /// <summary>
    /// Like <see cref="PadThenRun"/> for a padded copy that is read once: images split across threads, each thread padding
    /// its runs into one run-sized buffer of its own (it stays in cache; a batch-sized copy only sent every line to memory
    /// and back). The kernel sees the run as a batch of its own (image i of the buffer is image firstImage + i).
    /// </summary>
    private static void PadRunsThenRun(Tensor x, DirectConvShape shape, int height, int width, int padding, float padValue, PaddedRunKernel kernel)
    {
        int run = (int)Math.Clamp(128 * 1024 / (4L * shape.ImageLength), 1, shape.Batch), length = run * shape.ImageLength;
        int parts = Math.Max(1, Math.Min(Compute.Threads, shape.Batch)), inputLength = shape.InChannels * height * width;
        var buffers = Uninitialized(DType.Float32, [parts * length]);
        Compute.For(parts, 1, 1, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
            {
                var padded = buffers.AsSpan().Slice(p * length, length);
                int n0 = p * shape.Batch / parts, n1 = (p + 1) * shape.Batch / parts;
                for (int i0 = n0; i0 < n1; i0 += run)
                {
                    var runShape = shape with { Batch = Math.Min(n1, i0 + run) - i0 };
                    DirectConv.Pad(x.AsSpan().Slice(i0 * inputLength), padded, runShape, height, width, padding, padValue, 0, runShape.Batch);
                    kernel(padded, runShape, i0);
                }
            }
        });
    }

    private static (Tensor? Gx, Tensor? Gw) ConvDirectBackward(Tensor g, Tensor x, Tensor weight, Tensor xpad, int[] offsets, DirectConvShape shape, ConvGeometry geo)
    {
        Tensor? gw = null, gx = null;
        int outC = shape.OutChannels;
        if (weight.TracksGrad)
        {
            var dw = Uninitialized(DType.Float32, weight.Shape.ToArray());
            int panels = (outC + DirectConv.PanelRows - 1) / DirectConv.PanelRows;
            Compute.For(panels, 1, 1, (p0, p1) => DirectConv.WeightGradient(xpad.AsSpan(), g.AsSpan(), offsets, shape, dw.AsSpan(), p0, p1));
            gw = dw;
        }
        if (x.TracksGrad) gx = DirectInputGradient(g, x, weight, geo);
        return (gx, gw);
    }

    /// <summary>dx of a direct convolution: direct at stride 1 (the forward kernel on the padded gradient with transposed,
    /// flipped filters) and for 3×3 stride-2 padding-1 layers (by phases), im2col-based otherwise.</summary>
    private static Tensor DirectInputGradient(Tensor g, Tensor x, Tensor weight, ConvGeometry geo)
    {
        int outC = weight._shape[0], k = geo.KernelH, transposedPadding = k - 1 - geo.Padding;
        if (geo.Stride == 1 && transposedPadding >= 0 && DirectConv.Supports(1, geo.Width))
        {
            // dx = conv(pad(g, kh − 1 − padding), flipped Wᵀ): the same kernel with channels exchanged.
            int hp = geo.OutH + 2 * transposedPadding, wp = geo.OutW + 2 * transposedPadding;
            var transposed = new DirectConvShape(geo.Batch, outC, hp, wp, geo.Channels, k, k);
            var packed = Uninitialized(DType.Float32, [DirectConv.PackedLength(geo.Channels, outC * k * k)]);
            DirectConv.PackFilters(weight.AsSpan(), outC, geo.Channels, k, k, true, packed.AsSpan());
            var offsetsT = DirectConv.Offsets(transposed);
            var dx = Uninitialized(DType.Float32, x.Shape.ToArray());
            if (transposedPadding == 0)
                Compute.For(geo.Batch, 1, 1, (n0, n1) => DirectConv.Forward(g.AsSpan(), packed.AsSpan(), offsetsT, transposed, dx.AsSpan(), n0, n1));
            else
                PadRunsThenRun(g, transposed, geo.OutH, geo.OutW, transposedPadding, 0f,
                    (gpad, runShape, i0) => DirectConv.Forward(gpad, packed.AsSpan(), offsetsT, runShape,
                        dx.AsSpan().Slice(i0 * geo.Channels * geo.Height * geo.Width), 0, runShape.Batch));
            return dx;
        }
        if (geo.KernelW == k && DirectConv.SupportsStride2InputGradient(k, geo.Stride, geo.Padding, geo.Height, geo.Width)) return Stride2InputGradient(g, x, weight, geo);
        var result = ZerosResult(g.DType, x.Shape.ToArray());
        ForImages(geo.Batch, (n0, n1, threads) => ConvInputGradientImages<float>(g, weight, result, geo, n0, n1, threads));
        return result;
    }

    /// <summary>dx of a 3×3 stride-2 padding-1 convolution: per phase (qy, qx) of dx, a direct convolution of g (padded by qy
    /// zero rows and qx zero columns) with that phase's (1 + qy) × (1 + qx) taps, then the four phases interleaved into dx
    /// (see <see cref="DirectConv.PackStride2PhaseFilters"/>).</summary>
    private static Tensor Stride2InputGradient(Tensor g, Tensor x, Tensor weight, ConvGeometry geo)
    {
        int n = geo.Batch, outC = weight._shape[0], c = geo.Channels, oh = geo.OutH, ow = geo.OutW;
        var shapes = new DirectConvShape[4];
        var offsets = new int[4][];
        var packed = new Tensor[4];
        int[] padOffset = new int[4], phaseOffset = new int[4];
        int run = (int)Math.Clamp(128 * 1024 / (4L * outC * (oh + 1) * (ow + 1)), 1, n), used = 0;
        for (int q = 0; q < 4; q++)
        {
            shapes[q] = DirectConv.Stride2PhaseShape(run, outC, c, oh, ow, q / 2, q % 2);
            offsets[q] = DirectConv.Offsets(shapes[q]);
            packed[q] = Uninitialized(DType.Float32, [DirectConv.PackedLength(c, shapes[q].K)]);
            DirectConv.PackStride2PhaseFilters(weight.AsSpan(), outC, c, q / 2, q % 2, packed[q].AsSpan());
            padOffset[q] = used;
            used += q == 0 ? 0 : run * shapes[q].ImageLength;
        }
        for (int q = 0; q < 4; q++)
        {
            phaseOffset[q] = used;
            used += run * c * oh * ow;
        }
        int parts = Math.Max(1, Math.Min(Compute.Threads, n)), inputLength = outC * oh * ow, outputLength = c * geo.Height * geo.Width;
        var buffers = Uninitialized(DType.Float32, [parts * used]);
        var dx = Uninitialized(DType.Float32, x.Shape.ToArray());
        // One pass per run of images on each thread (pads, four phase convolutions, interleave) in the thread's own buffers.
        Compute.For(parts, 1, 1, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
            {
                var scratch = buffers.AsSpan().Slice(p * used, used);
                int n0 = p * n / parts, n1 = (p + 1) * n / parts;
                for (int i0 = n0; i0 < n1; i0 += run)
                {
                    int images = Math.Min(n1, i0 + run) - i0;
                    var source = g.AsSpan().Slice(i0 * inputLength, images * inputLength);
                    for (int q = 0; q < 4; q++)
                    {
                        var shape = shapes[q] with { Batch = images };
                        ReadOnlySpan<float> input = source;
                        if (q != 0)
                        {
                            var padded = scratch.Slice(padOffset[q], images * shape.ImageLength);
                            DirectConv.PadBottomRight(source, padded, oh, ow, q / 2, q % 2, 0, images * outC);
                            input = padded;
                        }
                        var output = scratch.Slice(phaseOffset[q], images * c * oh * ow);
                        DirectConv.Forward(input, packed[q].AsSpan(), offsets[q], shape, output, 0, images);
                    }
                    DirectConv.InterleavePhases(scratch.Slice(phaseOffset[0]), scratch.Slice(phaseOffset[1]), scratch.Slice(phaseOffset[2]),
                        scratch.Slice(phaseOffset[3]), dx.AsSpan().Slice(i0 * outputLength, images * outputLength), c, oh, ow, images);
                }
            }
        });
        return dx;
    }
}
