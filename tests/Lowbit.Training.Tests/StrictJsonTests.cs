using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

/// <summary>Configs: duplicate keys and text that is not JSON are one-line errors naming the file, key and line.</summary>
public class StrictJsonTests
{
    private const string Layers = """ "layers": [ { "type": "flatten" }, { "type": "dense", "units": 10 } ] """;

    private static void AssertOneLine(string message)
    {
        Assert.DoesNotContain('\n', message);
        Assert.DoesNotContain('\r', message);
    }

    [Fact]
    public void DuplicateTopLevelKey_NamesKeyAndLine()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("{\n \"seed\": 1,\n \"seed\": 2,\n" + Layers + "}", "dup.json"));
        Assert.Equal("dup.json: duplicate key 'seed' in the top-level object at line 3; each key may appear once.", ex.Message);
    }

    [Fact]
    public void DuplicateKeyWithLineBreak_IsQuotedOnOneLine()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("{ \"a\\nb\": 1, \"a\\nb\": 2, " + Layers + "}", "dup.json"));
        AssertOneLine(ex.Message);
        Assert.Contains("duplicate key 'a\\u000Ab'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateKeyInsideALayer_NamesItsPath()
    {
        string json = """{ "layers": [ { "type": "flatten" }, { "type": "dense", "units": 10, "units": 20 } ] }""";
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, "dup.json"));
        Assert.Contains("duplicate key 'units' in 'layers[1]'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidLiteralOnALongLine_QuotesAShortExcerpt()
    {
        // System.Text.Json quotes an invalid literal up to the end of its line; a one-line config would print whole.
        string json = "{\"seed\": fal,se, " + string.Concat(Enumerable.Repeat("\"k\": 1, ", 200)) + Layers + "}";
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, "long.json"));
        AssertOneLine(ex.Message);
        Assert.True(ex.Message.Length < 300, ex.Message);
        Assert.Contains("'fal,se, \"k\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains("…'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidLiteralWithAControlCharacter_PrintsItEscaped()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("{\"seed\": fal\u0007se, " + Layers + "}", "bell.json"));
        Assert.DoesNotContain(ex.Message, char.IsControl);
        Assert.Contains("fal\\u0007se", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateKeyInAnOverrideValue_IsAnError()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("{" + Layers + "}", "c.json", ["""train={"epochs":1,"epochs":2}"""]));
        Assert.Contains("duplicate key 'epochs'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData("{")]
    [InlineData("{\"a\": 1}}")]
    [InlineData("\u0000\u0001\u0002")]
    [InlineData("[1, 2]")]
    [InlineData("null")]
    public void NotAJsonObject_IsOneLineNamingTheFile(string text)
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(text, "tiny.json"));
        Assert.StartsWith("tiny.json: ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("tiny.json: tiny.json", ex.Message, StringComparison.Ordinal);
        AssertOneLine(ex.Message);
    }

    [Fact]
    public void ConfigPathIsAFolder_SaysFolder()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Load(Path.GetTempPath()));
        Assert.Contains("is a folder", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void QuantizerOptionOutOfRange_IsOneLineWithoutDotNetSuffixes()
    {
        string json = """{ "layers": [ { "type": "flatten" }, { "type": "dense", "units": 10, "weight_quantizer": { "type": "dorefa_weight", "bits": 99 } } ] }""";
        var config = ConfigLoader.Parse(json, "tiny.json");
        var ex = Assert.Throws<ConfigException>(() => ModelBuilder.Build(config, [1, 28, 28]));
        AssertOneLine(ex.Message);
        Assert.DoesNotContain("tiny.json: tiny.json", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Actual value", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LongOrControlCharacterValue_IsQuotedShortAndEscaped()
    {
        string value = "a\n" + new string('z', 5000);
        var json = new System.Text.Json.Nodes.JsonObject { ["loss"] = value, ["layers"] = System.Text.Json.Nodes.JsonNode.Parse("[{\"type\":\"flatten\"}]") };
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json.ToJsonString(), "c.json"));
        AssertOneLine(ex.Message);
        Assert.Contains("a\\u000Azzz", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Length < 300, ex.Message);
    }

    [Fact]
    public void LongQuantizerStringOption_IsRefusedShort()
    {
        string json = "{\"layers\":[{\"type\":\"flatten\"},{\"type\":\"dense\",\"units\":10,\"weight_quantizer\":{\"type\":\"hbb\",\"average_bits\":1.4,\"selection\":\"" + new string('z', 5000) + "\"}}]}";
        var ex = Assert.Throws<ConfigException>(() => ModelBuilder.Build(ConfigLoader.Parse(json, "c.json"), [1, 28, 28]));
        Assert.Contains("selection", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Length < 400, ex.Message);
    }
}
