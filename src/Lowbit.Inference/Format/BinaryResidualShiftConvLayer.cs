using Lowbit.Inference.Runtime;
using Lowbit.Inference.Runtime.Steps;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Format;

/// <summary>
/// Kind 15, a binary shift convolution with a real-valued shortcut: kind 12's block (<see cref="BinaryResidualConvLayer"/>)
/// whose convolution is a shift layer (Wu et al. 2018) or a rounded Shift Attention Layer (Hacene et al. 2019). The real
/// input map's signs; every connection (o, c) reads input channel c at its cell of the k×k window (the padding value
/// outside) or is pruned; a binary 1×1 convolution over the active connections (XNOR-popcount, exact integers
/// A_o − 2d); then the model's float32 batch norm, plus the shortcut, then the activation, as kind 12.
/// </summary>
/// <remarks>
/// Layout: <see cref="ConvHeader"/> (weight code 1, padding value ±1; flag bit 1 = batch norm, bit 2 = one shift per
/// connection, else one per input channel), the shift indices (C, or O·C with bit 2) of b = <see cref="IndexBits"/> bits
/// each as a little-endian bit stream (index i at bits [i·b, (i + 1)·b)), cell p ∈ [0, k·k) or 2^b − 1 for pruned, in
/// ceil(n·b/8) bytes; the ±1 weights as a bit stream of O·C bits (connection (o, c) at bit o·C + c, +1 = 1, pruned = 0)
/// in ceil(O·C/8) bytes; padding bits of both streams zero; then <see cref="BatchNormParams"/> if bit 1,
/// <see cref="ResidualShortcut"/>, <c>u32</c> activation.
/// </remarks>
public sealed class BinaryResidualShiftConvLayer : PackedLayer
{
    internal const byte KindCode = 15;
    internal const byte FlagBatchNorm = 2;
    internal const byte FlagPerConnection = 4;

    /// <summary>Creates and validates the layer.</summary>
    /// <param name="geometry">Shapes, window k, stride, padding and its ±1 value.</param>
    /// <param name="perConnection">One shift per connection (unshared), or one per input channel (fixed shifts, shared SAL).</param>
    /// <param name="shifts">Cells: <c>[O·C]</c> in (o, c) order with <paramref name="perConnection"/>, else <c>[C]</c>; −1 = pruned.</param>
    /// <param name="weights">±1 rows <c>[O, WordsPerRow(C)]</c> (<see cref="BitLayout"/>); bits of pruned connections zero.</param>
    /// <param name="batchNorm">The batch norm after the convolution, or null.</param>
    /// <param name="shortcut">The shortcut.</param>
    /// <param name="activation">The activation after the sum.</param>
    /// <exception cref="ArgumentException">A size disagrees, a cell is out of range, a pruned or padding bit is set, or the shortcut does not fit.</exception>
    public BinaryResidualShiftConvLayer(ConvGeometry geometry, bool perConnection, int[] shifts, ulong[] weights, BatchNormParams? batchNorm,
        ResidualShortcut shortcut, RealActivation activation)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(shifts);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(shortcut);
        geometry.Validate();
        if (geometry.PadValue is not (1f or -1f))
            throw new ArgumentException($"A binary shift convolution pads its ±1 input with +1 or −1, not {geometry.PadValue}.", nameof(geometry));
        int c = geometry.InChannels, o = geometry.OutChannels, words = BitLayout.WordsPerRow(c), cells = geometry.Kernel * geometry.Kernel;
        if (shifts.Length != (perConnection ? (long)o * c : c))
            throw new ArgumentException($"A {(perConnection ? "per-connection" : "per-channel")} shift layer of {geometry} has {(perConnection ? (long)o * c : c)} shifts, not {shifts.Length}.", nameof(shifts));
        for (int i = 0; i < shifts.Length; i++)
            if (shifts[i] < -1 || shifts[i] >= cells) throw new ArgumentException($"Shift {i} is cell {shifts[i]}; cells are 0..{cells - 1} or −1 (pruned).", nameof(shifts));
        if (weights.Length != (long)o * words)
            throw new ArgumentException($"Packed weights of a {geometry} shift convolution need {(long)o * words} words but {weights.Length} were given.", nameof(weights));
        for (int oc = 0; oc < o; oc++)
        {
            if ((weights[(oc + 1) * words - 1] & ~BitLayout.LastWordMask(c)) != 0)
                throw new ArgumentException($"Packed weight row {oc} has non-zero padding bits past {c} inputs.", nameof(weights));
            for (int ch = 0; ch < c; ch++)
                if (shifts[perConnection ? oc * c + ch : ch] < 0 && (weights[oc * words + (ch >> 6)] >> (ch & 63) & 1) != 0)
                    throw new ArgumentException($"Weight ({oc}, {ch}) of a pruned connection must be stored as 0.", nameof(weights));
        }
        if (batchNorm is not null && batchNorm.Channels != o)
            throw new ArgumentException($"The batch norm has {batchNorm.Channels} channels; the convolution produces {o}.", nameof(batchNorm));
        shortcut.Validate(c, geometry.InHeight, geometry.InWidth, o, geometry.OutHeight, geometry.OutWidth);
        if (!Enum.IsDefined(activation)) throw new ArgumentException($"Activation {activation} is not defined.", nameof(activation));
        (Geometry, PerConnection, Shifts, Weights, BatchNorm, Shortcut, Activation) = (geometry, perConnection, shifts, weights, batchNorm, shortcut, activation);
    }

    /// <summary>Shapes, window, stride and padding.</summary>
    public ConvGeometry Geometry { get; }

    /// <summary>One shift per connection (true) or per input channel.</summary>
    public bool PerConnection { get; }

    /// <summary>Cells, <c>[O·C]</c> or <c>[C]</c>, −1 = pruned.</summary>
    public int[] Shifts { get; }

    /// <summary>±1 rows <c>[O, WordsPerRow(C)]</c>.</summary>
    public ulong[] Weights { get; }

    /// <summary>The batch norm after the convolution, or null.</summary>
    public BatchNormParams? BatchNorm { get; }

    /// <summary>The shortcut added to the branch.</summary>
    public ResidualShortcut Shortcut { get; }

    /// <summary>The activation after the sum.</summary>
    public RealActivation Activation { get; }

    /// <inheritdoc/>
    public override byte Kind => KindCode;

    /// <inheritdoc/>
    public override ActivationSpec Input => ActivationSpec.Reals(Geometry.InChannels, Geometry.InHeight, Geometry.InWidth);

    /// <inheritdoc/>
    public override ActivationSpec Output => ActivationSpec.Reals(Geometry.OutChannels, Geometry.OutHeight, Geometry.OutWidth);

    /// <inheritdoc/>
    public override long ByteSize => Size(Geometry, PerConnection, BatchNorm?.Gamma is not null, BatchNorm is not null);

    /// <summary>The cell of every connection <c>[O·C]</c> (−1 = pruned).</summary>
    public int[] ConnectionShifts()
    {
        if (PerConnection) return Shifts;
        int c = Geometry.InChannels;
        var all = new int[Geometry.OutChannels * c];
        for (int o = 0; o < Geometry.OutChannels; o++) Shifts.CopyTo(all, o * c);
        return all;
    }

    /// <summary>Bits of a stored shift index: the fewest that hold the k·k cells and the pruned code (4 for 3×3).</summary>
    public static int IndexBits(int kernel)
    {
        int bits = 1;
        while ((1L << bits) < (long)kernel * kernel + 1) bits++;
        return bits;
    }

    /// <summary>Bytes of a kind-15 layer: header, indices, weights, batch norm, shortcut, activation.</summary>
    internal static long Size(ConvGeometry g, bool perConnection, bool affine, bool hasBatchNorm) =>
        ConvHeader.Size + IndexBytes(g, perConnection) + ((long)g.OutChannels * g.InChannels + 7) / 8
        + (hasBatchNorm ? BatchNormParams.Size(g.OutChannels, affine) : 0) + ResidualShortcut.Size + 4;

    private static long IndexBytes(ConvGeometry g, bool perConnection) =>
        ((perConnection ? (long)g.OutChannels * g.InChannels : g.InChannels) * IndexBits(g.Kernel) + 7) / 8;

    internal override void Write(ref PackedWriter writer)
    {
        var g = Geometry;
        byte flags = (byte)((BatchNorm is null ? 0 : FlagBatchNorm) | (PerConnection ? FlagPerConnection : 0));
        new ConvHeader(KindCode, flags, ConvHeader.SignWeights, g).Write(ref writer);
        int bits = IndexBits(g.Kernel), pruned = (1 << bits) - 1;
        var indices = new byte[IndexBytes(g, PerConnection)];
        for (int i = 0; i < Shifts.Length; i++) BitStream.Put(indices, (long)i * bits, bits, Shifts[i] < 0 ? pruned : Shifts[i]);
        writer.Bytes(indices);
        int c = g.InChannels, words = BitLayout.WordsPerRow(c);
        var signs = new byte[((long)g.OutChannels * c + 7) / 8];
        for (int o = 0; o < g.OutChannels; o++)
            for (int ch = 0; ch < c; ch++) BitStream.Put(signs, (long)o * c + ch, 1, (int)(Weights[o * words + (ch >> 6)] >> (ch & 63) & 1));
        writer.Bytes(signs);
        BatchNorm?.Write(ref writer);
        Shortcut.Write(ref writer);
        writer.U32((uint)Activation);
    }

    internal static PackedLayer Read(ref PackedModelReader reader, in LayerReadContext context)
    {
        int start = reader.Offset, index = context.Index;
        var header = ConvHeader.Read(ref reader, context, FlagBatchNorm | FlagPerConnection, ConvHeader.SignWeights, ConvHeader.SignWeights);
        var g = header.Geometry;
        bool perConnection = (header.Flags & FlagPerConnection) != 0;
        if (g.PadValue is not (1f or -1f)) throw reader.Error(start + 24, $"layer {index} padding value {g.PadValue}; a binary shift convolution pads with +1 or −1.");
        int c = g.InChannels, o = g.OutChannels, bits = IndexBits(g.Kernel), pruned = (1 << bits) - 1, cells = g.Kernel * g.Kernel;
        long count = perConnection ? (long)o * c : c;
        if (count > int.MaxValue / 8 || IndexBytes(g, perConnection) + ((long)o * c + 7) / 8 > reader.Remaining)
            throw reader.Error(reader.Offset, $"layer {index} ({g}) needs {IndexBytes(g, perConnection) + ((long)o * c + 7) / 8} bytes of shifts and weights but only {reader.Remaining} remain.");
        int at = reader.Offset;
        var indices = reader.Take((int)IndexBytes(g, perConnection), $"layer {index} shift indices");
        var shifts = new int[count];
        for (int i = 0; i < count; i++)
        {
            int v = BitStream.Get(indices, (long)i * bits, bits);
            if (v >= cells && v != pruned) throw reader.Error(at + (int)((long)i * bits / 8), $"layer {index} shift {i} is {v}; cells are 0..{cells - 1}, pruned is {pruned}.");
            shifts[i] = v == pruned ? -1 : v;
        }
        if (!BitStream.PaddingClear(indices, count * bits)) throw reader.Error(at + indices.Length - 1, $"layer {index} shift indices have non-zero padding bits.");
        at = reader.Offset;
        var signs = reader.Take((int)(((long)o * c + 7) / 8), $"layer {index} weights");
        if (!BitStream.PaddingClear(signs, (long)o * c)) throw reader.Error(at + signs.Length - 1, $"layer {index} weights have non-zero padding bits.");
        int words = BitLayout.WordsPerRow(c);
        var weights = new ulong[o * words];
        for (int oc = 0; oc < o; oc++)
            for (int ch = 0; ch < c; ch++)
            {
                if (BitStream.Get(signs, (long)oc * c + ch, 1) == 0) continue;
                if (shifts[perConnection ? oc * c + ch : ch] < 0)
                    throw reader.Error(at + (int)(((long)oc * c + ch) / 8), $"layer {index} weight ({oc}, {ch}) of a pruned connection is set; it must be 0.");
                weights[oc * words + (ch >> 6)] |= 1UL << (ch & 63);
            }
        var batchNorm = (header.Flags & FlagBatchNorm) != 0 ? BatchNormParams.Read(ref reader, o, index) : null;
        var shortcut = ResidualShortcut.Read(ref reader, index);
        return new BinaryResidualShiftConvLayer(g, perConnection, shifts, weights, batchNorm, shortcut, RealActivations.Read(ref reader, index));
    }

    internal override LayerStep CreateStep(StepContext context) => new BinaryResidualShiftConvStep(this, context);
}
