using System.Text.Json.Nodes;

namespace Lowbit.Training.Config;

/// <summary>
/// The config's optional <c>"bit_assignment"</c> block: per-layer weight bitwidths for the progressively decreasing
/// bitwidth scheme (PDB, Chu et al., arXiv 1912.12656), either given as a staircase or chosen automatically from each layer's
/// feature separability under a memory budget.
/// </summary>
/// <remarks>
/// <code>
/// "bit_assignment": {
///   "method": "pdb",                                  // or "staircase"
///   "weight_quantizer": { "type": "dorefa_weight" },  // template; "bits" is set per layer
///   "layers": [0, 1, 2, 3],                           // quantizable layers (dense/conv, 0-based) to assign; default all
///   "bits": [4, 3, 2, 2],                             // staircase only: one per assigned layer, non-increasing
///   "budget_bits": 2.0,                               // pdb only: weight-count-weighted average bits allowed
///   "candidates": [1, 2, 3, 4],                       // pdb only (default 1..8)
///   "calibration_images": 1000,                       // pdb only: first N training images (default 1000)
///   "pretrain_epochs": 1                              // pdb only: epochs with full-precision weights first (default 1)
/// }
/// </code>
/// Lowbit writes the outcome into the resolved config as <c>"result"</c> (bits per assigned layer, separability,
/// average bits); a block that has a result is not assigned again (resume, or a re-run of a resolved config). A
/// staircase is resolved when the config is loaded (so summary, bench and export see its quantizers); pdb when the
/// trainer starts (it needs the data).
/// </remarks>
/// <param name="Method">"pdb" or "staircase".</param>
/// <param name="WeightQuantizer">Quantizer template (an object with "type"); its "bits" option is set per layer.</param>
/// <param name="Layers">Quantizable-layer indices (dense/conv order) to assign, ascending; null = all.</param>
/// <param name="Bits">Staircase bits per assigned layer, or null for pdb.</param>
/// <param name="BudgetBits">pdb: average weight bits allowed over the assigned layers.</param>
/// <param name="Candidates">pdb: allowed bitwidths.</param>
/// <param name="CalibrationImages">pdb: training images whose features are measured.</param>
/// <param name="PretrainEpochs">pdb: epochs of training with full-precision weights before measuring (0 = at initialisation).</param>
/// <param name="Result">The assignment already made (bits per assigned layer), or null.</param>
public sealed record BitAssignmentConfig(
    string Method, JsonObject WeightQuantizer, int[]? Layers, int[]? Bits, double BudgetBits, int[] Candidates,
    int CalibrationImages, int PretrainEpochs, int[]? Result)
{
    /// <summary>Allowed methods.</summary>
    public static readonly string[] Methods = ["pdb", "staircase"];

    /// <summary>Reads and validates the block (layer indices are checked against <paramref name="layers"/>).</summary>
    internal static BitAssignmentConfig Parse(JsonFields f, JsonArray layers)
    {
        string method = f.String("method", "", Methods);
        if (method.Length == 0) throw f.Error("method", $"is required: one of {string.Join(", ", Methods)}.");
        if (f.Raw("weight_quantizer") is not JsonObject template || template["type"] is not JsonValue)
            throw f.Error("weight_quantizer", "must be a quantizer object with a \"type\" (e.g. {\"type\": \"dorefa_weight\"}); its \"bits\" is set per layer.");
        if (template.ContainsKey("bits")) throw f.Error("weight_quantizer", "must not set \"bits\": the assignment sets it per layer.");
        int quantizable = CountQuantizable(layers);
        if (quantizable == 0) throw f.Error("layers", "cannot apply: the model has no dense or conv2d layer.");
        int[]? chosen = f.Has("layers") ? f.IntArray("layers", []) : Skip(f, "layers");
        if (chosen is not null)
        {
            if (chosen.Length == 0) throw f.Error("layers", "must list at least one quantizable layer index.");
            for (int i = 0; i < chosen.Length; i++)
            {
                if (chosen[i] < 0 || chosen[i] >= quantizable) throw f.Error("layers", $"has {chosen[i]}; quantizable (dense/conv2d) layer indices are 0..{quantizable - 1}.");
                if (i > 0 && chosen[i] <= chosen[i - 1]) throw f.Error("layers", "must be strictly ascending (input to output).");
            }
        }
        int assigned = chosen?.Length ?? quantizable;
        int[]? bits = null;
        double budget = 0;
        int[] candidates = [1, 2, 3, 4, 5, 6, 7, 8];
        int calibration = 1000, pretrain = 1;
        if (method == "staircase")
        {
            bits = f.IntArray("bits", []);
            CheckStaircase(f, "bits", bits, assigned);
        }
        else
        {
            budget = f.Double("budget_bits", 0, 0, 32);
            if (!(budget > 0)) throw f.Error("budget_bits", "is required for method pdb (average weight bits, e.g. 2.0).");
            candidates = f.IntArray("candidates", candidates);
            if (candidates.Length == 0 || candidates.Any(b => b < 1 || b > 32)) throw f.Error("candidates", "must list bitwidths in 1..32.");
            calibration = f.Int("calibration_images", 1000, 2, 1 << 20);
            pretrain = f.Int("pretrain_epochs", 1, 0, 1000);
        }
        int[]? result = null;
        if (f.Has("result"))
        {
            var r = new JsonFields(f.Raw("result"), f.Field("result"), f.Source);
            result = r.IntArray("bits", []);
            CheckStaircase(r, "bits", result, assigned);
            r.Raw("separability");
            r.Raw("average_bits");
            r.Raw("parameters");
            r.EnsureAllRead();
        }
        else
        {
            f.Raw("result");
        }
        f.EnsureAllRead();
        return new BitAssignmentConfig(method, template, chosen, bits, budget, candidates, calibration, pretrain, result);
    }

    /// <summary>Sets each assigned layer's weight_quantizer in <paramref name="layers"/> to the template with its bits.</summary>
    internal void ApplyTo(JsonArray layers, int[] bits)
    {
        var entries = QuantizableEntries(layers);
        var assigned = Layers ?? Enumerable.Range(0, entries.Count).ToArray();
        for (int i = 0; i < assigned.Length; i++)
        {
            var quantizer = (JsonObject)WeightQuantizer.DeepClone();
            quantizer["bits"] = JsonValue.Create((double)bits[i]); // numbers in configs are read as double
            entries[assigned[i]]["weight_quantizer"] = quantizer;
        }
    }

    /// <summary>
    /// A staircase needs no data, so the loader resolves it at once: the layers get their quantizers and the block
    /// (<paramref name="block"/>, inside the config's JSON) gets <c>"result": {"bits": …}</c>.
    /// </summary>
    internal BitAssignmentConfig ResolveStaircase(JsonObject block, JsonArray layers)
    {
        ApplyTo(layers, Bits!);
        block["result"] = new JsonObject { ["bits"] = new JsonArray(Bits!.Select(b => (JsonNode)JsonValue.Create((double)b)).ToArray()) };
        return this with { Result = Bits };
    }

    /// <summary>Number of dense/conv2d entries in a layer list.</summary>
    internal static int CountQuantizable(JsonArray layers) => QuantizableEntries(layers).Count;

    /// <summary>The dense/conv2d entries of a layer list, in evaluation order (nested lists included).</summary>
    internal static List<JsonObject> QuantizableEntries(JsonArray layers) => LayerRegistry.QuantizableEntries(layers);

    private static void CheckStaircase(JsonFields f, string key, int[] bits, int assigned)
    {
        if (bits.Length != assigned) throw f.Error(key, $"has {bits.Length} entries but {assigned} layers are assigned; give one bitwidth per assigned layer.");
        for (int i = 0; i < bits.Length; i++)
        {
            if (bits[i] < 1 || bits[i] > 32) throw f.Error(key, $"has {bits[i]} bits at position {i}; allowed 1..32.");
            if (i > 0 && bits[i] > bits[i - 1]) throw f.Error(key, $"must not increase with depth (PDB): {bits[i - 1]} then {bits[i]} at position {i}.");
        }
    }

    private static int[]? Skip(JsonFields f, string key)
    {
        f.Raw(key);
        return null;
    }
}
