using System.Text.Json.Nodes;
using Lowbit.Nn;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

/// <summary>Every registered layer type builds from a config, chains shapes and declares its cost.</summary>
public class LayerRegistryTests
{
    /// <summary>One example per layer type: the entry and a per-example input shape. Adding a type without an example fails.</summary>
    private static readonly Dictionary<string, (string Entry, int[] Shape)> s_examples = new()
    {
        ["flatten"] = ("""{ "type": "flatten" }""", [2, 3, 3]),
        ["dense"] = ("""{ "type": "dense", "units": 4, "weight_quantizer": "ste_sign", "weight_clip": 1 }""", [6]),
        ["conv2d"] = ("""{ "type": "conv2d", "filters": 4, "kernel_size": 3, "padding": 1 }""", [2, 5, 5]),
        ["depthwise_conv2d"] = ("""{ "type": "depthwise_conv2d", "depth_multiplier": 2, "padding": 1, "pad_value": -1 }""", [3, 4, 4]),
        ["global_avg_pool"] = ("""{ "type": "global_avg_pool" }""", [3, 4, 4]),
        ["residual"] = ("""{ "type": "residual", "body": [ { "type": "conv2d", "filters": 4, "stride": 2, "padding": 1 } ], "shortcut": "conv" }""", [2, 6, 6]),
        ["batch_norm"] = ("""{ "type": "batch_norm" }""", [2, 3, 3]),
        ["shift_batch_norm"] = ("""{ "type": "shift_batch_norm" }""", [6]),
        ["relu"] = ("""{ "type": "relu" }""", [6]),
        ["hardtanh"] = ("""{ "type": "hardtanh" }""", [6]),
        ["dropout"] = ("""{ "type": "dropout", "rate": 0.2 }""", [6]),
        ["max_pool"] = ("""{ "type": "max_pool" }""", [2, 4, 4]),
        ["avg_pool"] = ("""{ "type": "avg_pool", "pool_size": 2 }""", [2, 4, 4]),
        ["shift_conv2d"] = ("""{ "type": "shift_conv2d", "filters": 4, "padding": 1 }""", [9, 5, 5]),
        ["shift_attention_conv2d"] = ("""{ "type": "shift_attention_conv2d", "filters": 4, "padding": 1, "shared": true }""", [3, 5, 5]),
        ["quant_activation"] = ("""{ "type": "quant_activation", "quantizer": "ste_sign" }""", [6]),
        ["embedding"] = ("""{ "type": "embedding", "units": 4, "weight_quantizer": { "type": "linear_quant", "bits": 4 } }""", [10]),
        ["lstm"] = ("""{ "type": "lstm", "units": 4, "layers": 2, "weight_quantizer": "ste_sign", "hidden_quantizer": "ste_sign" }""", [3]),
        ["gru"] = ("""{ "type": "gru", "units": 4, "gate_quantizer": { "type": "dorefa_act", "bits": 2 } }""", [3]),
        ["decoder"] = ("""{ "type": "decoder" }""", [4]),
    };

    /// <summary>The data section of examples that need one (language-model layers need a text dataset).</summary>
    private static readonly Dictionary<string, string> s_data = new()
    {
        ["embedding"] = """{ "dataset": "ptb", "vocabulary": 10 }""",
        ["lstm"] = """{ "dataset": "ptb", "vocabulary": 10 }""",
        ["gru"] = """{ "dataset": "ptb", "vocabulary": 10 }""",
        ["decoder"] = """{ "dataset": "ptb", "vocabulary": 10 }""",
    };

    [Fact]
    public void Examples_CoverEveryRegisteredType()
    {
        Assert.Equal(LayerRegistry.Names.Order(StringComparer.Ordinal), s_examples.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryType_BuildsAndDeclaresCost_WeightedExactlyWhenQuantizable()
    {
        foreach (var name in LayerRegistry.Names)
        {
            var (entry, shape) = s_examples[name];
            string data = s_data.TryGetValue(name, out var d) ? $", \"data\": {d}" : "";
            var config = ConfigLoader.Parse($$"""{ "name": "t", "layers": [ {{entry}} ]{{data}} }""", name + ".json");
            var model = ModelBuilder.Build(config, shape);
            var operations = CostWalker.Operations(model, shape);
            // The entry's own module is at path "0"; nested layers (a residual body) are entries of their own.
            bool quantizable = LayerRegistry.Find(name)!.Quantizable;
            int own = operations.Count(o => o.Path == "0" && o.Operation.IsWeighted);
            Assert.True(quantizable == own > 0, $"{name}: quantizable {quantizable} but {own} weighted operations of its own");
            foreach (var o in operations.Where(o => o.Operation.IsWeighted))
                Assert.Equal(o.Operation.OutputPositions * (o.Operation.WeightElements - o.Operation.PrunedConnections), o.Operation.Macs);
        }
    }

    [Fact]
    public void UnknownType_ListsRegisteredTypes()
    {
        var config = ConfigLoader.Parse("""{ "name": "t", "layers": [ { "type": "transformer" } ] }""", "t.json");
        var e = Assert.Throws<ConfigException>(() => ModelBuilder.Build(config, [6]));
        Assert.Contains("layers[0].type", e.Message);
        foreach (var name in LayerRegistry.Names) Assert.Contains(name, e.Message);
    }

    [Fact]
    public void QuantizableEntries_SkipUnknownAndNonWeightedEntries()
    {
        var layers = JsonNode.Parse("""[ { "type": "flatten" }, { "type": "dense", "units": 3 }, { "type": "what" }, { "type": "conv2d" } ]""")!.AsArray();
        var entries = LayerRegistry.QuantizableEntries(layers);
        Assert.Equal(["dense", "conv2d"], entries.Select(e => e["type"]!.GetValue<string>()).ToArray());
    }
}
