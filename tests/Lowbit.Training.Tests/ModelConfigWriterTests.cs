using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Nn.Layers.Recurrent;
using Lowbit.Quantization.MixedPrecision;
using Lowbit.Quantization;
using Lowbit.Tensors;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

/// <summary>
/// A model written as a config layer list (<see cref="ModelConfigWriter"/>) rebuilds the same model: same parameter and
/// buffer names and shapes, and, with the state copied over, the same outputs. Checked on every shipped config.
/// </summary>
public class ModelConfigWriterTests
{
    private static string RepoRoot([CallerFilePath] string source = "")
    {
        for (var d = new DirectoryInfo(Path.GetDirectoryName(source)!); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Lowbit.slnx"))) return d.FullName;
        throw new InvalidOperationException("repository root not found");
    }

    public static TheoryData<string> ShippedConfigs()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(Path.Combine(RepoRoot(), "configs"), "*.json").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(ShippedConfigs))]
    public void ShippedConfig_WrittenAndRebuilt_SameStateAndOutputs(string name)
    {
        var config = ConfigLoader.Load(Path.Combine(RepoRoot(), "configs", name));
        int[] shape = config.Data.IsText ? DataResolver.InputShape(config.Data) : DataResolver.InputShape(config.Data.Dataset);
        var model = ModelBuilder.Build(config, shape);
        if (config.Arithmetic is not null)
        {
            var e = Assert.Throws<NotSupportedException>(() => ModelConfigWriter.Layers(model));
            Assert.Contains("arithmetic", e.Message);
            return;
        }
        var layers = ModelConfigWriter.Layers(model);
        var rebuilt = Rebuild(config, layers, shape);
        // Outputs are compared where a forward pass is cheap (the MLPs and small CNNs; every layer type occurs in one);
        // state names, shapes and clipping everywhere.
        long macs = CostWalker.Operations(model, shape).Sum(o => o.Operation.Macs);
        AssertSameModel(model, rebuilt, shape, name, compareOutputs: macs <= MaxComparedMacs);
        // Writing the rebuilt model gives the same list: nothing is lost or added on a second round.
        Assert.Equal(layers.ToJsonString(), ModelConfigWriter.Layers(rebuilt).ToJsonString());
    }

    [Fact]
    public void ModelBuiltInCSharp_RebuildsFromItsLayerList()
    {
        var random = new Random(3);
        var body = new Sequential(
            new Conv2d(4, 8, 3, 2, 1, bias: false, random, new SteSign(), new DoReFaWeight(2), padValue: 1).ClipTo(1.0),
            new BatchNorm2d(8, momentum: 0.2, epsilon: 1e-4));
        var model = new Sequential(
            new Conv2d(1, 4, 3, 1, 1, bias: true, random),
            new ShiftBatchNorm(4, spatial: true),
            new HardTanh(),
            new Residual(body, new Sequential(new ChannelPadShortcut(2, 2, 2))),
            new Conv2d(8, 8, 3, 1, 1, bias: false, random, groups: 8),
            new MaxPool2d(2),
            new AvgPool2d(2, 1),
            new GlobalAvgPool2d(),
            new Dropout(0.25),
            new QuantActivation(new Pact(3, 6.0)),
            new Linear(8, 5, bias: false, random, new LsqQuantizer(3, role: "activation"), new BnnPlusWeight(perChannel: true, channels: 5, alpha: 0.5)),
            new BatchNorm1d(5, affine: false),
            new Relu());
        var config = ConfigLoader.Parse("""{ "name": "csharp", "layers": [ { "type": "flatten" } ] }""", "t.json");
        int[] shape = [1, 8, 8];
        var layers = ModelConfigWriter.Layers(model);
        AssertSameModel(model, Rebuild(config, layers, shape), shape, "C# model");
        Assert.Equal("pad", layers[3]!["shortcut"]!.GetValue<string>());
        Assert.Equal(8, layers[4]!["groups"]!.GetValue<int>());
        Assert.Equal(1.0, layers[3]!["body"]![0]!["weight_clip"]!.GetValue<double>());
    }

    [Fact]
    public void LanguageModelBuiltInCSharp_RebuildsFromItsLayerList()
    {
        // Every field of the sequence layers away from its default: two stacked GRU layers with dropout and every
        // quantizer site, an explicit latent clip, a quantized embedding and a tied decoder without bias.
        var random = new Random(4);
        var embedding = new Embedding(40, 12, random, initRange: 0.3, weightQuantizer: new DoReFaWeight(3));
        embedding.Weight.Clip = (-0.5, 0.5);
        var gru = new Gru(12, 12, random, layers: 2, dropout: 0.25, new RecurrentQuantizers(
            () => new UniformMinMaxQuantizer(3), () => new LinearQuant(4), () => new LinearQuant(3), () => new DoReFaActivation(3), () => new LinearQuant(2)), initRange: 0.2);
        var model = new Sequential(embedding, new Dropout(0.1), gru, new Decoder(12, 40, random, embedding, bias: false));
        var config = ConfigLoader.Parse("""{ "name": "csharp-lm", "data": { "dataset": "ptb", "vocabulary": 40 }, "layers": [ { "type": "embedding", "units": 12 } ] }""", "t.json");
        var layers = ModelConfigWriter.Layers(model);
        AssertSameModel(model, Rebuild(config, layers, [40]), [40], "C# language model");
        var written = layers[2]!.AsObject();
        Assert.Equal("gru", written["type"]!.GetValue<string>());
        Assert.Equal(2, written["layers"]!.GetValue<int>());
        Assert.Equal(0.25, written["dropout"]!.GetValue<double>());
        Assert.Equal(0.2, written["init_range"]!.GetValue<double>());
        Assert.Equal("uniform_minmax", written["weight_quantizer"]!["type"]!.GetValue<string>());
        Assert.Equal(2, written["candidate_quantizer"]!["bits"]!.GetValue<int>());
        Assert.Equal(0.5, layers[0]!["weight_clip"]!.GetValue<double>());
        Assert.True(layers[3]!["tied"]!.GetValue<bool>());
        Assert.False(layers[3]!["bias"]!.GetValue<bool>());
        Assert.Null(layers[3]!["weight_clip"]); // a tied decoder's clipping is the embedding's
    }

    [Fact]
    public void LanguageModelWithDefaults_WritesOnlyTheRequiredFields()
    {
        var random = new Random(5);
        var model = new Sequential(new Embedding(30, 8, random), new Lstm(8, 16, random), new Decoder(16, 30, random));
        Assert.Equal("""[{"type":"embedding","units":8},{"type":"lstm","units":16},{"type":"decoder"}]""", ModelConfigWriter.Layers(model).ToJsonString());
    }

    [Fact]
    public void StackedLayersWithDifferentQuantizers_NotSupported()
    {
        int calls = 0;
        var lstm = new Lstm(8, 8, new Random(1), layers: 2, quantizers: new RecurrentQuantizers(Hidden: () => new LinearQuant(++calls + 1)));
        var model = new Sequential(new Embedding(20, 8, new Random(2)), lstm, new Decoder(8, 20, new Random(3)));
        var e = Assert.Throws<NotSupportedException>(() => ModelConfigWriter.Layers(model));
        Assert.Contains("layers[1].hidden_quantizer: the stacked layers' quantizers differ", e.Message);
    }

    [Fact]
    public void DecoderTiedToAnotherEmbedding_NotSupported()
    {
        var outside = new Embedding(20, 8, new Random(1));
        var model = new Sequential(new Embedding(20, 8, new Random(2)), new Lstm(8, 8, new Random(3)), new Decoder(8, 20, new Random(4), outside));
        var e = Assert.Throws<NotSupportedException>(() => ModelConfigWriter.Layers(model));
        Assert.Contains("layers[2]: the decoder is tied to an embedding that is not the model's first layer", e.Message);
    }

    [Fact]
    public void UnregisteredModule_NotSupported_NamesThePathAndTheTypes()
    {
        var model = new Sequential(new Flatten(), new Residual(new Sequential(new Doubler())));
        var e = Assert.Throws<NotSupportedException>(() => ModelConfigWriter.Layers(model));
        Assert.StartsWith("layers[1].body[0]: Doubler is not a layer type a config can name (flatten, dense, ", e.Message);
    }

    [Fact]
    public void AsymmetricClip_NotSupported()
    {
        var layer = new Linear(3, 2, bias: false, new Random(1), weightQuantizer: new SteSign());
        layer.Weight.Clip = (-1, 2);
        var e = Assert.Throws<NotSupportedException>(() => ModelConfigWriter.Layers(new Sequential(layer)));
        Assert.Contains("layers[0]: latent weights are clipped to [-1, 2]", e.Message);
    }

    [Fact]
    public void QuantizerImpliedClip_AppliedToLayersBuiltInCSharp_AsByTheConfigBuilder()
    {
        var layer = new Linear(10, 6, bias: false, new Random(1), weightQuantizer: new FewMultiplicationsBinary());
        var config = ConfigLoader.Parse("""{ "name": "t", "layers": [ { "type": "dense", "units": 6, "bias": false, "weight_quantizer": "fm_binary" } ] }""", "t.json");
        var built = (Linear)ModelBuilder.Build(config, [10]).Layers[0];
        Assert.NotNull(layer.Weight.Clip);
        Assert.Equal(built.Weight.Clip, layer.Weight.Clip);
    }

    private static Sequential Rebuild(ExperimentConfig config, JsonArray layers, int[] shape)
    {
        var root = JsonNode.Parse(config.Json)!.AsObject();
        root["layers"] = layers.DeepClone();
        root.Remove("quantization");
        root.Remove("bit_assignment");
        var again = ConfigLoader.Parse(root.ToJsonString(), config.Source + " (written)");
        return ModelBuilder.Build(again, shape);
    }

    /// <summary>Largest model (MACs per example) whose outputs the shipped-config test compares.</summary>
    private const long MaxComparedMacs = 20_000_000;

    private static void AssertSameModel(Sequential model, Sequential rebuilt, int[] shape, string name, bool compareOutputs = true)
    {
        var a = model.StateDict();
        var b = rebuilt.StateDict();
        Assert.True(a.Keys.Order(StringComparer.Ordinal).SequenceEqual(b.Keys.Order(StringComparer.Ordinal)),
            $"{name}: state names differ: {string.Join(", ", a.Keys.Except(b.Keys))} | {string.Join(", ", b.Keys.Except(a.Keys))}");
        foreach (var (key, tensor) in a)
            Assert.True(tensor.ShapeSpan.SequenceEqual(b[key].ShapeSpan), $"{name}: '{key}' {ShapeUtil.Format(tensor.ShapeSpan)} vs {ShapeUtil.Format(b[key].ShapeSpan)}");
        var clips = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Clip);
        foreach (var (key, parameter) in rebuilt.NamedParameters()) Assert.True(clips[key] == parameter.Clip, $"{name}: '{key}' clip {clips[key]} vs {parameter.Clip}");
        if (!compareOutputs) return;
        var random = new Random(7);
        // A language model reads token ids [steps, streams] (and carries its state: reset before each pass); others a batch of 2.
        bool text = model.Layers[0] is Embedding;
        var x = text
            ? Tensor.FromArray(Enumerable.Range(0, 3 * 2).Select(_ => (float)random.Next(shape[0])).ToArray(), 3, 2)
            : Tensor.FromArray(Enumerable.Range(0, 2 * shape.Aggregate(1, (p, d) => p * d)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(), [2, .. shape]);
        // One training-mode pass first: state drawn or initialised at first use (random bit maps, LSQ steps) then exists.
        model.SetRandom(new Random(1));
        model.Forward(x);
        model.SetRandom(null);
        rebuilt.LoadStateDict(model.StateDict());
        model.Eval();
        rebuilt.Eval();
        SequenceLayers.ResetState(model);
        SequenceLayers.ResetState(rebuilt);
        var expected = model.Forward(x).ToDoubleArray();
        var actual = rebuilt.Forward(x).ToDoubleArray();
        Assert.Equal(expected, actual);
    }

    private sealed class Doubler : Module
    {
        public override Tensor Forward(Tensor x) => Tensor.Add(x, x);

        public override int[] OutputShape(int[] inputShape) => inputShape;

        public override ModuleCost Cost(int[] inputShape) => ModuleCost.View;
    }
}

internal static class LayerTestExtensions
{
    public static T ClipTo<T>(this T layer, double clip)
        where T : QuantizedLayer
    {
        layer.Weight.Clip = (-clip, clip);
        return layer;
    }
}
