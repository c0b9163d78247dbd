using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Lowbit.Nn;
using Lowbit.Nn.Layers;
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
        if (config.Data.IsText) return; // language models: their sequence layers have no writer yet (ModelConfigWriter refuses them by name)
        int[] shape = DataResolver.InputShape(config.Data.Dataset);
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
        var x = Tensor.FromArray(Enumerable.Range(0, 2 * shape.Aggregate(1, (p, d) => p * d)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(), [2, .. shape]);
        // One training-mode pass first: state drawn or initialised at first use (random bit maps, LSQ steps) then exists.
        model.SetRandom(new Random(1));
        model.Forward(x);
        model.SetRandom(null);
        rebuilt.LoadStateDict(model.StateDict());
        model.Eval();
        rebuilt.Eval();
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
