using Lowbit.Tensors;

namespace Lowbit.Inference.Format;

/// <summary>
/// The shortcut of a residual kind, applied with the model's own operations: the identity, or He et al.'s option A
/// (every <paramref name="Stride"/>-th pixel, <c>Tensor.MaxPool2d(x, 1, stride)</c>, then <paramref name="Before"/> zero
/// channels in front and <paramref name="After"/> behind, <c>Tensor.PadChannels</c>, as <c>ChannelPadShortcut</c>).
/// Stored as <c>u32</c> mode (0 identity, 1 option A), <c>u32</c> stride, before, after.
/// </summary>
/// <param name="Mode">0 = identity, 1 = option A.</param>
/// <param name="Stride">Option A: pixel step.</param>
/// <param name="Before">Option A: zero channels in front.</param>
/// <param name="After">Option A: zero channels behind.</param>
public sealed record ResidualShortcut(int Mode, int Stride, int Before, int After)
{
    /// <summary>The identity shortcut.</summary>
    public static ResidualShortcut Identity { get; } = new(0, 1, 0, 0);

    /// <summary>Bytes in the file.</summary>
    internal const int Size = 16;

    /// <summary>The shortcut's output shape for input [C, H, W].</summary>
    public (int Channels, int Height, int Width) OutputShape(int channels, int height, int width) => Mode == 0
        ? (channels, height, width)
        : (Before + channels + After, (height - 1) / Stride + 1, (width - 1) / Stride + 1);

    /// <summary>Checks the fields and that the shortcut maps [C, H, W] to [O, OH, OW].</summary>
    /// <exception cref="ArgumentException">Out of range or the shapes disagree.</exception>
    internal void Validate(int c, int h, int w, int o, int oh, int ow)
    {
        if (Mode is not (0 or 1) || Stride < 1 || Before < 0 || After < 0 || (Mode == 0 && (Stride != 1 || Before != 0 || After != 0)))
            throw new ArgumentException($"Shortcut mode {Mode}, stride {Stride}, channels +{Before}/+{After}: mode 0 (identity, stride 1, no channels) or 1 (option A).");
        if (OutputShape(c, h, w) != (o, oh, ow))
            throw new ArgumentException($"The shortcut maps [{c}, {h}, {w}] to {OutputShape(c, h, w)} but the residual branch gives [{o}, {oh}, {ow}].");
    }

    /// <summary>The shortcut of <paramref name="x"/> <c>[m, C, H, W]</c>.</summary>
    internal Tensor Apply(Tensor x)
    {
        if (Mode == 0) return x;
        var sub = Stride == 1 ? x : Tensor.MaxPool2d(x, 1, Stride);
        return Tensor.PadChannels(sub, Before, After);
    }

    internal void Write(ref PackedWriter w)
    {
        w.U32((uint)Mode);
        w.U32((uint)Stride);
        w.U32((uint)Before);
        w.U32((uint)After);
    }

    internal static ResidualShortcut Read(ref PackedModelReader r, int index) => new(
        r.ReadCount($"layer {index} shortcut mode", 0, 1), r.ReadCount($"layer {index} shortcut stride", 1, 255),
        r.ReadCount($"layer {index} shortcut channels before", 0, 1 << 20), r.ReadCount($"layer {index} shortcut channels after", 0, 1 << 20));
}
