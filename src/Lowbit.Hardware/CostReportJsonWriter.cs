using System.Text;
using System.Text.Json;

namespace Lowbit.Hardware;

/// <summary>
/// Writes a <see cref="CostReport"/> as JSON (camelCase keys, every row field, nulls for models that do not apply)
/// with the BCL's <see cref="Utf8JsonWriter"/>; no package dependency.
/// </summary>
public static class CostReportJsonWriter
{
    /// <summary>Writes <paramref name="report"/> as UTF-8 JSON to <paramref name="stream"/>.</summary>
    /// <param name="report">The report.</param>
    /// <param name="stream">Destination; left open.</param>
    /// <param name="indented">Pretty-print when true.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static void Write(CostReport report, Stream stream, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(stream);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented });
        json.WriteStartObject();
        json.WriteString("name", report.Name);
        json.WriteString("note", "Counts are per sample. Energy and area are 45 nm estimates (Horowitz, ISSCC 2014); see docs/COST-MODEL.md.");
        json.WriteString("metadataScheme", report.Options.MetadataScheme.ToString());
        json.WriteString("weightMemory", report.Options.WeightMemory.ToString());
        json.WriteStartArray("layers");
        foreach (var row in report.Layers)
        {
            WriteRow(json, row);
        }

        json.WriteEndArray();
        json.WritePropertyName("totals");
        WriteTotals(json, report.Totals);
        json.WriteEndObject();
    }

    /// <summary>Returns <paramref name="report"/> as a JSON string.</summary>
    /// <param name="report">The report.</param>
    /// <param name="indented">Pretty-print when true.</param>
    /// <returns>The JSON text.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="report"/> is null.</exception>
    public static string ToJson(CostReport report, bool indented = true)
    {
        using var stream = new MemoryStream();
        Write(report, stream, indented);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteRow(Utf8JsonWriter json, LayerCostRow row)
    {
        json.WriteStartObject();
        json.WriteString("name", row.Name);
        json.WriteString("kind", row.Kind.ToString());
        json.WriteString("weightEncoding", row.WeightEncoding.ToString());
        json.WriteString("activationEncoding", row.ActivationEncoding.ToString());
        json.WriteString("datapath", row.Datapath.ToString());
        json.WriteNumber("weights", row.Weights);
        json.WriteNumber("averageWeightBits", row.AverageWeightBits);
        json.WriteNumber("payloadBits", row.PayloadBits);
        json.WriteNumber("metadataBits", row.MetadataBits);
        json.WriteNumber("nestedMaskBits", row.NestedMaskBits);
        json.WriteNumber("explicitCodeBits", row.ExplicitCodeBits);
        json.WriteNumber("entropyBoundBits", row.EntropyBoundBits);
        json.WriteNumber("scaleBits", row.ScaleBits);
        json.WriteNumber("otherFloatBits", row.OtherFloatBits);
        json.WriteNumber("totalBits", row.TotalBits);
        json.WriteNumber("totalBytes", row.TotalBytes);
        json.WriteNumber("float32BaselineBits", row.Float32BaselineBits);
        json.WriteNumber("float32BaselineBytes", row.Float32BaselineBytes);
        WriteNullable(json, "compressionRatio", row.CompressionRatio);
        json.WriteNumber("macs", row.Macs);
        json.WriteNumber("binaryWork", row.BinaryWork);
        json.WriteNumber("bops", row.Bops);
        json.WriteNumber("uniqBops", row.UniqBops);
        json.WriteNumber("fp32EquivalentBops", row.Fp32EquivalentBops);
        json.WriteNumber("scaleMultiplications", row.ScaleMultiplications);
        json.WriteNumber("outputActivationBits", row.OutputActivationBits);
        json.WriteNumber("computeEnergyPicojoules", row.ComputeEnergyPicojoules);
        json.WriteNumber("memoryEnergyPicojoules", row.MemoryEnergyPicojoules);
        json.WriteNumber("totalEnergyPicojoules", row.TotalEnergyPicojoules);
        WriteNullable(json, "xnorGates", row.XnorGates);
        WriteNullable(json, "popcountFullAdders", row.PopcountFullAdders);
        WriteNullable(json, "estimatedAdderAreaSquareMicrometers", row.EstimatedAdderAreaSquareMicrometers);
        WriteNullable(json, "bitSerialPassesPerOutput", row.BitSerialPassesPerOutput);
        WriteNullable(json, "effectiveBitSerialPassesPerOutput", row.EffectiveBitSerialPassesPerOutput);
        WriteNullable(json, "bitSerialCycles", row.BitSerialCycles);
        json.WriteEndObject();
    }

    private static void WriteTotals(Utf8JsonWriter json, CostTotals totals)
    {
        json.WriteStartObject();
        json.WriteNumber("weights", totals.Weights);
        json.WriteNumber("averageWeightBits", totals.AverageWeightBits);
        json.WriteNumber("payloadBits", totals.PayloadBits);
        json.WriteNumber("metadataBits", totals.MetadataBits);
        json.WriteNumber("nestedMaskBits", totals.NestedMaskBits);
        json.WriteNumber("explicitCodeBits", totals.ExplicitCodeBits);
        json.WriteNumber("entropyBoundBits", totals.EntropyBoundBits);
        json.WriteNumber("scaleBits", totals.ScaleBits);
        json.WriteNumber("otherFloatBits", totals.OtherFloatBits);
        json.WriteNumber("totalBits", totals.TotalBits);
        json.WriteNumber("totalBytes", totals.TotalBytes);
        json.WriteNumber("float32BaselineBits", totals.Float32BaselineBits);
        json.WriteNumber("float32BaselineBytes", totals.Float32BaselineBytes);
        WriteNullable(json, "compressionRatio", totals.CompressionRatio);
        json.WriteNumber("macs", totals.Macs);
        json.WriteNumber("binaryWork", totals.BinaryWork);
        json.WriteNumber("bops", totals.Bops);
        json.WriteNumber("uniqBops", totals.UniqBops);
        json.WriteNumber("fp32EquivalentBops", totals.Fp32EquivalentBops);
        json.WriteNumber("scaleMultiplications", totals.ScaleMultiplications);
        json.WriteNumber("computeEnergyPicojoules", totals.ComputeEnergyPicojoules);
        json.WriteNumber("memoryEnergyPicojoules", totals.MemoryEnergyPicojoules);
        json.WriteNumber("totalEnergyPicojoules", totals.TotalEnergyPicojoules);
        json.WriteNumber("xnorGates", totals.XnorGates);
        json.WriteNumber("popcountFullAdders", totals.PopcountFullAdders);
        json.WriteNumber("estimatedAdderAreaSquareMicrometers", totals.EstimatedAdderAreaSquareMicrometers);
        json.WriteNumber("bitSerialCycles", totals.BitSerialCycles);
        json.WriteNumber("inputActivationBits", totals.InputActivationBits);
        json.WriteNumber("peakActivationBits", totals.PeakActivationBits);
        if (totals.PeakActivationLayer is null)
        {
            json.WriteNull("peakActivationLayer");
        }
        else
        {
            json.WriteString("peakActivationLayer", totals.PeakActivationLayer);
        }

        json.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteNumber(name, value.Value);
        }
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, long? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteNumber(name, value.Value);
        }
    }
}
