using Lowbit.Inference.Runtime;
using Lowbit.Inference.Runtime.Steps;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Format;

/// <summary>
/// Kind 10, max-pooling of a ±1 feature map (square window, no padding): OR of the window's bits per channel, or AND
/// for the channels marked "minimum" — where the model pools before a batch norm with negative scale, whose sign is
/// then the minimum of the signs (<see cref="BitPooling.MaxMinPool"/>).
/// </summary>
/// <remarks>Layout: kind, flags 0, kernel, stride (bytes); <c>u32</c> channels, height, width; the packed channel mask
/// <c>u64[ceil(C/64)]</c> (bit c set = channel c takes the minimum; padding bits zero).</remarks>
public sealed class SignMaxPoolLayer : PackedLayer
{
    internal const byte KindCode = 10;

    /// <summary>Creates and validates the layer.</summary>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="kernel">Window size (≥ 1, ≤ H and W).</param>
    /// <param name="stride">Step (≥ 1).</param>
    /// <param name="minChannels">Packed mask <c>[WordsPerRow(C)]</c>.</param>
    /// <exception cref="ArgumentException">A size is out of range or the mask has padding bits set.</exception>
    public SignMaxPoolLayer(int channels, int height, int width, int kernel, int stride, ulong[] minChannels)
    {
        ArgumentNullException.ThrowIfNull(minChannels);
        if (channels < 1 || height < 1 || width < 1 || (long)channels * height * width > int.MaxValue / 4)
            throw new ArgumentException($"Pooling input [{channels}, {height}, {width}] is empty or too large.", nameof(channels));
        if (kernel < 1 || kernel > 255 || stride < 1 || stride > 255 || kernel > height || kernel > width)
            throw new ArgumentException($"Pooling window {kernel}, stride {stride} does not fit input [{channels}, {height}, {width}].", nameof(kernel));
        int words = BitLayout.WordsPerRow(channels);
        if (minChannels.Length != words) throw new ArgumentException($"The channel mask needs {words} words but has {minChannels.Length}.", nameof(minChannels));
        if ((minChannels[^1] & ~BitLayout.LastWordMask(channels)) != 0) throw new ArgumentException($"The channel mask has bits set past channel {channels}.", nameof(minChannels));
        Channels = channels;
        Height = height;
        Width = width;
        PoolKernel = kernel;
        Stride = stride;
        MinChannels = minChannels;
    }

    /// <summary>Channels.</summary>
    public int Channels { get; }

    /// <summary>Input height.</summary>
    public int Height { get; }

    /// <summary>Input width.</summary>
    public int Width { get; }

    /// <summary>Window size.</summary>
    public int PoolKernel { get; }

    /// <summary>Step.</summary>
    public int Stride { get; }

    /// <summary>Packed mask: bit c set = channel c takes the minimum (AND).</summary>
    public ulong[] MinChannels { get; }

    /// <summary>Output height: (H − k) / s + 1.</summary>
    public int OutHeight => (Height - PoolKernel) / Stride + 1;

    /// <summary>Output width: (W − k) / s + 1.</summary>
    public int OutWidth => (Width - PoolKernel) / Stride + 1;

    /// <inheritdoc/>
    public override byte Kind => KindCode;

    /// <inheritdoc/>
    public override ActivationSpec Input => ActivationSpec.Signs(Channels, Height, Width);

    /// <inheritdoc/>
    public override ActivationSpec Output => ActivationSpec.Signs(Channels, OutHeight, OutWidth);

    /// <inheritdoc/>
    public override long ByteSize => Size(Channels);

    /// <summary>Bytes of a kind-10 layer.</summary>
    internal static long Size(int channels) => 16 + 8L * BitLayout.WordsPerRow(channels);

    internal override void Write(ref PackedWriter writer)
    {
        writer.U32(KindCode | (uint)PoolKernel << 16 | (uint)Stride << 24);
        writer.U32((uint)Channels);
        writer.U32((uint)Height);
        writer.U32((uint)Width);
        writer.U64(MinChannels);
    }

    internal static PackedLayer Read(ref PackedModelReader reader, in LayerReadContext context)
    {
        int start = reader.Offset, index = context.Index;
        var head = reader.Take(4, $"layer {index} header");
        if (head[1] != 0) throw reader.Error(start + 1, $"layer {index} flags 0x{head[1]:X2} are not defined for kind {head[0]}.");
        var a = context.Arriving;
        int shapeOffset = reader.Offset;
        int c = reader.ReadCount($"layer {index} channels", 1, 1 << 20), h = reader.ReadCount($"layer {index} height", 1, 1 << 20);
        int w = reader.ReadCount($"layer {index} width", 1, 1 << 20);
        if (c != a.Channels || h != a.Height || w != a.Width)
            throw reader.Error(shapeOffset, $"layer {index} takes input [{c}, {h}, {w}] but receives [{a.Channels}, {a.Height}, {a.Width}].");
        if (head[2] < 1 || head[3] < 1 || head[2] > h || head[2] > w)
            throw reader.Error(start + 2, $"layer {index} pooling window {head[2]}, stride {head[3]} does not fit input [{c}, {h}, {w}].");
        var mask = reader.ReadWeights(index, c, 1, 1);
        return new SignMaxPoolLayer(c, h, w, head[2], head[3], mask);
    }

    internal override LayerStep CreateStep(StepContext context) => new SignMaxPoolStep(this, context);
}
