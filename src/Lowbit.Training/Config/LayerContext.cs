using System.Text.Json;
using System.Text.Json.Nodes;
using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Training.Config;

/// <summary>
/// What a <see cref="LayerType"/> builder receives: the layer's fields, the per-example input shape, the seeded
/// generator, the experiment config, and helpers for the fields several layers share (quantizers, initialisation,
/// latent-weight clipping, nested layer lists).
/// </summary>
internal sealed class LayerContext(JsonFields fields, int[] inputShape, Random random, ExperimentConfig config)
{
    /// <summary>The layer's fields (every field must be read; unread ones are errors).</summary>
    public JsonFields Fields { get; } = fields;

    /// <summary>Per-example input shape, e.g. [3, 32, 32].</summary>
    public int[] InputShape { get; } = inputShape;

    /// <summary>Generator for initialisation (shared by all layers, in order).</summary>
    public Random Random { get; } = random;

    /// <summary>The experiment config.</summary>
    public ExperimentConfig Config { get; } = config;

    /// <summary>The layers built so far in this layer list (a decoder finds the embedding it ties to here).</summary>
    public Sequential Chain { get; init; } = new();

    /// <summary>Largest weight tensor (values) a layer may allocate (<see cref="ModelBuilder.Build(ExperimentConfig, int[], long)"/>).</summary>
    public long MaxWeightElements { get; init; } = long.MaxValue;

    /// <summary>Throws before a weight of shape <paramref name="shape"/> is allocated if it exceeds <see cref="MaxWeightElements"/>.</summary>
    public void RequireWeightSize(int[] shape)
    {
        long n = 1;
        foreach (int d in shape) n = d <= 0 ? 0 : (n > long.MaxValue / d ? long.MaxValue : n * d);
        if (n > MaxWeightElements)
            throw new ArgumentException($"its {ShapeUtil.Format(shape)} weight would hold {n:N0} values, more than the {MaxWeightElements:N0} values stored for the whole model.");
    }

    /// <summary>Throws unless the input is [channels, height, width] per example.</summary>
    public void RequireImage(string type)
    {
        if (InputShape.Length != 3)
            throw new ArgumentException($"{type} expects [channels, height, width] per example but receives {ShapeUtil.Format(InputShape)}.");
    }

    /// <summary>Builds a nested layer list (a residual block's body) at field <paramref name="key"/> on <paramref name="shape"/>.</summary>
    public Sequential Layers(JsonArray layers, string key, int[] shape) =>
        ModelBuilder.BuildChain(layers, Fields.Field(key), shape, Random, Config, MaxWeightElements);

    /// <summary>Reads a quantizer field: null/absent (none), a name, or an object with "type" and options.</summary>
    /// <param name="key">Field name.</param>
    /// <param name="tensorShape">For weight quantizers: the weight shape (quantizers that keep per-element state size it from this).</param>
    public Quantizer? Quantizer(string key, int[]? tensorShape = null)
    {
        var node = Fields.Raw(key);
        if (tensorShape is not null) RequireWeightSize(tensorShape);
        if (node is null) return null;
        string where = $"{Fields.Source}: field '{Fields.Field(key)}'";
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            return QuantizerRegistry.Create(new QuantizerSpec(v.GetValue<string>(), null, where) { TensorShape = tensorShape });
        if (node is not JsonObject obj) throw Fields.Error(key, $"must be a quantizer name, an object with \"type\", or null; got {JsonFields.Kind(node)}.");
        string? type = null;
        var options = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (k, value) in obj)
        {
            if (k == "type")
            {
                type = value is JsonValue tv && tv.GetValueKind() == JsonValueKind.String ? tv.GetValue<string>() : throw Fields.Error(key, "has a 'type' that is not a string.");
                continue;
            }
            options[k] = value switch
            {
                JsonValue n when n.GetValueKind() == JsonValueKind.Number => n.GetValue<double>(),
                JsonValue s when s.GetValueKind() == JsonValueKind.String => s.GetValue<string>(),
                JsonValue b when b.GetValueKind() is JsonValueKind.True or JsonValueKind.False => b.GetValue<bool>(),
                _ => throw Fields.Error(key, $"option '{k}' must be a number, string or boolean, got {JsonFields.Kind(value)}."),
            };
        }
        if (type is null) throw Fields.Error(key, "needs a \"type\" naming the quantizer.");
        return QuantizerRegistry.Create(new QuantizerSpec(type, options, where) { TensorShape = tensorShape });
    }

    /// <summary>Initial weights by the "init" field: glorot (default), he or torch.</summary>
    public Tensor InitWeights(int[] shape, int fanIn, int fanOut, params string[] allowed)
    {
        RequireWeightSize(shape);
        return Fields.String("init", "glorot", allowed.Length == 0 ? ["glorot", "he", "torch"] : allowed) switch
        {
            "he" => Init.HeUniform(Random, shape, fanIn),
            "torch" => Init.TorchDefault(Random, shape, fanIn),
            _ => Init.GlorotUniform(Random, shape, fanIn, fanOut),
        };
    }

    /// <summary>
    /// Latent-weight clipping ("weight_clip", else the clip the weight quantizer's method prescribes) and BinaryConnect's
    /// per-layer learning-rate scale 1/sqrt(1.5/(fanIn + fanOut)) for quantized weights when the optimizer asks for it.
    /// </summary>
    public void ConfigureWeight(Parameter weight, int fanIn, int fanOut, Quantizer? weightQuantizer)
    {
        double? clip = Fields.OptionalDouble("weight_clip", 1e-9, 1e9) ?? weightQuantizer?.DefaultLatentClip(weight.Value.Shape);
        if (clip is { } c) weight.Clip = (-c, c);
        if (Config.Optimizer.GlorotLearningRateScale && weightQuantizer is not null) weight.LearningRateScale = 1.0 / Math.Sqrt(1.5 / (fanIn + fanOut));
    }
}
