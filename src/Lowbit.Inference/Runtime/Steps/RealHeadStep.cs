using Lowbit.Inference.Format;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>Kind 13 (<see cref="RealHeadLayer"/>): pooling, batch norm and the dense layer with the model's own tensor operations.</summary>
internal sealed class RealHeadStep : LayerStep
{
    private readonly RealHeadLayer _layer;
    private readonly StepContext _context;
    private readonly Tensor _weights;
    private readonly Tensor? _bias;
    private readonly (Tensor? Gamma, Tensor? Beta, Tensor Mean, Tensor Variance)? _batchNorm;

    public RealHeadStep(RealHeadLayer layer, StepContext context)
    {
        _layer = layer;
        _context = context;
        _weights = Tensor.FromArray((float[])layer.Weights.Clone(), layer.Classes, layer.Features);
        _bias = layer.Bias is null ? null : Tensor.FromArray((float[])layer.Bias.Clone(), layer.Classes);
        _batchNorm = layer.BatchNorm?.Tensors();
    }

    public override void Run(scoped in StepIO io)
    {
        using var noGrad = GradMode.Disable();
        using var threads = Compute.UseThreads(_context.Threads);
        int m = io.Images, c = _layer.Channels, h = _layer.Height, w = _layer.Width;
        var x = Tensor.FromArray(io.InputFloats[..(m * c * h * w)].ToArray(), m, c, h, w);
        // GlobalAvgPool2d: a square map is one average-pool window, otherwise the mean over the flattened positions.
        var features = !_layer.GlobalAveragePool ? x.Reshape(m, c * h * w)
            : h == w ? Tensor.AvgPool2d(x, h, h).Reshape(m, c) : Tensor.Mean(x.Reshape(m, c, h * w), 2);
        if (_batchNorm is var (gamma, beta, mean, variance)) features = _layer.BatchNorm!.Apply(features, gamma, beta, mean, variance);
        Tensor.Linear(features, _weights, _bias).AsSpan().CopyTo(io.OutputFloats);
        io.Integers[..(m * _layer.Classes)].Clear();
    }
}
