using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>Kind 10 (<see cref="SignMaxPoolLayer"/>): OR (AND for the marked channels) over each window, <see cref="BitPooling.MaxMinPool"/>.</summary>
internal sealed class SignMaxPoolStep(SignMaxPoolLayer layer, StepContext context) : LayerStep
{
    private readonly SignMaxPoolLayer _layer = layer;

    public override void Run(scoped in StepIO io)
    {
        _ = context;
        int m = io.Images, words = BitLayout.WordsPerRow(_layer.Channels);
        BitPooling.MaxMinPool(io.InputWords[..(m * _layer.Height * _layer.Width * words)], m, _layer.Height, _layer.Width, _layer.Channels,
            _layer.PoolKernel, _layer.Stride, _layer.MinChannels, io.OutputWords[..(m * _layer.OutHeight * _layer.OutWidth * words)]);
    }
}
