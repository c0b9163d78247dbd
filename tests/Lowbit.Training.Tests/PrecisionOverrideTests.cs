using System.Text.Json.Nodes;
using Lowbit.Nn.Layers;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

public class PrecisionOverrideTests
{
    private const string Mlp = """
        { "name": "t",
          "layers": [
            { "type": "flatten" },
            { "type": "dense", "units": 8, "bias": false },
            { "type": "batch_norm" },
            { "type": "dense", "units": 8, "bias": false, "input_quantizer": null },
            { "type": "batch_norm" },
            { "type": "dense", "units": 3, "bias": false, "weight_quantizer": "bc_det" }
          ],
          "quantization": QBLOCK }
        """;

    private static ExperimentConfig Parse(string block, params string[] sets) =>
        ConfigLoader.Parse(Mlp.Replace("QBLOCK", block, StringComparison.Ordinal), "q.json", sets);

    private static string? Field(ExperimentConfig c, int layer, string field)
    {
        var obj = (JsonObject)c.Layers[layer]!;
        return obj.ContainsKey(field) ? obj[field]?.ToJsonString() ?? "null" : null;
    }

    [Fact]
    public void Default_FillsOnlyFieldsALayerDoesNotSet()
    {
        var c = Parse("""{ "default": { "weight_quantizer": "ste_sign", "input_quantizer": "ste_sign", "weight_clip": 1.0 } }""");
        Assert.Equal("\"ste_sign\"", Field(c, 1, "weight_quantizer"));
        Assert.Equal("\"ste_sign\"", Field(c, 1, "input_quantizer"));
        Assert.Equal("null", Field(c, 3, "input_quantizer")); // set to null by the layer itself: kept
        Assert.Equal("\"ste_sign\"", Field(c, 3, "weight_quantizer"));
        Assert.Equal("\"bc_det\"", Field(c, 5, "weight_quantizer")); // set by the layer: kept
        Assert.Equal("\"ste_sign\"", Field(c, 5, "input_quantizer"));
        Assert.Equal("1.0", Field(c, 5, "weight_clip"));
        Assert.Null(Field(c, 2, "weight_quantizer")); // batch norm untouched
    }

    [Fact]
    public void FirstAndLast_WinOverLayerAndDefault()
    {
        var c = Parse("""
            { "default": { "weight_quantizer": "ste_sign", "input_quantizer": "ste_sign" },
              "first_layer": { "input_quantizer": null, "weight_quantizer": { "type": "linear_quant", "bits": 8 } },
              "last_layer": { "weight_quantizer": { "type": "linear_quant", "bits": 4 }, "weight_clip": null } }
            """);
        Assert.Equal("null", Field(c, 1, "input_quantizer"));
        Assert.Equal("""{"type":"linear_quant","bits":8}""", Field(c, 1, "weight_quantizer"));
        Assert.Equal("\"ste_sign\"", Field(c, 3, "weight_quantizer"));
        Assert.Equal("""{"type":"linear_quant","bits":4}""", Field(c, 5, "weight_quantizer"));
        Assert.Equal("\"ste_sign\"", Field(c, 5, "input_quantizer"));
        Assert.Null(Field(c, 5, "weight_clip"));
    }

    [Fact]
    public void BuiltModel_HasTheOverriddenQuantizers()
    {
        var c = Parse("""
            { "default": { "weight_quantizer": "ste_sign", "input_quantizer": "ste_sign" },
              "first_layer": { "input_quantizer": null },
              "last_layer": { "weight_quantizer": { "type": "dorefa_weight", "bits": 4 } } }
            """);
        var model = ModelBuilder.Build(c, [1, 2, 2]);
        var dense = model.Children.Select(c => c.Module).OfType<Linear>().ToArray();
        Assert.Equal(3, dense.Length);
        Assert.Null(dense[0].InputQuantizer);
        Assert.Equal("ste_sign", dense[0].WeightQuantizer!.Quantizer.Name);
        Assert.Null(dense[1].InputQuantizer); // the layer's own explicit null survives the default
        Assert.Equal("ste_sign", dense[2].InputQuantizer!.Quantizer.Name);
        Assert.Equal("dorefa_weight", dense[2].WeightQuantizer!.Quantizer.Name);
        Assert.Equal(4, dense[2].WeightQuantizer!.Quantizer.BitWidth);
    }

    [Fact]
    public void SetOverride_ReachesTheBlock()
    {
        var c = Parse("""{ "last_layer": { "weight_quantizer": { "type": "linear_quant", "bits": 4 } } }""",
            "quantization.last_layer.weight_quantizer.bits=8");
        Assert.Equal("""{"type":"linear_quant","bits":8}""", Field(c, 5, "weight_quantizer"));
    }

    [Fact]
    public void Idempotent_WhenTheResolvedConfigIsParsedAgain()
    {
        var c = Parse("""{ "default": { "input_quantizer": "ste_sign" }, "first_layer": { "input_quantizer": null } }""");
        var again = ConfigLoader.Parse(c.Json, "again.json");
        Assert.Equal(c.Layers.ToJsonString(), again.Layers.ToJsonString());
    }

    [Theory]
    [InlineData("""{ "middle": {} }""", "quantization.middle")]
    [InlineData("""{ "first_layer": { "units": 3 } }""", "quantization.first_layer.units")]
    [InlineData("""{ "default": "ste_sign" }""", "quantization.default")]
    [InlineData("\"ste_sign\"", "field 'quantization' must be an object")]
    public void BadBlock_IsErrorNamingTheField(string block, string expected)
    {
        var ex = Assert.Throws<ConfigException>(() => Parse(block));
        Assert.Contains("q.json", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void NoQuantizableLayer_IsError()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(
            """{ "layers": [ { "type": "flatten" } ], "quantization": { "default": { "input_quantizer": "ste_sign" } } }""", "n.json"));
        Assert.Contains("dense or conv2d", ex.Message);
    }
}
