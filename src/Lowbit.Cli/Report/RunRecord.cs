using System.Text.Json;
using System.Text.Json.Nodes;
using Lowbit.Hardware;
using Lowbit.Hardware.ModelCost;
using Lowbit.Training;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;

namespace Lowbit.Cli.Report;

/// <summary>The cost model's view of a run's network, and where the network came from.</summary>
/// <param name="Description">Per-layer details (module, parameters by bit width).</param>
/// <param name="Report">Per-layer and total costs.</param>
/// <param name="Source">"checkpoint.lbck", or the config file (and overrides) it was built from.</param>
internal sealed record RunCost(ModelCostDescription Description, CostReport Report, string Source);

/// <summary>
/// One run folder for <c>lowbit report</c>: its metrics.csv (learning curves), result.json (when the run finished) and
/// the cost of its network, from the checkpoint (trained bit maps and assignments) or else from the config that
/// result.json names with the --set overrides of a command.txt beside it.
/// </summary>
internal sealed class RunRecord
{
    private RunRecord(string folder, MetricsTable metrics, JsonObject? result, RunCost? cost, string? costNote)
    {
        Folder = folder;
        Metrics = metrics;
        Result = result;
        Cost = cost;
        CostNote = costNote;
    }

    /// <summary>The run folder as given or found.</summary>
    public string Folder { get; }

    /// <summary>metrics.csv.</summary>
    public MetricsTable Metrics { get; }

    /// <summary>result.json, or null while the run has not finished.</summary>
    public JsonObject? Result { get; }

    /// <summary>Per-layer costs, or null (see <see cref="CostNote"/>).</summary>
    public RunCost? Cost { get; }

    /// <summary>Why there is no cost table, or null.</summary>
    public string? CostNote { get; }

    /// <summary>A language model (perplexity metrics).</summary>
    public bool IsLanguageModel => Metrics.IsLanguageModel;

    /// <summary>Config name (result.json "model"), else the folder's name.</summary>
    public string Model => Text("model") ?? System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(Folder));

    /// <summary>Dataset name, or "?" before result.json exists.</summary>
    public string Dataset => Text("dataset") ?? "?";

    /// <summary>result.json's seed, or null.</summary>
    public int? Seed => Result?["seed"] is JsonValue v && v.TryGetValue(out int seed) ? seed : null;

    /// <summary>A numeric field of result.json, or null.</summary>
    public double? Number(string field) => Result?[field] is JsonValue v && v.TryGetValue(out double d) ? d : null;

    /// <summary>Average weight bits: the cost model's, else result.json's weight_bits_avg (or recurrent_weight_bits).</summary>
    public double? WeightBits => Cost?.Report.Totals.AverageWeightBits ?? Number("weight_bits_avg") ?? Number("recurrent_weight_bits");

    /// <summary>Label of a run in legends: the model, with its seed when known.</summary>
    public string Label => Seed is int s ? $"{Model} (seed {s})" : Model;

    /// <summary>Reads a run folder (it must hold metrics.csv).</summary>
    /// <exception cref="InvalidDataException">metrics.csv or result.json is malformed.</exception>
    public static RunRecord Load(string folder)
    {
        var metrics = MetricsTable.Read(System.IO.Path.Combine(folder, "metrics.csv"));
        string resultPath = System.IO.Path.Combine(folder, "result.json");
        JsonObject? result = null;
        if (File.Exists(resultPath))
        {
            try
            {
                result = JsonNode.Parse(File.ReadAllText(resultPath)) as JsonObject ?? throw new InvalidDataException($"{resultPath}: not a JSON object.");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{resultPath}: invalid JSON ({e.Message.Split(". ")[0]}).");
            }
        }

        var (cost, note) = LoadCost(folder, result);
        return new RunRecord(folder, metrics, result, cost, note);
    }

    /// <summary>The run folders under each argument: itself when it holds metrics.csv, else every folder below that does.</summary>
    /// <exception cref="UserException">An argument does not exist or holds no run.</exception>
    public static List<string> Find(IEnumerable<string> arguments)
    {
        var folders = new List<string>();
        foreach (string argument in arguments)
        {
            if (!Directory.Exists(argument)) throw new UserException($"run folder '{argument}' does not exist.");
            if (File.Exists(System.IO.Path.Combine(argument, "metrics.csv")))
            {
                folders.Add(argument);
                continue;
            }

            var found = Directory.EnumerateFiles(argument, "metrics.csv", SearchOption.AllDirectories)
                .Select(f => System.IO.Path.GetDirectoryName(f)!).Order(StringComparer.Ordinal).ToList();
            if (found.Count == 0) throw new UserException($"'{argument}' holds no run: no metrics.csv in it or below it (lowbit train writes one per run).");
            folders.AddRange(found);
        }

        return folders.Distinct(StringComparer.Ordinal).ToList();
    }

    private string? Text(string field) => Result?[field] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private static (RunCost? Cost, string? Note) LoadCost(string folder, JsonObject? result)
    {
        string checkpoint = System.IO.Path.Combine(folder, Trainer.CheckpointFile);
        try
        {
            if (File.Exists(checkpoint))
            {
                var loaded = CheckpointModel.Load(checkpoint);
                return (Describe(loaded.Model, loaded.InputShape, loaded.Config.Name, Trainer.CheckpointFile), null);
            }

            if (result?["config"] is not JsonValue v || !v.TryGetValue(out string? configName))
                return (null, "no checkpoint.lbck, and result.json names no config");
            string beside = System.IO.Path.Combine(folder, configName);
            string path = File.Exists(beside) ? beside : Paths.ResolveConfig(configName);
            var overrides = CommandOverrides(folder);
            var config = ConfigLoader.Load(path, overrides);
            var model = ModelBuilder.Build(config, DataResolver.InputShape(config.Data));
            model.Eval();
            string source = $"{System.IO.Path.GetFileName(path)}{(overrides.Count > 0 ? " with " + string.Join(" ", overrides.Select(o => "--set " + o)) : "")} (untrained: no checkpoint.lbck)";
            return (Describe(model, DataResolver.InputShape(config.Data), config.Name, source), null);
        }
        catch (Exception e) when (CliApp.IsUserError(e) || e is ArgumentException or NotSupportedException)
        {
            return (null, Lowbit.Training.ErrorText.OneLine(e.Message));
        }
    }

    private static RunCost Describe(Lowbit.Nn.Layers.Sequential model, int[] inputShape, string name, string source)
    {
        var description = ModelCostMapper.Describe(model, inputShape, name);
        return new RunCost(description, CostModel.Estimate(description.Network), source);
    }

    /// <summary>The "--set X" values of the command.txt that run scripts keep beside a run (none without one).</summary>
    private static List<string> CommandOverrides(string folder)
    {
        string path = System.IO.Path.Combine(folder, "command.txt");
        if (!File.Exists(path)) return [];
        var words = File.ReadAllText(path).Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
        var overrides = new List<string>();
        for (int i = 0; i + 1 < words.Length; i++)
        {
            if (words[i] == "--set") overrides.Add(words[i + 1].Trim('\'', '"'));
        }

        return overrides;
    }
}
