using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Lowbit.Hardware;
using Lowbit.Hardware.Accelerators;
using Lowbit.Hardware.ModelCost;
using Lowbit.Nn.Layers;
using Lowbit.Training;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;
using Spectre.Console;

namespace Lowbit.Cli.Commands;

/// <summary>
/// <c>lowbit summary</c>: per-layer parameters by bit width, weight memory, MACs, BOPs and a 45 nm energy estimate of
/// a config's model or a checkpoint's model (per example), as a table or as the cost-report JSON.
/// </summary>
internal static class SummaryCommand
{
    public static Command Create(TextWriter output)
    {
        var config = new Option<string?>("--config", "-c") { Description = "Experiment config (JSON) whose model to summarise." };
        var set = new Option<string[]>("--set") { Description = "Override a config field, e.g. --set layers.1.units=512 (repeatable; with --config only).", AllowMultipleArgumentsPerToken = false, DefaultValueFactory = _ => [] };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Checkpoint written by lowbit train (DIR/checkpoint.lbck): summarise its model with its saved config and weights." };
        var json = new Option<bool>("--json") { Description = "Print the cost report as JSON (every column, see docs/COST-MODEL.md) instead of the table." };
        var hardware = new Option<string?>("--hardware") { Description = "Instead of the cost table, estimate FPGA resources (fpga: LUTs, BRAM36, DSPs) or 45 nm ASIC area and energy (asic) per layer, with the assumptions." };
        hardware.AcceptOnlyFromAmong(HardwareSummary.Targets);
        var architecture = new Option<string>("--architecture") { Description = "Accelerator layout for --hardware: unrolled (hardwired weights), folded (PE x SIMD bit-parallel array) or bitserial.", DefaultValueFactory = _ => "folded" };
        architecture.AcceptOnlyFromAmong(HardwareSummary.Architectures);
        var pe = new Option<int>("--pe") { Description = "Processing elements (output channels in parallel) of a folded or bit-serial array.", DefaultValueFactory = _ => AcceleratorOptions.Default.ProcessingElements };
        var simd = new Option<int>("--simd") { Description = "Inputs per processing element per cycle of a folded or bit-serial array.", DefaultValueFactory = _ => AcceleratorOptions.Default.SimdLanes };
        var width = CliOptions.OptionalWholeNumber("--width", "Lay the tables out for this many columns (default: the terminal's width; every column when not a terminal).", 40, TableLayout.Unlimited);
        var cmd = new Command("summary", "Show a model's cost per layer: parameters by bit width, weight memory, MACs, BOPs, energy estimate; or FPGA / ASIC estimates with --hardware.") { config, set, checkpoint, json, hardware, architecture, pe, simd, width };
        cmd.SetAction(parse =>
        {
            string? target = parse.GetValue(hardware);
            var accelerator = target is null ? null : HardwareSummary.Options(parse.GetValue(architecture)!, parse.GetValue(pe), parse.GetValue(simd));
            var text = new TextOutput(output, TableLayout.WidthFor(output, parse.GetValue(width)));
            return Run(parse.GetValue(config), parse.GetValue(set) ?? [], parse.GetValue(checkpoint), parse.GetValue(json), text, target, accelerator);
        });
        return cmd;
    }

    /// <summary>Where the tables go and the width they are laid out for (null: every column).</summary>
    internal sealed record TextOutput(TextWriter Writer, int? Width);

    private static int Run(string? configPath, string[] overrides, string? checkpointPath, bool json, TextOutput text, string? hardware = null, AcceleratorOptions? accelerator = null)
    {
        var (config, model, inputShape) = LoadModel(configPath, overrides, checkpointPath);
        ModelCostDescription description;
        try
        {
            description = ModelCostMapper.Describe(model, inputShape, config.Name);
        }
        catch (ArgumentException e)
        {
            // The model came from the user's config: a layer the cost model cannot describe is an input problem.
            throw new UserException($"{config.Source}: {e.Message}");
        }

        if (hardware is not null)
        {
            HardwareSummary.Write(description.Network, hardware, accelerator!, json, text);
            return ExitCodes.Ok;
        }

        var report = CostModel.Estimate(description.Network);
        var (packedBytes, packedNote) = PackedFileSize(config, model, inputShape, checkpointPath);
        string? assignmentNote = PendingAssignmentNote(config);
        if (json)
        {
            var node = JsonNode.Parse(CostReportJsonWriter.ToJson(report))!.AsObject();
            node["packed_file_bytes"] = packedBytes;
            node["packed_file_note"] = packedNote;
            if (assignmentNote is not null) node["bit_assignment_note"] = assignmentNote;
            text.Writer.WriteLine(node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            var console = TableLayout.Console(text.Writer, text.Width);
            WriteTable(description, report, config.Data.IsText ? $"one token of a {inputShape[0]}-token vocabulary, counts per token (one time step)" : $"input {Shape(inputShape)}, counts per example", console, text.Width);
            console.WriteLine(packedBytes is long bytes
                ? Invariant($"Packed model file (lowbit export, docs/FORMAT.md): {Integer(bytes)} bytes ({packedNote})")
                : $"Packed model file: not packable ({packedNote})");
            if (assignmentNote is not null) console.WriteLine(assignmentNote);
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// For a config whose "bit_assignment" is pdb without a result yet: the layers' weight bits are chosen when
    /// training starts (they need the data), so the table shows the model before the assignment. Null otherwise.
    /// </summary>
    internal static string? PendingAssignmentNote(ExperimentConfig config) =>
        config.BitAssignment is { Method: "pdb", Result: null } pdb
            ? Invariant($"Bit assignment pending: \"bit_assignment\" is pdb (budget {pdb.BudgetBits:0.###} average weight bits, candidates {string.Join("/", pdb.Candidates)}); lowbit train chooses each assigned layer's bits after {pdb.PretrainEpochs} pre-training epoch(s), so the rows above show the layers before the assignment. For the assigned bits: lowbit summary --checkpoint OUT/checkpoint.lbck of a trained run.")
            : null;

    /// <summary>
    /// The exact size of the file <c>lowbit export</c> writes for this model, or null and the reason when it cannot be
    /// packed. The metadata names the checkpoint file: the given one, or "checkpoint.lbck" (what lowbit train writes).
    /// </summary>
    private static (long? Bytes, string Note) PackedFileSize(ExperimentConfig config, Sequential model, int[] inputShape, string? checkpointPath)
    {
        string name = checkpointPath is null ? "checkpoint.lbck" : Path.GetFileName(checkpointPath);
        try
        {
            long bytes = Lowbit.Inference.Export.PackedSizePredictor.Predict(model, inputShape, CheckpointPacking.Metadata(config, name));
            return (bytes, $"metadata names checkpoint '{name}'");
        }
        catch (NotSupportedException e)
        {
            return (null, e.Message);
        }
    }

    private static (ExperimentConfig Config, Sequential Model, int[] InputShape) LoadModel(string? configPath, string[] overrides, string? checkpointPath)
    {
        if ((configPath is null) == (checkpointPath is null))
        {
            throw new UserException("summary needs exactly one of --config FILE or --checkpoint FILE.");
        }

        if (configPath is not null)
        {
            var config = ConfigLoader.Load(Paths.ResolveConfig(configPath), overrides);
            var shape = DataResolver.InputShape(config.Data);
            var model = ModelBuilder.Build(config, shape);
            model.Eval();
            return (config, model, shape);
        }

        if (overrides.Length > 0)
        {
            throw new UserException("--set applies to --config only; a checkpoint is summarised with the config saved in it.");
        }

        var loaded = CheckpointModel.Load(checkpointPath!);
        return (loaded.Config, loaded.Model, loaded.InputShape);
    }

    private static void WriteTable(ModelCostDescription description, CostReport report, string inputLabel, IAnsiConsole console, int? width)
    {
        console.WriteLine(Invariant($"{report.Name}: {inputLabel}; energy is a 45 nm estimate (docs/COST-MODEL.md)"));
        var (table, leftOut) = TableLayout.Fit(Columns, Rows(description, report), width);
        console.Write(table);
        if (TableLayout.LeftOutNote(leftOut, width) is string note) console.WriteLine(note);
        foreach (string line in FooterLines(description, report))
        {
            console.WriteLine(line);
        }
    }

    /// <summary>
    /// The cost table's columns; at a narrow width the layer, its encodings, average bits, memory, MACs and the module
    /// (wrapped) are kept first, and the footer lines give every total.
    /// </summary>
    internal static readonly LayoutColumn[] Columns =
    [
        new("layer", 0, false), new("module", 5, false, WrapWidth: 26), new("output", 8, false), new("W/A", 1, false), new("parameters × bits", 9, false),
        new("avg bits", 2), new("payload bits", 11), new("metadata bits", 12), new("memory bits", 10), new("memory bytes", 3),
        new("MACs", 4), new("BOPs", 7), new("energy nJ", 6),
    ];

    /// <summary>The cost table's cells, one row per costed layer, then an empty row (null) and the totals.</summary>
    internal static List<string[]?> Rows(ModelCostDescription description, CostReport report)
    {
        var rows = new List<string[]?>();
        for (int i = 0; i < report.Layers.Count; i++)
        {
            var row = report.Layers[i];
            var layer = description.Layers[i];
            rows.Add([
                row.Name, layer.Description, Shape(layer.OutputShape),
                row.Macs == 0 && row.Weights == 0 ? "-" : $"{row.WeightEncoding}/{row.ActivationEncoding}",
                ParametersByBits(layer.ParametersByBits),
                row.Weights == 0 ? "-" : Fixed(row.AverageWeightBits, 3),
                Integer(row.PayloadBits), Integer(row.MetadataBits), Integer(row.TotalBits), Integer(row.TotalBytes),
                Integer(row.Macs), Fixed(row.Bops, 0), Fixed(row.TotalEnergyPicojoules / 1000, 3)]);
        }

        var t = report.Totals;
        rows.Add(null);
        rows.Add([
            "total", "", "", "", ParametersByBits(TotalParametersByBits(description)), Fixed(t.AverageWeightBits, 3),
            Integer(t.PayloadBits), Integer(t.MetadataBits), Integer(t.TotalBits), Integer(t.TotalBytes),
            Integer(t.Macs), Fixed(t.Bops, 0), Fixed(t.TotalEnergyPicojoules / 1000, 3)]);
        return rows;
    }

    private static IEnumerable<string> FooterLines(ModelCostDescription description, CostReport report)
    {
        var t = report.Totals;
        long parameters = description.Layers.Sum(l => l.ParametersByBits.Sum(p => p.Value));
        yield return Invariant($"Parameters: {Integer(parameters)} ({ParametersByBits(TotalParametersByBits(description))})");
        yield return Invariant($"Weight memory: {Integer(t.TotalBits)} bits = {Integer(t.TotalBytes)} bytes (payload {Integer(t.PayloadBits)} + metadata {Integer(t.MetadataBits)} + scales {Integer(t.ScaleBits)} + other float {Integer(t.OtherFloatBits)} bits); float32: {Integer(t.Float32BaselineBytes)} bytes; compression {(t.CompressionRatio is double r ? Fixed(r, 2) + "x" : "-")}");
        yield return Invariant($"Average weight bits: {Fixed(t.AverageWeightBits, 3)} over {Integer(t.Weights)} weights");
        yield return Invariant($"MACs: {Integer(t.Macs)}; BOPs: {Fixed(t.Bops, 0)}; HBB binary work: {Integer(t.BinaryWork)}; FP32-equivalent BOPs: {Integer(t.Fp32EquivalentBops)}; scale multiplications: {Integer(t.ScaleMultiplications)}");
        yield return Invariant($"Peak activation memory: {Integer((long)Math.Ceiling(t.PeakActivationBits))} bits at '{t.PeakActivationLayer ?? "input"}'");
        yield return Invariant($"Estimated energy: {Fixed(t.TotalEnergyPicojoules / 1000, 3)} nJ = compute {Fixed(t.ComputeEnergyPicojoules, 1)} pJ + weight reads ({report.Options.WeightMemory}) {Fixed(t.MemoryEnergyPicojoules, 1)} pJ");
    }

    private static IReadOnlyList<KeyValuePair<int, long>> TotalParametersByBits(ModelCostDescription description) =>
        description.Layers.SelectMany(l => l.ParametersByBits)
            .GroupBy(p => p.Key)
            .OrderBy(g => g.Key)
            .Select(g => KeyValuePair.Create(g.Key, g.Sum(p => p.Value)))
            .ToList();

    private static string ParametersByBits(IReadOnlyList<KeyValuePair<int, long>> counts) =>
        counts.Count == 0 ? "-" : string.Join(" + ", counts.Select(p => Invariant($"{Integer(p.Value)}×{p.Key}b")));

    private static string Integer(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Fixed(double value, int decimals) => value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    internal static string Shape(IEnumerable<int> shape) => "[" + string.Join(", ", shape) + "]";

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
