using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lowbit.Hardware;
using Lowbit.Hardware.Accelerators;
using Spectre.Console;

namespace Lowbit.Cli.Commands;

/// <summary>
/// <c>lowbit summary --hardware fpga|asic</c>: per-layer FPGA resources or 45 nm ASIC area and energy of a model for
/// one accelerator architecture, followed by the assumptions of the estimate (docs/COST-MODEL.md, section 11).
/// </summary>
internal static class HardwareSummary
{
    public static readonly string[] Targets = ["fpga", "asic"];

    public static readonly string[] Architectures = ["unrolled", "folded", "bitserial"];

    public static AcceleratorOptions Options(string architecture, int pe, int simd)
    {
        var options = new AcceleratorOptions
        {
            Architecture = architecture switch
            {
                "unrolled" => AcceleratorArchitecture.Unrolled,
                "folded" => AcceleratorArchitecture.Folded,
                "bitserial" => AcceleratorArchitecture.BitSerial,
                _ => throw new UserException($"--architecture is '{architecture}'; allowed: {string.Join(", ", Architectures)}."),
            },
            ProcessingElements = pe,
            SimdLanes = simd,
        };
        if (pe < 1 || simd < 1)
        {
            throw new UserException($"--pe ({pe}) and --simd ({simd}) must be at least 1.");
        }

        return options;
    }

    public static void Write(NetworkCostInput network, string target, AcceleratorOptions options, bool json, SummaryCommand.TextOutput text)
    {
        bool fpga = target switch
        {
            "fpga" => true,
            "asic" => false,
            _ => throw new UserException($"--hardware is '{target}'; allowed: {string.Join(", ", Targets)}."),
        };
        AcceleratorReport report;
        try
        {
            report = AcceleratorEstimator.Estimate(network, options);
        }
        catch (ArgumentException e)
        {
            throw new UserException(e.Message);
        }

        if (json)
        {
            text.Writer.WriteLine(Json(report, fpga).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return;
        }

        var c = TableLayout.Console(text.Writer, text.Width);
        c.WriteLine(Invariant($"{report.Name}: {(fpga ? "FPGA resources" : "45 nm ASIC area and energy")} per layer, per example; estimates, not measurements (docs/COST-MODEL.md, section 11)"));
        var (table, leftOut) = fpga ? FpgaTable(report, text.Width) : AsicTable(report, text.Width);
        c.Write(table);
        if (TableLayout.LeftOutNote(leftOut, text.Width) is string note) c.WriteLine(note);
        c.WriteLine(fpga
            ? Invariant($"Total: {Number(report.Luts, 0)} LUTs, {report.Bram36:N0} BRAM36, {report.Dsps:N0} DSPs, {report.StoredWeightBits:N0} stored weight bits, {report.CyclesPerSample:N0} cycles per example (layers one after another).")
            : Invariant($"Total: {Number(report.AreaSquareMicrometers / 1e6, 4)} mm2 (logic {Number(report.LogicAreaSquareMicrometers / 1e6, 4)} + weight SRAM {Number(report.MemoryAreaSquareMicrometers / 1e6, 4)}), {Number(report.EnergyPicojoules / 1000, 3)} nJ per example (compute {Number(report.ComputeEnergyPicojoules, 1)} pJ + weight reads {Number(report.MemoryEnergyPicojoules, 1)} pJ), {report.CyclesPerSample:N0} cycles."));
        c.WriteLine("Layers without multiply-accumulates (batch norm, pooling, activations, sums) are not listed: they are not charged.");
        c.WriteLine("Assumptions:");
        // A bullet list whose wrapped lines stay indented under their text.
        var list = new Grid().AddColumn(new GridColumn().NoWrap().PadLeft(2).PadRight(1)).AddColumn();
        foreach (string line in AcceleratorAssumptions.Lines(options, fpga))
        {
            list.AddRow(new Text("-"), new Text(line));
        }

        c.Write(list);
    }

    private static (Table Table, IReadOnlyList<string> LeftOut) FpgaTable(AcceleratorReport report, int? width)
    {
        LayoutColumn[] columns =
        [
            new("layer", 0, false), new("W/A", 1, false), new("datapath", 2, false), new("avg bits", 7), new("PE x SIMD", 8), new("gates", 10),
            new("popcount in", 11), new("adder bits", 12), new("LUTs", 3), new("BRAM36", 4), new("DSPs", 5), new("stored bits", 9), new("cycles", 6),
        ];
        var rows = report.Layers.Where(l => l.Datapath != Datapath.None).Select(l => (string[]?)[
            l.Name, $"{l.WeightEncoding}/{l.ActivationEncoding}", l.Datapath.ToString(), Number(l.AverageWeightBits, 3),
            Invariant($"{l.ProcessingElements} x {l.SimdLanes}"), Int(l.ProductGates), Int(l.PopcountInputs), Int(l.AdderBits),
            Number(l.Luts, 0), Int(l.Bram36), Int(l.Dsps), Int(l.StoredWeightBits), Int(l.CyclesPerSample)]).ToList();
        return TableLayout.Fit(columns, rows, width);
    }

    private static (Table Table, IReadOnlyList<string> LeftOut) AsicTable(AcceleratorReport report, int? width)
    {
        LayoutColumn[] columns =
        [
            new("layer", 0, false), new("W/A", 1, false), new("datapath", 2, false), new("avg bits", 7), new("PE x SIMD", 8), new("logic um2", 4),
            new("SRAM um2", 5), new("compute pJ", 9), new("weight reads pJ", 10), new("energy nJ", 3), new("cycles", 6),
        ];
        var rows = report.Layers.Where(l => l.Datapath != Datapath.None).Select(l => (string[]?)[
            l.Name, $"{l.WeightEncoding}/{l.ActivationEncoding}", l.Datapath.ToString(), Number(l.AverageWeightBits, 3),
            Invariant($"{l.ProcessingElements} x {l.SimdLanes}"), Number(l.LogicAreaSquareMicrometers, 0), Number(l.MemoryAreaSquareMicrometers, 0),
            Number(l.ComputeEnergyPicojoules, 1), Number(l.MemoryEnergyPicojoules, 1), Number(l.EnergyPicojoules / 1000, 3), Int(l.CyclesPerSample)]).ToList();
        return TableLayout.Fit(columns, rows, width);
    }

    private static JsonObject Json(AcceleratorReport report, bool fpga)
    {
        var layers = new JsonArray();
        foreach (var l in report.Layers)
        {
            var o = new JsonObject
            {
                ["name"] = l.Name, ["datapath"] = l.Datapath.ToString(), ["weights"] = l.WeightEncoding.ToString(), ["activations"] = l.ActivationEncoding.ToString(),
                ["average_weight_bits"] = l.AverageWeightBits, ["processing_elements"] = l.ProcessingElements, ["simd_lanes"] = l.SimdLanes,
                ["product_gates"] = l.ProductGates, ["popcount_inputs"] = l.PopcountInputs, ["adder_bits"] = l.AdderBits,
                ["scale_multipliers"] = l.ScaleMultipliers, ["float_multipliers"] = l.FloatMultipliers, ["float_adders"] = l.FloatAdders,
                ["stored_weight_bits"] = l.StoredWeightBits, ["cycles_per_sample"] = l.CyclesPerSample,
            };
            if (fpga)
            {
                (o["luts"], o["bram36"], o["dsps"]) = (l.Luts, l.Bram36, l.Dsps);
            }
            else
            {
                (o["logic_area_um2"], o["memory_area_um2"], o["compute_energy_pj"], o["memory_energy_pj"]) =
                    (l.LogicAreaSquareMicrometers, l.MemoryAreaSquareMicrometers, l.ComputeEnergyPicojoules, l.MemoryEnergyPicojoules);
            }

            layers.Add(o);
        }

        var totals = fpga
            ? new JsonObject { ["luts"] = report.Luts, ["bram36"] = report.Bram36, ["dsps"] = report.Dsps, ["stored_weight_bits"] = report.StoredWeightBits, ["cycles_per_sample"] = report.CyclesPerSample }
            : new JsonObject { ["area_um2"] = report.AreaSquareMicrometers, ["logic_area_um2"] = report.LogicAreaSquareMicrometers, ["memory_area_um2"] = report.MemoryAreaSquareMicrometers, ["energy_pj"] = report.EnergyPicojoules, ["compute_energy_pj"] = report.ComputeEnergyPicojoules, ["memory_energy_pj"] = report.MemoryEnergyPicojoules, ["cycles_per_sample"] = report.CyclesPerSample };
        return new JsonObject
        {
            ["model"] = report.Name,
            ["target"] = fpga ? "fpga" : "asic",
            ["architecture"] = report.Options.Architecture.ToString().ToLowerInvariant(),
            ["processing_elements"] = report.Options.ProcessingElements,
            ["simd_lanes"] = report.Options.SimdLanes,
            ["layers"] = layers,
            ["totals"] = totals,
            ["assumptions"] = new JsonArray(AcceleratorAssumptions.Lines(report.Options, fpga).Select(s => (JsonNode)s).ToArray()),
        };
    }

    private static string Int(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Number(double value, int decimals) => value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
