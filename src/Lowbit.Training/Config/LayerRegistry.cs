using System.Text.Json.Nodes;
using Lowbit.Nn.Layers;
using Lowbit.Training.Config.Layers;

namespace Lowbit.Training.Config;

/// <summary>
/// Every layer type a config may use, declared once. To add a layer: write the module in Lowbit.Nn (forward pass,
/// <c>OutputShape</c>, <c>Cost</c>), then add one <see cref="LayerType"/> entry here whose builder reads the layer's
/// fields (a lambda for a few fields, or a small class in Config/Layers). Summary, cost model, statistics,
/// regularisers, precision overrides and bit assignment then know the layer.
/// </summary>
internal static class LayerRegistry
{
    private static readonly LayerType[] s_types =
    [
        new("flatten", _ => new Flatten(), Write: (m, _) => m is Flatten ? [] : null),
        new("dense", WeightedLayers.Dense, Quantizable: true, Write: WeightedLayers.WriteDense),
        new("conv2d", WeightedLayers.Conv2d, Quantizable: true, Write: WeightedLayers.WriteConv2d),
        new("depthwise_conv2d", WeightedLayers.DepthwiseConv2d, Quantizable: true),
        new("shift_conv2d", ShiftLayers.ShiftConv2d, Quantizable: true, Write: ShiftLayers.WriteShiftConv2d),
        new("shift_attention_conv2d", ShiftLayers.ShiftAttentionConv2d, Quantizable: true, Write: ShiftLayers.WriteShiftAttentionConv2d),
        new("batch_norm", BasicLayers.BatchNorm, Write: BasicLayers.WriteBatchNorm),
        new("shift_batch_norm", BasicLayers.ShiftBatchNorm, Write: BasicLayers.WriteShiftBatchNorm),
        new("relu", _ => new Relu(), Write: (m, _) => m is Relu ? [] : null),
        new("hardtanh", _ => new HardTanh(), Write: (m, _) => m is HardTanh ? [] : null),
        new("dropout", c => new Dropout(c.Fields.Double("rate", 0.5, 0, 0.999)), Write: (m, _) => m is Dropout d ? new() { ["rate"] = d.Probability } : null),
        new("max_pool", BasicLayers.MaxPool, Write: BasicLayers.WriteMaxPool),
        new("avg_pool", BasicLayers.AvgPool, Write: BasicLayers.WriteAvgPool),
        new("global_avg_pool", _ => new GlobalAvgPool2d(), Write: (m, _) => m is GlobalAvgPool2d ? [] : null),
        new("residual", ResidualLayer.Create, NestedLayers: ResidualLayer.Nested, Write: ResidualLayer.Write),
        new("quant_activation", c => new QuantActivation(c.Quantizer("quantizer") ?? throw c.Fields.Error("quantizer", "is required for quant_activation.")),
            Write: (m, w) => m is QuantActivation q ? new() { ["quantizer"] = w.Quantizer(q.Quantizer, "quantizer") } : null),
        new("embedding", SequenceLayers.CreateEmbedding, Write: SequenceLayers.WriteEmbedding),
        new("lstm", c => SequenceLayers.CreateRecurrent(c, "lstm"), Quantizable: true, Write: (m, w) => SequenceLayers.WriteRecurrent(m, w, "lstm")),
        new("gru", c => SequenceLayers.CreateRecurrent(c, "gru"), Quantizable: true, Write: (m, w) => SequenceLayers.WriteRecurrent(m, w, "gru")),
        new("decoder", SequenceLayers.CreateDecoder, Quantizable: true, Write: SequenceLayers.WriteDecoder),
    ];

    private static readonly Dictionary<string, LayerType> s_byName = s_types.ToDictionary(t => t.Name, StringComparer.Ordinal);

    /// <summary>All layer types, in declaration order.</summary>
    public static IReadOnlyList<LayerType> Types => s_types;

    /// <summary>Names of all layer types, in declaration order.</summary>
    public static IReadOnlyList<string> Names { get; } = s_types.Select(t => t.Name).ToArray();

    /// <summary>The type named <paramref name="name"/>, or null.</summary>
    public static LayerType? Find(string name) => s_byName.GetValueOrDefault(name);

    /// <summary>
    /// The quantizable entries (dense, conv2d, ...) of a config layer list in evaluation order, nested lists included
    /// (a residual block's body, then its shortcut). Entries without a known type are skipped (the builder reports them).
    /// </summary>
    public static List<JsonObject> QuantizableEntries(JsonArray layers)
    {
        var list = new List<JsonObject>();
        Collect(layers, list);
        return list;
    }

    private static void Collect(JsonArray layers, List<JsonObject> list)
    {
        foreach (var node in layers)
        {
            if (node is not JsonObject layer || layer["type"] is not JsonValue t || !t.TryGetValue(out string? name) || Find(name) is not { } type) continue;
            if (type.Quantizable) list.Add(layer);
            if (type.NestedLayers is not null)
                foreach (var nested in type.NestedLayers(layer)) Collect(nested, list);
        }
    }
}
