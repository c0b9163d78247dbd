using Lowbit.Inference.Format;
using Lowbit.Kernels.Conv;
using Lowbit.Tensors;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Kind 8 (<see cref="ByteSignConvLayer"/>): the pixels through the per-channel tables into a padded map, then
/// <see cref="ThresholdConv"/> (output channels along the vector lanes, threshold and sign packing fused), which
/// repeats the operation order of the direct kernel the training model's <see cref="Tensor.Conv2d"/> takes for such
/// shapes, so the values, and the signs, are the model's bit for bit.
/// </summary>
/// <remarks>
/// Which kernel <see cref="Tensor.Conv2d"/> picks is another module's choice (direct, Winograd or im2col + GEMM by
/// shape), so the step checks at construction that both give the same float32 values on random pixels of the layer's
/// shape; if any value differs it keeps the model's own operations (<see cref="FloatConvolution"/>, then
/// <see cref="SignPacking.PackChannels"/>). Random data makes different summation orders disagree with overwhelming
/// probability over the thousands of outputs compared.
/// </remarks>
internal sealed class ByteSignConvStep : LayerStep
{
    private readonly ByteSignConvLayer _layer;
    private readonly StepContext _context;
    private readonly Tensor _weights;
    private readonly Tensor? _bias;
    private readonly float[] _tables;
    private readonly DirectConvShape _shape;
    private readonly ThresholdConvFilters? _filters; // null: Conv2d's operation order differs for this shape
    private float[] _padded = []; // [images, C, Hp, Wp]: this step's own, so its border is filled once, when it grows

    public ByteSignConvStep(ByteSignConvLayer layer, StepContext context)
    {
        _layer = layer;
        _context = context;
        var g = layer.Geometry;
        _weights = Tensor.FromArray((float[])layer.Weights.Clone(), g.OutChannels, g.InChannels, g.Kernel, g.Kernel);
        _bias = layer.Bias is null ? null : Tensor.FromArray((float[])layer.Bias.Clone(), g.OutChannels);
        _tables = context.Model.PixelTables;
        _shape = new DirectConvShape(1, g.InChannels, g.InHeight + 2 * g.Padding, g.InWidth + 2 * g.Padding, g.OutChannels, g.Kernel, g.Kernel, g.Stride);
        var filters = ThresholdConvFilters.Pack(layer.Weights, layer.Bias, layer.Negated, layer.Thresholds, _shape);
        _filters = MatchesModel(filters) ? filters : null;
    }

    /// <summary>Whether the fused kernel is in use (false: the model's own operations).</summary>
    internal bool IsFused => _filters is not null;

    public override void Run(scoped in StepIO io)
    {
        var g = _layer.Geometry;
        if (_filters is null)
        {
            var y = FloatConvolution.Run(io.InputBytes, io.Images, g, _tables, _weights, _bias, _context.Threads);
            SignPacking.PackChannels(y, io.Images, g.OutChannels, g.Positions, _layer.Negated, _layer.Thresholds, io.OutputWords);
            return;
        }
        int length = io.Images * ThresholdConv.ImageLength(_shape);
        if (_padded.Length < length)
        {
            _padded = new float[length];
            ThresholdConv.FillBorder(io.Images, _shape, g.InHeight, g.InWidth, g.PadValue, _padded);
        }
        var xpad = _padded.AsSpan(0, length);
        ThresholdConv.MapPixels(io.InputBytes, io.Images, _shape, g.InHeight, g.InWidth, _tables, xpad);
        ThresholdConv.Signs(xpad, io.Images, _filters, io.OutputWords, _context.Threads);
    }

    /// <summary>Compares the fused kernel's values with the model's convolution on two images of random pixels.</summary>
    private bool MatchesModel(ThresholdConvFilters filters)
    {
        var g = _layer.Geometry;
        const int images = 2;
        var pixels = new byte[images * g.InChannels * g.InHeight * g.InWidth];
        new Random(20261203).NextBytes(pixels);
        var expected = FloatConvolution.Run(pixels, images, g, _tables, _weights, _bias, 1); // [m, O, P]
        var xpad = new float[images * ThresholdConv.ImageLength(_shape)];
        ThresholdConv.PadPixels(pixels, images, _shape, g.InHeight, g.InWidth, _tables, g.PadValue, xpad);
        var actual = new float[images * g.Positions * g.OutChannels]; // [m, P, O]
        ThresholdConv.Values(xpad, images, filters, actual);
        for (int i = 0; i < images; i++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int p = 0; p < g.Positions; p++)
                {
                    float e = expected[(i * g.OutChannels + o) * g.Positions + p], a = actual[(i * g.Positions + p) * g.OutChannels + o];
                    if (BitConverter.SingleToInt32Bits(e) != BitConverter.SingleToInt32Bits(a)) return false;
                }
        return true;
    }
}
