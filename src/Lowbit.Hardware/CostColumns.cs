using System.Globalization;

namespace Lowbit.Hardware;

/// <summary>Column sets for rendering a <see cref="CostReport"/> as a table.</summary>
public static class CostColumns
{
    /// <summary>
    /// The summary table: name, encodings, weights, average bits, payload/metadata/total storage, compression,
    /// MACs, BOPs, UNIQ BOPs and the energy estimate.
    /// </summary>
    public static IReadOnlyList<CostColumn> Summary { get; } =
    [
        new("layer", r => r.Name, _ => "total", false),
        new("W/A", r => r.Macs == 0 && r.Weights == 0 ? "-" : $"{r.WeightEncoding}/{r.ActivationEncoding}", _ => "", false),
        new("weights", r => Integer(r.Weights), t => Integer(t.Weights), true),
        new("avg bits", r => Fixed(r.AverageWeightBits, 3), t => Fixed(t.AverageWeightBits, 3), true),
        new("payload bits", r => Integer(r.PayloadBits), t => Integer(t.PayloadBits), true),
        new("metadata bits", r => Integer(r.MetadataBits), t => Integer(t.MetadataBits), true),
        new("total bytes", r => Integer(r.TotalBytes), t => Integer(t.TotalBytes), true),
        new("fp32 bytes", r => Integer(r.Float32BaselineBytes), t => Integer(t.Float32BaselineBytes), true),
        new("ratio", r => Ratio(r.CompressionRatio), t => Ratio(t.CompressionRatio), true),
        new("MACs", r => Integer(r.Macs), t => Integer(t.Macs), true),
        new("BOPs", r => Fixed(r.Bops, 0), t => Fixed(t.Bops, 0), true),
        new("UNIQ BOPs", r => Fixed(r.UniqBops, 0), t => Fixed(t.UniqBops, 0), true),
        new("est. energy nJ", r => Fixed(r.TotalEnergyPicojoules / 1000, 3), t => Fixed(t.TotalEnergyPicojoules / 1000, 3), true),
    ];

    internal static string Integer(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    internal static string Fixed(double value, int decimals) =>
        value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    internal static string Ratio(double? value) => value is null ? "-" : Fixed(value.Value, 2) + "x";
}
