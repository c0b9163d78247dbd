using System.Globalization;
using System.Text.Json.Nodes;
using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Quantization;

namespace Lowbit.Training.Config;

/// <summary>
/// What a <see cref="LayerType.Write"/> function receives besides the module: helpers for the fields several layers share
/// (quantizers, latent-weight clipping) and for nested layer lists. The inverse of <see cref="LayerContext"/>.
/// </summary>
internal sealed class LayerWriter(string path)
{
    /// <summary>Where the module sits, e.g. "layers[3]", for messages.</summary>
    public string Path { get; } = path;

    /// <summary>A nested layer list (a residual block's body) at field <paramref name="key"/>.</summary>
    public JsonArray Layers(Sequential layers, string key) => ModelConfigWriter.Layers(layers, $"{Path}.{key}");

    /// <summary>A quantizer field: its name when every option is at hand as the name alone, else an object with "type".</summary>
    /// <exception cref="NotSupportedException">The quantizer cannot describe its options.</exception>
    public JsonNode? Quantizer(QuantizerModule? module, string key)
    {
        if (module is null) return null;
        var q = module.Quantizer;
        var options = q.Options ?? throw new NotSupportedException(
            $"{Path}.{key}: quantizer {q.GetType().Name} ('{q.Name}') cannot be written as a config entry (it does not describe its options).");
        var node = new JsonObject { ["type"] = q.Name };
        foreach (var (name, value) in options.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            node[name] = value switch
            {
                double d => JsonValue.Create(d),
                int i => JsonValue.Create(i),
                bool b => JsonValue.Create(b),
                string s => JsonValue.Create(s),
                _ => throw new NotSupportedException($"{Path}.{key}: option '{name}' of quantizer '{q.Name}' is a {value.GetType().Name}, not a number, string or boolean."),
            };
        }
        return node.Count == 1 ? JsonValue.Create(q.Name) : node;
    }

    /// <summary>Adds the fields of a layer with weights: bias, input_quantizer, weight_quantizer, weight_clip.</summary>
    /// <exception cref="NotSupportedException">The clipping range is not symmetric, or a quantizer cannot be described.</exception>
    public JsonObject Weighted(JsonObject entry, QuantizedLayer layer)
    {
        entry["bias"] = layer.Bias is not null;
        if (Quantizer(layer.InputQuantizer, "input_quantizer") is { } input) entry["input_quantizer"] = input;
        if (Quantizer(layer.WeightQuantizer, "weight_quantizer") is { } weight) entry["weight_quantizer"] = weight;
        if (layer.Weight.Clip is var (low, high))
        {
            if (low != -high) throw new NotSupportedException(string.Create(CultureInfo.InvariantCulture,
                $"{Path}: latent weights are clipped to [{low}, {high}]; a config's weight_clip is symmetric (±c)."));
            entry["weight_clip"] = high;
        }
        return entry;
    }
}
