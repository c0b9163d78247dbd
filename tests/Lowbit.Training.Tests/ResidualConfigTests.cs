using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

/// <summary>Residual blocks and convolution options in configs: nested paths, generated shortcuts, precision overrides.</summary>
public class ResidualConfigTests
{
    private static string Block(string shortcut, int filters = 8, int stride = 2) => $$"""
        { "type": "residual", "shortcut": {{shortcut}}, "body": [
            { "type": "conv2d", "filters": {{filters}}, "stride": {{stride}}, "padding": 1, "bias": false },
            { "type": "batch_norm" }, { "type": "relu" },
            { "type": "conv2d", "filters": {{filters}}, "padding": 1, "bias": false }, { "type": "batch_norm" } ] }
        """;

    private static Sequential Build(string layers, int[] shape, params string[] overrides) =>
        ModelBuilder.Build(ConfigLoader.Parse($$"""{ "name": "r", "layers": [ {{layers}} ] }""", "r.json", overrides), shape);

    [Theory]
    [InlineData("\"conv\"", "[Conv2d(4 → 8, k1 s2 p0), BatchNorm2d(8)]")]
    [InlineData("\"avg_pool_conv\"", "[AvgPool2d(2, stride 2), Conv2d(4 → 8, k1 s1 p0), BatchNorm2d(8)]")]
    [InlineData("\"pad\"", "[ChannelPadShortcut(stride 2, +2/+2 channels)]")]
    [InlineData("[ { \"type\": \"conv2d\", \"filters\": 8, \"kernel_size\": 1, \"stride\": 2 } ]", "[Conv2d(4 → 8, k1 s2 p0)]")]
    public void Shortcut_Kinds_BuildTheDocumentedLayers(string shortcut, string expected)
    {
        var model = Build(Block(shortcut), [4, 8, 8]);
        var block = Assert.IsType<Residual>(Assert.Single(model.Layers));
        Assert.Equal(expected, "[" + string.Join(", ", block.Shortcut!.Layers.Select(l => l.Describe())) + "]");
        Assert.Equal([8, 4, 4], model.OutputShape([4, 8, 8]));
    }

    [Fact]
    public void IdentityShortcut_WithDownsamplingBody_IsOneLineErrorNamingBlock()
    {
        var e = Assert.Throws<ConfigException>(() => Build(Block("\"identity\""), [4, 8, 8]));
        Assert.Contains("r.json: layers[0] (residual)", e.Message);
        Assert.Contains("[8, 4, 4]", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void UnknownShortcutName_WithControlCharacters_IsQuotedEscaped()
    {
        var e = Assert.Throws<ConfigException>(() => Build(Block("\"a\\u0000\\nb\""), [4, 8, 8]));
        Assert.Contains("'layers[0].shortcut'", e.Message);
        Assert.Contains("but must be one of identity", e.Message);
        Assert.DoesNotContain(e.Message, char.IsControl);
    }

    [Fact]
    public void NestedField_Errors_NameTheFullPath_AndSetReachesNestedFields()
    {
        var e = Assert.Throws<ConfigException>(() => Build(
            """{ "type": "residual", "body": [ { "type": "relu" }, { "type": "conv2d", "filters": 3, "filterz": 3 } ] }""", [4, 8, 8]));
        Assert.Contains("layers[0].body[1].filterz", e.Message);
        var model = Build(Block("\"conv\""), [4, 8, 8], "layers.0.body.0.filters=8", "layers.0.body.3.filters=8", "layers.0.body.0.stride=1");
        Assert.Equal([8, 8, 8], model.OutputShape([4, 8, 8]));
    }

    [Fact]
    public void QuantizationBlock_ReachesNestedConvolutions_ButNotGeneratedShortcuts()
    {
        string layers = """
            { "type": "conv2d", "filters": 4, "padding": 1 },
            """ + Block("\"conv\"") + """
            , { "type": "global_avg_pool" }, { "type": "dense", "units": 10 }
            """;
        var config = ConfigLoader.Parse($$"""
            { "name": "q", "layers": [ {{layers}} ],
              "quantization": { "default": { "input_quantizer": "ste_sign", "weight_quantizer": "ste_sign", "weight_clip": 1 },
                                "first_layer": { "input_quantizer": null, "weight_quantizer": null },
                                "last_layer": { "input_quantizer": null, "weight_quantizer": null } } }
            """, "q.json");
        var model = ModelBuilder.Build(config, [3, 8, 8]);
        var weighted = CostWalker.WeightedOperations(model, [3, 8, 8]);
        Assert.Equal(["0", "1.body.0", "1.body.3", "1.shortcut.0", "3"], weighted.Select(o => o.Path).ToArray());
        Assert.Equal([false, true, true, false, false], weighted.Select(o => o.Operation.WeightQuantizer is not null).ToArray());
    }

    [Fact]
    public void ConvOptions_GroupsPadValueAndDepthwise_ReachTheLayer()
    {
        var model = Build("""
            { "type": "conv2d", "filters": 6, "groups": 3, "padding": 1, "pad_value": -1 },
            { "type": "depthwise_conv2d", "depth_multiplier": 2, "padding": 1, "stride": 2 }
            """, [3, 8, 8]);
        var grouped = Assert.IsType<Conv2d>(model.Layers[0]);
        var depthwise = Assert.IsType<Conv2d>(model.Layers[1]);
        Assert.Equal((3, -1.0), (grouped.Groups, grouped.PadValue));
        Assert.Equal([6, 1, 3, 3], grouped.Weight.Value.Shape.ToArray());
        Assert.Equal((6, 12), (depthwise.Groups, depthwise.OutChannels));
        Assert.Equal([12, 1, 3, 3], depthwise.Weight.Value.Shape.ToArray());
        var e = Assert.Throws<ConfigException>(() => Build("""{ "type": "conv2d", "filters": 4, "groups": 3 }""", [3, 8, 8]));
        Assert.Contains("layers[0].groups", e.Message);
    }
}
