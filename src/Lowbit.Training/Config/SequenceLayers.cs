using System.Text.Json.Nodes;
using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Nn.Layers.Recurrent;
using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Training.Config;

/// <summary>
/// The language-model layer types of a config (<c>embedding</c>, <c>lstm</c>, <c>gru</c>, <c>decoder</c>; registered in
/// <see cref="LayerRegistry"/>): their fields, and the rules a language model's layer list follows.
/// </summary>
/// <remarks>
/// Per-token shapes: the model input is a token of a V-token vocabulary ([V]); embedding [V] → [E]; lstm/gru [in] → [H];
/// dropout keeps the shape; decoder [H] → [V]. A language model starts with an embedding and ends with a decoder.
/// </remarks>
public static class SequenceLayers
{
    /// <summary>Layer types allowed between a language model's embedding and decoder (elementwise layers keep the sequence layout).</summary>
    private static readonly string[] s_between = ["lstm", "gru", "dropout", "quant_activation"];

    /// <summary>Builds an <c>embedding</c> layer: units (E), init_range, weight_quantizer, weight_clip.</summary>
    internal static Module CreateEmbedding(LayerContext c)
    {
        RequireText(c, "embedding");
        var f = c.Fields;
        if (c.Chain.Layers.Count > 0) throw new ArgumentException("embedding must be the first layer (it turns token ids into vectors).");
        int units = f.Int("units", 0, 1);
        if (units == 0) throw f.Error("units", "is required (embedding size ≥ 1).");
        int vocabulary = c.InputShape[0];
        var weightQuantizer = c.Quantizer("weight_quantizer", [vocabulary, units]);
        var layer = new Embedding(vocabulary, units, c.Random, f.Double("init_range", 0.1, 1e-9, 1e3), weightQuantizer);
        ClipWeights(f, [layer.Weight]);
        return layer;
    }

    /// <summary>Builds an <c>lstm</c> or <c>gru</c> stack: units, layers, dropout, init_range, the five quantizer sites, weight_clip.</summary>
    internal static Module CreateRecurrent(LayerContext c, string type)
    {
        RequireText(c, type);
        var f = c.Fields;
        int units = f.Int("units", 0, 1);
        if (units == 0) throw f.Error("units", "is required (hidden units ≥ 1).");
        var quantizers = new RecurrentQuantizers(
            Factory(c, "weight_quantizer"), Factory(c, "input_quantizer"), Factory(c, "hidden_quantizer"), Factory(c, "gate_quantizer"), Factory(c, "candidate_quantizer"));
        int layers = f.Int("layers", 1, 1, 64);
        double dropout = f.Double("dropout", 0, 0, 0.999);
        if (dropout > 0 && layers == 1) throw f.Error("dropout", "applies between stacked layers; with \"layers\": 1 use a dropout layer after this one.");
        double? initRange = f.OptionalDouble("init_range", 1e-9, 1e3);
        int gates = type == "lstm" ? 4 : 3;
        c.RequireWeightSize([gates * units, Math.Max(c.InputShape[0], units)]);
        RecurrentLayer layer = type == "lstm"
            ? new Lstm(c.InputShape[0], units, c.Random, layers, dropout, quantizers, initRange)
            : new Gru(c.InputShape[0], units, c.Random, layers, dropout, quantizers, initRange);
        ClipWeights(f, Enumerable.Range(0, layers).SelectMany(l => new[] { layer.WeightIh(l), layer.WeightHh(l) }));
        return layer;
    }

    /// <summary>Builds a <c>decoder</c>: tied, bias, init_range, input_quantizer, weight_quantizer, weight_clip.</summary>
    internal static Module CreateDecoder(LayerContext c)
    {
        RequireText(c, "decoder");
        var f = c.Fields;
        var embedding = c.Chain.Layers.Count > 0 ? c.Chain.Layers[0] as Embedding : null;
        bool tied = f.Bool("tied", false);
        if (tied && embedding is null) throw new ArgumentException("a tied decoder needs an embedding as the model's first layer (it uses its table).");
        int vocabulary = embedding?.Vocabulary ?? c.Config.Data.Vocabulary
            ?? throw new ArgumentException("decoder needs the vocabulary size: an embedding as the model's first layer, or data.vocabulary.");
        int inFeatures = c.InputShape[0];
        var inputQuantizer = c.Quantizer("input_quantizer");
        var weightQuantizer = c.Quantizer("weight_quantizer", [vocabulary, inFeatures]);
        if (tied && weightQuantizer is not null) throw f.Error("weight_quantizer", "cannot be set on a tied decoder: it uses the embedding's table; quantize the embedding's weights instead.");
        var layer = new Decoder(inFeatures, vocabulary, c.Random, tied ? embedding : null, f.Bool("bias", true), inputQuantizer, weightQuantizer, f.Double("init_range", 0.1, 1e-9, 1e3));
        if (!tied) ClipWeights(f, [layer.Weight]);
        else if (f.Has("weight_clip")) throw f.Error("weight_clip", "cannot be set on a tied decoder; set it on the embedding.");
        return layer;
    }

    private static void RequireText(LayerContext c, string type)
    {
        if (!c.Config.Data.IsText)
            throw new ArgumentException($"{type} layers need a text dataset (data.dataset {string.Join(" or ", ConfigLoader.TextDatasets)}); '{c.Config.Data.Dataset}' is an image dataset.");
        if (c.InputShape.Length != 1)
            throw new ArgumentException($"{type} expects one vector (or token) per time step but receives {ShapeUtil.Format(c.InputShape)}.");
    }

    /// <summary>A factory creating a fresh quantizer from the field for every site, or null when the field is absent.</summary>
    private static Func<Quantizer>? Factory(LayerContext c, string key)
    {
        var first = c.Quantizer(key); // validates the spec now, so errors surface at build time
        if (first is null) return null;
        bool used = false;
        return () =>
        {
            if (!used)
            {
                used = true;
                return first;
            }

            return c.Quantizer(key)!;
        };
    }

    /// <summary>Applies an explicit weight_clip; without one the layers keep the clipping their quantizer implies (set by their constructors).</summary>
    private static void ClipWeights(JsonFields f, IEnumerable<Parameter> weights)
    {
        foreach (var weight in weights)
        {
            if (f.OptionalDouble("weight_clip", 1e-9, 1e9) is { } c) weight.Clip = (-c, c);
        }
    }

    /// <summary>The fields of an <see cref="Embedding"/>: units, init_range (when not 0.1), weight_quantizer, weight_clip.</summary>
    internal static JsonObject? WriteEmbedding(Module module, LayerWriter w)
    {
        if (module is not Embedding e) return null;
        var entry = new JsonObject { ["units"] = e.Dimension };
        if (e.InitRange != 0.1) entry["init_range"] = e.InitRange;
        if (w.Quantizer(e.WeightQuantizer, "weight_quantizer") is { } q) entry["weight_quantizer"] = q;
        return WithClip(entry, w, [e.Weight], e.WeightQuantizer);
    }

    /// <summary>
    /// The fields of an <see cref="Lstm"/> or <see cref="Gru"/> stack: units, layers, dropout, init_range (when not
    /// 1/√H), the five quantizer sites (every stacked layer's instance must describe the same options: a config gives
    /// each site one spec), weight_clip.
    /// </summary>
    internal static JsonObject? WriteRecurrent(Module module, LayerWriter w, string type)
    {
        if (module is not RecurrentLayer r || (type == "lstm") != (r is Lstm)) return null;
        var entry = new JsonObject { ["units"] = r.HiddenSize };
        if (r.Layers > 1) entry["layers"] = r.Layers;
        if (r.DropoutProbability > 0) entry["dropout"] = r.DropoutProbability;
        if (r.InitRange != 1.0 / Math.Sqrt(r.HiddenSize)) entry["init_range"] = r.InitRange;
        var layers = Enumerable.Range(0, r.Layers).ToArray();
        Site(entry, w, "weight_quantizer", [.. layers.SelectMany(l => new[] { r.WeightIhQuantizer(l), r.WeightHhQuantizer(l) })]);
        Site(entry, w, "input_quantizer", [r.InputQuantizer]);
        Site(entry, w, "hidden_quantizer", [.. layers.Select(r.HiddenQuantizer)]);
        Site(entry, w, "gate_quantizer", [.. layers.Select(r.GateQuantizer)]);
        Site(entry, w, "candidate_quantizer", [.. layers.Select(r.CandidateQuantizer)]);
        var weights = layers.SelectMany(l => new[] { r.WeightIh(l), r.WeightHh(l) }).ToArray();
        return WithClip(entry, w, weights, r.WeightIhQuantizer(0));
    }

    /// <summary>The fields of a <see cref="Decoder"/>: tied, bias, init_range (own weights, when not 0.1), input_quantizer, weight_quantizer, weight_clip.</summary>
    internal static JsonObject? WriteDecoder(Module module, LayerWriter w)
    {
        if (module is not Decoder d) return null;
        var entry = new JsonObject();
        if (d.Tied) entry["tied"] = true;
        if (d.Bias is null) entry["bias"] = false;
        if (!d.Tied && d.InitRange != 0.1) entry["init_range"] = d.InitRange;
        if (w.Quantizer(d.InputQuantizer, "input_quantizer") is { } input) entry["input_quantizer"] = input;
        if (w.Quantizer(d.WeightQuantizer, "weight_quantizer") is { } weight) entry["weight_quantizer"] = weight;
        return d.Tied ? entry : WithClip(entry, w, [d.Weight], d.WeightQuantizer);
    }

    /// <summary>One quantizer field for every instance of a site; null instances mean the site is absent.</summary>
    private static void Site(JsonObject entry, LayerWriter w, string key, QuantizerModule?[] instances)
    {
        if (instances.All(q => q is null)) return;
        var written = instances.Select(q => w.Quantizer(q, key)?.ToJsonString()).Distinct(StringComparer.Ordinal).ToList();
        if (written.Count != 1)
            throw new NotSupportedException($"{w.Path}.{key}: the stacked layers' quantizers differ ({string.Join(" vs ", written.Select(x => x ?? "none"))}); a config gives every layer of a stack the same {key}.");
        entry[key] = w.Quantizer(instances[0], key);
    }

    /// <summary>
    /// Adds weight_clip when the weights' clipping is not the one their quantizer implies (which a rebuilt layer gets by
    /// itself); every weight must then share one symmetric range.
    /// </summary>
    private static JsonObject WithClip(JsonObject entry, LayerWriter w, Parameter[] weights, QuantizerModule? quantizer)
    {
        bool implied = weights.All(p => p.Clip == Implied(quantizer, p));
        if (implied) return entry;
        var clips = weights.Select(p => p.Clip).Distinct().ToList();
        if (clips.Count != 1 || clips[0] is not var (low, high) || low != -high)
            throw new NotSupportedException($"{w.Path}: the latent weights are clipped to {string.Join(", ", clips.Select(c => c is var (l, h) ? $"[{l}, {h}]" : "nothing"))}; a config's weight_clip is one symmetric range (±c) for all of the layer's weights.");
        entry["weight_clip"] = high;
        return entry;
    }

    private static (double Min, double Max)? Implied(QuantizerModule? quantizer, Parameter weight) =>
        quantizer?.Quantizer.DefaultLatentClip(weight.Value.Shape) is { } c ? (-c, c) : null;

    /// <summary>
    /// Checks what a config cannot express about a language model written from C#: a tied decoder must use the table
    /// of the model's first layer (the embedding a config's tied decoder refers to).
    /// </summary>
    internal static void CheckWritable(Sequential model)
    {
        for (int i = 0; i < model.Layers.Count; i++)
        {
            if (model.Layers[i] is Decoder { TiedTo: { } table } && !ReferenceEquals(model.Layers[0], table))
                throw new NotSupportedException($"layers[{i}]: the decoder is tied to an embedding that is not the model's first layer; a config's tied decoder uses layers[0]'s table.");
        }
    }

    /// <summary>
    /// Checks that a built model is a language model: an embedding first, a decoder last, only recurrent, dropout and
    /// elementwise quantizer layers between; the message names the config and the offending layer.
    /// </summary>
    /// <exception cref="ConfigException">The layer list does not form a language model.</exception>
    public static void Validate(ExperimentConfig config, Sequential model)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(model);
        var types = config.Layers.Select(l => l?["type"]?.GetValue<string>() ?? "").ToList();
        if (model.Layers.Count < 2 || model.Layers[0] is not Embedding || model.Layers[^1] is not Decoder)
            throw new ConfigException($"{config.Source}: a language model on '{config.Data.Dataset}' needs an embedding as layers[0] and a decoder as the last layer (got {string.Join(", ", types)}).");
        for (int i = 1; i < types.Count - 1; i++)
            if (!s_between.Contains(types[i]))
                throw new ConfigException($"{config.Source}: layers[{i}] ({types[i]}) cannot be used in a language model; between the embedding and the decoder use {string.Join(", ", s_between)}.");
        if (!model.Layers.OfType<RecurrentLayer>().Any())
            throw new ConfigException($"{config.Source}: a language model needs at least one lstm or gru layer.");
    }

    /// <summary>The recurrent layers of a model (their carried state is reset at every stream start).</summary>
    public static IEnumerable<RecurrentLayer> RecurrentLayers(Module model) =>
        (model ?? throw new ArgumentNullException(nameof(model))).NamedModules().Select(m => m.Module).OfType<RecurrentLayer>();

    /// <summary>Resets the carried state of every recurrent layer.</summary>
    public static void ResetState(Module model)
    {
        foreach (var layer in RecurrentLayers(model)) layer.ResetState();
    }

    /// <summary>Token ids [T, B] (time-major, as in a <c>SequenceBatch</c>) as the float tensor the embedding reads.</summary>
    public static Tensor TokenTensor(int[] ids, int steps, int streams)
    {
        var values = new float[ids.Length];
        for (int i = 0; i < ids.Length; i++) values[i] = ids[i];
        return Tensor.FromArray(values, steps, streams);
    }
}
