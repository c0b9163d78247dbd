using System.Text.Json;
using System.Text.Json.Nodes;
using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Training.Config;

/// <summary>
/// Builds a <see cref="Sequential"/> model from a config's layer list, inferring each layer's input size from the
/// previous layer's output shape and reporting any mismatch with the layer index and both shapes.
/// </summary>
public static class ModelBuilder
{
    /// <summary>Layer types a config may use.</summary>
    public static readonly string[] LayerTypes = ["flatten", "dense", "conv2d", "batch_norm", "shift_batch_norm", "relu", "hardtanh", "dropout", "max_pool", "avg_pool", "quant_activation"];

    /// <summary>Builds the model for per-example input shape <paramref name="inputShape"/> (e.g. [1, 28, 28]).</summary>
    public static Sequential Build(ExperimentConfig config, int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(inputShape);
        var random = new Random(config.Seed);
        var model = new Sequential();
        var shape = inputShape;
        if (config.Layers.Count == 0) throw new ConfigException($"{config.Source}: field 'layers' is empty; a model needs at least one layer.");
        for (int i = 0; i < config.Layers.Count; i++)
        {
            var f = new JsonFields(config.Layers[i], $"layers[{i}]", config.Source);
            string type = f.String("type", "", LayerTypes);
            if (type.Length == 0) throw new ConfigException($"{config.Source}: layers[{i}] needs a 'type' (one of: {string.Join(", ", LayerTypes)}).");
            Module layer;
            try
            {
                layer = Create(type, f, shape, random, config);
                f.EnsureAllRead();
                shape = layer.OutputShape(shape);
            }
            catch (ArgumentException e)
            {
                throw new ConfigException($"{config.Source}: layers[{i}] ({type}): {e.Message}");
            }
            catch (QuantizerConfigException e)
            {
                throw new ConfigException($"{config.Source}: {e.Message}");
            }
            model.Add(layer);
        }
        if (config.Arithmetic is { } arithmetic)
        {
            try
            {
                Nn.Arithmetic.ArithmeticPolicy.Attach(model, arithmetic, config.Seed);
            }
            catch (ArgumentException e)
            {
                throw new ConfigException($"{config.Source}: field 'arithmetic': {e.Message}");
            }
        }
        return model;
    }

    private static Module Create(string type, JsonFields f, int[] shape, Random random, ExperimentConfig config)
    {
        switch (type)
        {
            case "flatten":
                return new Flatten();
            case "dense":
            {
                if (shape.Length != 1)
                    throw new ArgumentException($"dense expects a flat input but receives {ShapeUtil.Format(shape)} per example; add {{\"type\": \"flatten\"}} before it.");
                int units = f.Int("units", 0, 1);
                if (units == 0) throw f.Error("units", "is required (output features ≥ 1).");
                if (f.Has("in_features") && f.Int("in_features", 0) != shape[0])
                    throw new ArgumentException($"in_features is {f.Int("in_features", 0)} but the previous layer produces {shape[0]} features.");
                f.Raw("in_features");
                var inQ = Quantizer(f, "input_quantizer");
                var wQ = Quantizer(f, "weight_quantizer", (long)units * shape[0]);
                var layer = new Linear(shape[0], units, f.Bool("bias", true), random, inQ, wQ, InitWeights(f, random, [units, shape[0]], shape[0], units));
                ConfigureWeight(f, layer.Weight, shape[0], units, wQ, config);
                ScaleBitLengthLearningRate(layer);
                return layer;
            }
            case "conv2d":
            {
                if (shape.Length != 3) throw new ArgumentException($"conv2d expects [channels, height, width] per example but receives {ShapeUtil.Format(shape)}.");
                int filters = f.Int("filters", 0, 1);
                if (filters == 0) throw f.Error("filters", "is required (output channels ≥ 1).");
                int k = f.Int("kernel_size", 3, 1, 64);
                var inQ = Quantizer(f, "input_quantizer");
                var wQ = Quantizer(f, "weight_quantizer", (long)filters * shape[0] * k * k);
                var layer = new Conv2d(shape[0], filters, k, f.Int("stride", 1, 1, 64), f.Int("padding", 0, 0, 64), f.Bool("bias", true), random, inQ, wQ);
                f.String("init", "glorot", ["glorot"]);
                ConfigureWeight(f, layer.Weight, shape[0] * k * k, filters * k * k, wQ, config);
                ScaleBitLengthLearningRate(layer);
                return layer;
            }
            case "batch_norm":
                if (shape.Length != 1 && shape.Length != 3)
                    throw new ArgumentException($"batch_norm expects [features] or [channels, height, width] per example but receives {ShapeUtil.Format(shape)}.");
                return new BatchNorm(shape[0], shape.Length == 3, f.Double("momentum", 0.1, 0, 1), f.Double("epsilon", 1e-5, 1e-12, 1), f.Bool("affine", true));
            case "shift_batch_norm":
                if (shape.Length != 1 && shape.Length != 3)
                    throw new ArgumentException($"shift_batch_norm expects [features] or [channels, height, width] per example but receives {ShapeUtil.Format(shape)}.");
                return new ShiftBatchNorm(shape[0], shape.Length == 3, f.Double("momentum", 0.1, 0, 1), f.Double("epsilon", 1e-4, 1e-12, 1), f.Bool("affine", true));
            case "relu":
                return new Relu();
            case "hardtanh":
                return new HardTanh();
            case "dropout":
                return new Dropout(f.Double("rate", 0.5, 0, 0.999));
            case "max_pool":
            {
                int k = f.Int("pool_size", 2, 1, 64);
                return new MaxPool2d(k, f.Int("stride", k, 1, 64));
            }
            case "avg_pool":
            {
                int k = f.Int("pool_size", 2, 1, 64);
                return new AvgPool2d(k, f.Int("stride", k, 1, 64));
            }
            case "quant_activation":
                return new QuantActivation(Quantizer(f, "quantizer") ?? throw f.Error("quantizer", "is required for quant_activation."));
            default:
                throw new ConfigException($"{f.Source}: layer type '{type}' is not implemented.");
        }
    }

    private static Tensor? InitWeights(JsonFields f, Random random, int[] shape, int fanIn, int fanOut) =>
        f.String("init", "glorot", ["glorot", "he", "torch"]) switch
        {
            "he" => Init.HeUniform(random, shape, fanIn),
            "torch" => Init.TorchDefault(random, shape, fanIn),
            _ => Init.GlorotUniform(random, shape, fanIn, fanOut),
        };

    private static void ConfigureWeight(JsonFields f, Parameter weight, int fanIn, int fanOut, Quantizer? weightQuantizer, ExperimentConfig config)
    {
        bool quantized = weightQuantizer is not null;
        // An explicit weight_clip wins; otherwise the clip the quantizer's method prescribes (e.g. FM's [−W0, W0]).
        double? clip = f.OptionalDouble("weight_clip", 1e-9, 1e9) ?? weightQuantizer?.DefaultLatentClip(weight.Value.Shape);
        if (clip is { } c) weight.Clip = (-c, c);
        // BinaryConnect's per-layer learning-rate multiplier 1/sqrt(1.5/(fanIn+fanOut)) for quantized weights.
        if (config.Optimizer.GlorotLearningRateScale && quantized) weight.LearningRateScale = 1.0 / Math.Sqrt(1.5 / (fanIn + fanOut));
    }

    /// <summary>BitPruning's "lr_scale" option becomes the learning-rate scale of the layer's bitlength parameters.</summary>
    private static void ScaleBitLengthLearningRate(QuantizedLayer layer)
    {
        if (layer.WeightQuantizer is { Quantizer: Quantization.MixedPrecision.BitPruningQuantizer bp } module)
            foreach (var p in module.Parameters())
            {
                p.LearningRateScale = bp.LearningRateScale;
                p.PlainGradient = bp.PlainGradientBitLengths;
            }
    }

    /// <summary>Reads a quantizer field: null/absent (none), a name, or an object with "type" and options.</summary>
    /// <param name="f">The layer's fields.</param>
    /// <param name="key">Field name.</param>
    /// <param name="weightElements">For weight quantizers: the weight count, passed to quantizers that keep a per-element
    /// bit map (hbb's "elements") so that the map is checkpointed.</param>
    private static Quantizer? Quantizer(JsonFields f, string key, long weightElements = 0)
    {
        var node = f.Raw(key);
        if (node is null) return null;
        string where = $"{f.Source}: field '{f.Field(key)}'";
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            return QuantizerRegistry.Create(new QuantizerSpec(v.GetValue<string>(), null, where));
        if (node is not JsonObject obj) throw f.Error(key, $"must be a quantizer name, an object with \"type\", or null; got {JsonFields.Kind(node)}.");
        string? type = null;
        var options = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (k, value) in obj)
        {
            if (k == "type")
            {
                type = value is JsonValue tv && tv.GetValueKind() == JsonValueKind.String ? tv.GetValue<string>() : throw f.Error(key, "has a 'type' that is not a string.");
                continue;
            }
            options[k] = value switch
            {
                JsonValue n when n.GetValueKind() == JsonValueKind.Number => n.GetValue<double>(),
                JsonValue s when s.GetValueKind() == JsonValueKind.String => s.GetValue<string>(),
                JsonValue b when b.GetValueKind() is JsonValueKind.True or JsonValueKind.False => b.GetValue<bool>(),
                _ => throw f.Error(key, $"option '{k}' must be a number, string or boolean, got {JsonFields.Kind(value)}."),
            };
        }
        if (type is null) throw f.Error(key, "needs a \"type\" naming the quantizer.");
        if (type == "hbb" && weightElements > 0 && !options.ContainsKey("elements")) options["elements"] = (double)weightElements;
        return QuantizerRegistry.Create(new QuantizerSpec(type, options, where));
    }
}
