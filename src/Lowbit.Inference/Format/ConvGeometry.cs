namespace Lowbit.Inference.Format;

/// <summary>
/// Shape of a packed convolution (groups 1, square kernel, the same stride and padding on both axes, as <c>Conv2d</c>):
/// input [<paramref name="InChannels"/>, <paramref name="InHeight"/>, <paramref name="InWidth"/>], output
/// [<paramref name="OutChannels"/>, <see cref="OutHeight"/>, <see cref="OutWidth"/>], the border padded with
/// <paramref name="PadValue"/>.
/// </summary>
/// <param name="InChannels">C.</param>
/// <param name="InHeight">H.</param>
/// <param name="InWidth">W.</param>
/// <param name="OutChannels">O.</param>
/// <param name="Kernel">k.</param>
/// <param name="Stride">s.</param>
/// <param name="Padding">p, on each side.</param>
/// <param name="PadValue">Value of the padded border (after the input quantizer).</param>
public sealed record ConvGeometry(int InChannels, int InHeight, int InWidth, int OutChannels, int Kernel, int Stride, int Padding, float PadValue)
{
    /// <summary>Output height: (H + 2p − k) / s + 1.</summary>
    public int OutHeight => (InHeight + 2 * Padding - Kernel) / Stride + 1;

    /// <summary>Output width: (W + 2p − k) / s + 1.</summary>
    public int OutWidth => (InWidth + 2 * Padding - Kernel) / Stride + 1;

    /// <summary>Reduction length: C·k·k.</summary>
    public int PatchSize => InChannels * Kernel * Kernel;

    /// <summary>Output positions per image: OH·OW.</summary>
    public int Positions => OutHeight * OutWidth;

    /// <summary>Checks sizes and geometry.</summary>
    /// <exception cref="ArgumentException">A size is out of range or the window does not fit.</exception>
    public void Validate()
    {
        if (InChannels < 1 || InHeight < 1 || InWidth < 1 || OutChannels < 1)
            throw new ArgumentException($"Convolution sizes must be positive: input [{InChannels}, {InHeight}, {InWidth}], {OutChannels} outputs.");
        if (Kernel < 1 || Kernel > 255 || Stride < 1 || Stride > 255 || Padding < 0 || Padding >= Kernel)
            throw new ArgumentException($"Convolution kernel {Kernel}, stride {Stride}, padding {Padding}: need 1 ≤ kernel, stride ≤ 255 and 0 ≤ padding < kernel.");
        if (InHeight + 2 * Padding < Kernel || InWidth + 2 * Padding < Kernel)
            throw new ArgumentException($"Kernel {Kernel} does not fit input [{InChannels}, {InHeight}, {InWidth}] with padding {Padding}.");
        if ((long)InChannels * Kernel * Kernel > int.MaxValue / 4 || (long)OutChannels * OutHeight * OutWidth > int.MaxValue / 4
            || (long)InChannels * InHeight * InWidth > int.MaxValue / 4)
            throw new ArgumentException($"Convolution of input [{InChannels}, {InHeight}, {InWidth}] to {OutChannels} channels is too large.");
        if (!float.IsFinite(PadValue)) throw new ArgumentException($"Padding value {PadValue} must be finite.");
    }

    /// <summary>"[C, H, W] → [O, OH, OW], kK sS pP" for messages.</summary>
    public override string ToString() =>
        $"[{InChannels}, {InHeight}, {InWidth}] → [{OutChannels}, {OutHeight}, {OutWidth}], kernel {Kernel}, stride {Stride}, padding {Padding} (value {PadValue})";
}
