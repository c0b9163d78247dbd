using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Lowbit.Kernels.Bits;

/// <summary>Shape checks shared by the channel-packed pooling and im2col kernels.</summary>
internal static class BitConvGeometry
{
    /// <summary><c>(input + 2·pad − kernel) / stride + 1</c>, after checking the window fits.</summary>
    public static int OutputSize(int input, int kernel, int stride, int pad, string axis)
    {
        if (input <= 0 || kernel <= 0 || stride <= 0 || pad < 0) ThrowOutOfRange(input, kernel, stride, pad, axis);
        if (pad >= kernel)
        {
            throw new ArgumentOutOfRangeException($"padding {axis}", pad,
                $"Padding ({pad}) must be smaller than the kernel ({kernel}) along {axis}; otherwise some windows see only padding.");
        }
        if (input + 2 * pad < kernel)
        {
            throw new ArgumentException(
                $"Kernel {axis} {kernel} is larger than the padded input {axis} {input} + 2·{pad}; reduce the kernel or add padding.", $"kernel {axis}");
        }
        return (input + 2 * pad - kernel) / stride + 1;
    }

    /// <summary>The parameter names are formatted only here: the kernels check on every call and must not allocate.</summary>
    [DoesNotReturn]
    private static void ThrowOutOfRange(int input, int kernel, int stride, int pad, string axis)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(input, $"input {axis}");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernel, $"kernel {axis}");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride, $"stride {axis}");
        ArgumentOutOfRangeException.ThrowIfNegative(pad, $"padding {axis}");
        throw new UnreachableException();
    }

    public static void CheckCommon(int batch, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
    }
}
