using System.Text.Json.Nodes;

namespace Lowbit.Training.Config;

/// <summary>
/// The config's optional <c>"quantization"</c> block: per-layer precision overrides applied to the layer list before
/// the model is built.
/// </summary>
/// <remarks>
/// <code>
/// "quantization": {
///   "default":     { "weight_quantizer": "ste_sign", "input_quantizer": "ste_sign", "weight_clip": 1.0 },
///   "first_layer": { "input_quantizer": null, "weight_quantizer": { "type": "linear_quant", "bits": 8 } },
///   "last_layer":  { "weight_quantizer": { "type": "linear_quant", "bits": 8 } }
/// }
/// </code>
/// "Quantizable layers" are the dense and conv2d entries of <c>layers</c>, in order. <c>default</c> fills each field a
/// quantizable layer does not set itself (a layer that sets a field, even to null, keeps it). <c>first_layer</c> and
/// <c>last_layer</c> then replace the fields they name on the first and on the last quantizable layer, whatever the
/// layer or the default said; <c>null</c> there means "no quantizer" (full precision). With a single quantizable layer
/// both apply to it, last_layer winning. The allowed fields are <see cref="Fields"/>. The resolved layer list is what is
/// built, summarised and stored in checkpoints, so applying the block again changes nothing.
/// This is the convention of most BNN papers and of Larq's examples: first and last layers at higher precision.
/// </remarks>
public static class PrecisionOverrides
{
    /// <summary>Sections of the block.</summary>
    public static readonly string[] Sections = ["default", "first_layer", "last_layer"];

    /// <summary>Layer fields a section may set.</summary>
    public static readonly string[] Fields = ["input_quantizer", "weight_quantizer", "weight_clip"];

    /// <summary>Applies <paramref name="block"/> to <paramref name="layers"/> in place.</summary>
    /// <param name="block">The "quantization" object.</param>
    /// <param name="layers">The config's layer list.</param>
    /// <param name="source">Config name, for messages.</param>
    /// <exception cref="ConfigException">An unknown section or field, a section that is not an object, or no
    /// quantizable layer to apply it to.</exception>
    public static void Apply(JsonObject block, JsonArray layers, string source)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(layers);
        var sections = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var (name, node) in block)
        {
            if (Array.IndexOf(Sections, name) < 0)
                throw new ConfigException($"{source}: field 'quantization.{name}' is not allowed (allowed: {string.Join(", ", Sections)}).");
            if (node is null) continue;
            if (node is not JsonObject obj)
                throw new ConfigException($"{source}: field 'quantization.{name}' must be an object with some of: {string.Join(", ", Fields)}; got {JsonFields.Kind(node)}.");
            foreach (var (field, _) in obj)
                if (Array.IndexOf(Fields, field) < 0)
                    throw new ConfigException($"{source}: field 'quantization.{name}.{field}' is not allowed (allowed: {string.Join(", ", Fields)}).");
            sections[name] = obj;
        }
        if (sections.Count == 0) return;

        var quantizable = LayerRegistry.QuantizableEntries(layers);
        if (quantizable.Count == 0)
            throw new ConfigException($"{source}: field 'quantization' needs at least one dense or conv2d layer in 'layers' to apply to.");

        if (sections.TryGetValue("default", out var defaults))
        {
            foreach (var layer in quantizable)
                foreach (var (field, value) in defaults)
                    if (!layer.ContainsKey(field)) layer[field] = value?.DeepClone();
        }
        if (sections.TryGetValue("first_layer", out var first)) Replace(quantizable[0], first);
        if (sections.TryGetValue("last_layer", out var last)) Replace(quantizable[^1], last);
    }

    private static void Replace(JsonObject layer, JsonObject section)
    {
        foreach (var (field, value) in section)
        {
            if (value is null && field == "weight_clip") layer.Remove(field);
            else layer[field] = value?.DeepClone();
        }
    }
}
