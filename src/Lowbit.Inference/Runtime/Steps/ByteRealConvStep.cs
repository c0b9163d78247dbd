using Lowbit.Inference.Format;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>Kind 11 (<see cref="ByteRealConvLayer"/>): convolution, batch norm and activation with the model's own tensor operations.</summary>
internal sealed class ByteRealConvStep : LayerStep
{
    private readonly ByteRealConvLayer _layer;
    private readonly StepContext _context;
    private readonly Tensor _weights;
    private readonly Tensor? _bias;
    private readonly (Tensor? Gamma, Tensor? Beta, Tensor Mean, Tensor Variance)? _batchNorm;

    public ByteRealConvStep(ByteRealConvLayer layer, StepContext context)
    {
        _layer = layer;
        _context = context;
        var g = layer.Geometry;
        _weights = Tensor.FromArray((float[])layer.Weights.Clone(), g.OutChannels, g.InChannels, g.Kernel, g.Kernel);
        _bias = layer.Bias is null ? null : Tensor.FromArray((float[])layer.Bias.Clone(), g.OutChannels);
        _batchNorm = layer.BatchNorm?.Tensors();
    }

    public override void Run(scoped in StepIO io)
    {
        using var noGrad = GradMode.Disable();
        using var threads = Compute.UseThreads(_context.Threads);
        var g = _layer.Geometry;
        var y = FloatConvolution.Convolve(FloatConvolution.Pixels(io.InputBytes, io.Images, g, _context.Model.PixelTables), g, _weights, _bias);
        if (_batchNorm is var (gamma, beta, mean, variance)) y = _layer.BatchNorm!.Apply(y, gamma, beta, mean, variance);
        RealActivations.Apply(_layer.Activation, y).AsSpan().CopyTo(io.OutputFloats);
    }
}
