using Lowbit.Tensors;

namespace Lowbit.Quantization.MixedPrecision;

/// <summary>Integer-bit uniform quantization on BitPruning's max-abs grid, per tensor or per output channel (<c>bitpruning_fixed</c>).</summary>
/// <remarks>
/// Forward: Q_b(x) = m·(2·round((x/m + 1)/2·(2^b − 1))/(2^b − 1) − 1), m = max|x| of the group (dimension-0 slice when
/// per-channel), b the group's bits; round half away from zero; an all-zero group maps to 0.
/// Backward: identity STE (g_x = g).
/// This is the fine-tuning quantizer after BitPruning rounds its learned bitlengths up and freezes them
/// (<see cref="BitPruningQuantizer.ToFixedBits"/>); from a config it takes one <c>bits</c> for all groups.
/// Options: <c>bits</c> (1..24, default 4), <c>per_channel</c> (scale per dimension-0 slice).
/// Paper: Nikolić et al., arXiv 2002.03090 (round up, freeze, fine-tune).
/// </remarks>
public sealed class FixedBitQuantizer : Quantizer
{
    private readonly int[] _bits;

    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">Bits per group (one entry per tensor, or one per output channel).</param>
    /// <param name="perChannel">Groups are dimension-0 slices.</param>
    /// <exception cref="ArgumentOutOfRangeException">A bit count is outside 1..24, or several are given without per-channel.</exception>
    public FixedBitQuantizer(int[] bits, bool perChannel = false)
    {
        ArgumentNullException.ThrowIfNull(bits);
        if (bits.Length == 0) throw new ArgumentOutOfRangeException(nameof(bits), "bitpruning_fixed: needs at least one bit count.");
        foreach (int b in bits) QuantMath.CheckBits(b, 1, 24, "bitpruning_fixed");
        if (!perChannel && bits.Length > 1) throw new ArgumentOutOfRangeException(nameof(bits), bits.Length, "bitpruning_fixed: several bit counts need per_channel: true.");
        _bits = (int[])bits.Clone();
        PerChannel = perChannel;
    }

    /// <summary>Bits per group (a copy).</summary>
    public int[] Bits => (int[])_bits.Clone();

    /// <summary>Scale and bits per dimension-0 slice.</summary>
    public bool PerChannel { get; }

    /// <inheritdoc/>
    public override string Name => "bitpruning_fixed";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => _bits.Length == 1 ? new Dictionary<string, object>(StringComparer.Ordinal) { ["bits"] = _bits[0], ["per_channel"] = PerChannel } : null;

    /// <summary>Mean bits over the groups.</summary>
    public override double BitWidth => _bits.Average();

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        var v = MixedMath.FiniteValues(x, Name);
        int groups = QuantMath.Groups(x, PerChannel, Name);
        if (_bits.Length != 1 && _bits.Length != groups)
            throw new ArgumentException($"bitpruning_fixed: input {ShapeUtil.Format(x.ShapeSpan)} has {groups} output channels but {_bits.Length} bit counts were given.", nameof(x));
        var m = MaxAbsGrid.MaxAbs(v, groups);
        int size = v.Length / groups;
        var q = new double[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            int g = i / size;
            q[i] = MaxAbsGrid.Quantize(v[i], m[g], _bits[_bits.Length == 1 ? 0 : g]);
        }
        return MixedMath.IdentityStraightThrough(x, q, Name);
    }
}
