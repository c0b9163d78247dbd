using Lowbit.Inference.Export.Kinds;
using static Lowbit.Inference.Format.ActivationEncoding;

namespace Lowbit.Inference.Format;

/// <summary>
/// Every packed layer kind, one line each: kind byte, name, format version, what it consumes, whether it is an output
/// kind, its reader and its exporter. The reader, the exporter, the size predictor and the docs' kind table all read
/// this list; a new kind is its layer class (fields, validation, bytes, step), its step, its exporter and a line here.
/// </summary>
internal static class PackedLayerKinds
{
    public static IReadOnlyList<PackedLayerKind> All { get; } =
    [
        new(ByteSignDenseLayer.KindCode, "byte-input sign", 1, [Pixels], false, ByteSignDenseLayer.Read, new ByteSignDenseExport()),
        new(BinarySignDenseLayer.KindCode, "binary sign", 1, [Signs], false, BinarySignDenseLayer.Read, new BinarySignDenseExport()),
        new(BinaryOutputDenseLayer.KindCode, "binary output", 1, [Signs], true, BinaryOutputDenseLayer.Read, new BinaryOutputDenseExport()),
        new(PlaneThresholdDenseLayer.KindCode, "k-bit threshold", 2, [Pixels, LevelCodes], false, PlaneThresholdDenseLayer.Read, new PlaneThresholdDenseExport()),
        new(PlaneOutputDenseLayer.KindCode, "k-bit output", 2, [Pixels, LevelCodes], true, PlaneOutputDenseLayer.Read, new PlaneOutputDenseExport()),
        new(ResidualThresholdDenseLayer.KindCode, "residual threshold", 3, [Pixels, ResidualCodes], false, ResidualThresholdDenseLayer.Read, new ResidualThresholdDenseExport()),
        new(ResidualOutputDenseLayer.KindCode, "residual output", 3, [Pixels, ResidualCodes], true, ResidualOutputDenseLayer.Read, new ResidualOutputDenseExport()),
        new(ByteSignConvLayer.KindCode, "byte-input sign conv", 4, [Pixels], false, ByteSignConvLayer.Read, new ByteSignConvExport()),
        new(BinarySignConvLayer.KindCode, "binary sign conv", 4, [Signs], false, BinarySignConvLayer.Read, new BinarySignConvExport()),
        new(SignMaxPoolLayer.KindCode, "sign max-pool", 4, [Signs], false, SignMaxPoolLayer.Read, null),
        new(ByteRealConvLayer.KindCode, "byte-input real conv", 4, [Pixels], false, ByteRealConvLayer.Read, new ByteRealConvExport()),
        new(BinaryResidualConvLayer.KindCode, "binary residual conv", 4, [Reals], false, BinaryResidualConvLayer.Read, new BinaryResidualConvExport()),
        new(RealHeadLayer.KindCode, "real head", 4, [Reals], true, RealHeadLayer.Read, new RealHeadExport()),
        new(KBitResidualBlockLayer.KindCode, "k-bit residual block", 4, [Reals], false, KBitResidualBlockLayer.Read, new KBitResidualBlockExport()),
        new(BinaryResidualShiftConvLayer.KindCode, "binary residual shift conv", 4, [Reals], false, BinaryResidualShiftConvLayer.Read, new BinaryResidualShiftConvExport()),
    ];

    /// <summary>"1 = byte-input sign, 2 = binary sign, …, 4 = k-bit threshold (version 2), …" for messages.</summary>
    public static string Names { get; } = string.Join(", ", All.Select(k => $"{k.Code} = {k.Name}{(k.SinceVersion > 1 ? $" (version {k.SinceVersion})" : "")}"));

    /// <summary>The kind with byte <paramref name="code"/>.</summary>
    /// <exception cref="ArgumentException">No kind has that byte.</exception>
    public static PackedLayerKind Get(byte code) =>
        All.FirstOrDefault(k => k.Code == code) ?? throw new ArgumentException($"Unknown packed layer kind {code} ({Names}).", nameof(code));

    /// <summary>The kinds a file of <paramref name="version"/> may have where <paramref name="arriving"/> arrives, last layer or not.</summary>
    public static List<PackedLayerKind> Allowed(uint version, ActivationEncoding arriving, bool last) =>
        All.Where(k => k.SinceVersion <= version && k.Inputs.Contains(arriving) && k.IsOutput == last).ToList();

    /// <summary>"1, 4 or 6".</summary>
    public static string Join(IReadOnlyList<PackedLayerKind> kinds) => kinds.Count switch
    {
        0 => "none",
        1 => kinds[0].Code.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => string.Join(", ", kinds.Take(kinds.Count - 1).Select(k => k.Code)) + " or " + kinds[^1].Code,
    };
}
