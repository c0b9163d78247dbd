using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Lowbit.Inference.Format;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// What follows the binary convolution of the real-stream kinds 12 and 15: v = A_o − 2d (the exact ±1 dot product of
/// output channel o over its A_o connections), batch norm, plus the shortcut of the real input, activation. Fused per
/// output row with the float32 operations the model's tensor ops perform (batch norm as fma(v − center, scale, shift)
/// with Tensor.BatchNorm's coefficients, then TensorPrimitives Add and Max/Min as Tensor.Add, Relu and HardTanh use),
/// or with the tensor operations themselves (the oracle the steps check the fused rows against at construction).
/// </summary>
internal sealed class ResidualEpilogue
{
    private readonly ConvGeometry _geometry;
    private readonly BatchNormParams? _norm;
    private readonly ResidualShortcut _shortcut;
    private readonly RealActivation _activation;
    private readonly int[] _active;
    private readonly (Tensor? Gamma, Tensor? Beta, Tensor Mean, Tensor Variance)? _batchNorm;
    private readonly float[] _center, _scale, _shift;

    /// <param name="geometry">The convolution's shapes.</param>
    /// <param name="active">A_o per output channel (C·k·k for a full convolution).</param>
    /// <param name="norm">The batch norm, or null.</param>
    /// <param name="shortcut">The shortcut.</param>
    /// <param name="activation">The activation after the sum.</param>
    public ResidualEpilogue(ConvGeometry geometry, int[] active, BatchNormParams? norm, ResidualShortcut shortcut, RealActivation activation)
    {
        (_geometry, _active, _norm, _shortcut, _activation) = (geometry, active, norm, shortcut, activation);
        _batchNorm = norm?.Tensors();
        (_center, _scale, _shift) = RealRowOps.Coefficients(norm, geometry.OutChannels);
    }

    /// <summary>
    /// The fused rows: <paramref name="counts"/> <c>[m, O, P]</c> channel-major, <paramref name="input"/> the real maps
    /// <c>[m, C, H, W]</c>, <paramref name="shortcut"/> scratch of P floats, <paramref name="output"/> <c>[m, O, P]</c>.
    /// </summary>
    public void Fused(ReadOnlySpan<int> counts, ReadOnlySpan<float> input, int m, Span<float> shortcut, Span<float> output)
    {
        var g = _geometry;
        int o = g.OutChannels, positions = g.Positions, size = g.InChannels * g.InHeight * g.InWidth;
        for (int i = 0; i < m; i++)
            for (int c = 0; c < o; c++)
            {
                int row = (i * o + c) * positions;
                Row(counts.Slice(row, positions), input.Slice(i * size, size), c, shortcut, output.Slice(row, positions));
            }
    }

    /// <summary>Output channel c of one image; <paramref name="input"/> is the image's real map <c>[C, H, W]</c>.</summary>
    private void Row(ReadOnlySpan<int> counts, ReadOnlySpan<float> input, int c, Span<float> shortcut, Span<float> row)
    {
        var g = _geometry;
        RealRowOps.MismatchValues(counts, _active[c], row, _norm is not null, _center[c], _scale[c], _shift[c]);
        var s = _shortcut;
        int plane = g.InHeight * g.InWidth;
        if (s.Mode == 0)
        {
            TensorPrimitives.Add(row, input.Slice(c * plane, plane), row);
        }
        else
        {
            int source = c - s.Before;
            if ((uint)source < (uint)g.InChannels)
            {
                var from = input.Slice(source * plane, plane);
                for (int y = 0, p = 0; y < g.OutHeight; y++)
                    for (int x = 0; x < g.OutWidth; x++, p++) shortcut[p] = from[y * s.Stride * g.InWidth + x * s.Stride];
            }
            else
            {
                shortcut.Clear();
            }
            TensorPrimitives.Add(row, shortcut[..row.Length], row);
        }
        RealRowOps.Activate(row, _activation);
    }

    /// <summary>The model's own tensor operations on the branch values <paramref name="y"/> <c>[m, O, OH, OW]</c>.</summary>
    public void WithTensors(float[] y, ReadOnlySpan<float> input, int m, int threads, Span<float> output)
    {
        var g = _geometry;
        int size = g.InChannels * g.InHeight * g.InWidth;
        using var noGrad = GradMode.Disable();
        using var scope = Compute.UseThreads(threads);
        var branch = Tensor.FromArray(y, m, g.OutChannels, g.OutHeight, g.OutWidth);
        if (_batchNorm is var (gamma, beta, mean, variance)) branch = _norm!.Apply(branch, gamma, beta, mean, variance);
        var x = Tensor.FromArray(input[..(m * size)].ToArray(), m, g.InChannels, g.InHeight, g.InWidth);
        var sum = Tensor.Add(branch, _shortcut.Apply(x));
        RealActivations.Apply(_activation, sum).AsSpan().CopyTo(output);
    }

    /// <summary>
    /// Runs <paramref name="fused"/> and <paramref name="tensors"/> (a step's two paths) on two images of random reals
    /// (hard-tanh range and beyond) and compares every output bit.
    /// </summary>
    public static bool Agree(ConvGeometry g, Action<float[], int, float[]> fused, Action<float[], int, float[]> tensors)
    {
        const int images = 2;
        var random = new Random(20261203);
        var input = new float[images * g.InChannels * g.InHeight * g.InWidth];
        for (int t = 0; t < input.Length; t++) input[t] = (float)(random.NextDouble() * 3 - 1.5);
        var expected = new float[images * g.OutChannels * g.Positions];
        var actual = new float[expected.Length];
        tensors(input, images, expected);
        fused(input, images, actual);
        for (int t = 0; t < expected.Length; t++)
            if (BitConverter.SingleToInt32Bits(expected[t]) != BitConverter.SingleToInt32Bits(actual[t])) return false;
        return true;
    }
}
